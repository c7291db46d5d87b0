"""The catalogue: complete, valid, and errors staff can act on (file:line: field: message)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from bot import catalogue as catalogue_module
from bot import content
from bot.catalogue import CatalogueError
from bot.replies import Replies, as_text

REQUIRED = Path(__file__).resolve().parent / "data" / "required.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the real catalogue that a test may break."""
    for folder in ("procedures", "intents"):
        shutil.copytree(content.REPO_ROOT / folder, tmp_path / folder)
    return tmp_path


def test_every_required_procedure_and_intent_exists_with_its_category(catalogue):
    required = yaml.safe_load(REQUIRED.read_text(encoding="utf-8"))
    for item in required["procedures"]:
        procedure = catalogue.procedure(item["id"])
        assert procedure is not None, item["id"]
        assert procedure.category == item["category"]
        assert (procedure.legal_title or procedure.title) == item["title"]  # the legal name, kept
    assert {i.id for i in catalogue.intents} >= set(required["intents"])
    # The required categories come first, in their order; the catalogue may add more after them.
    ids = [c.id for c in catalogue.categories]
    assert ids[:len(required["categories"])] == list(required["categories"])


def test_every_entry_records_its_source_and_review_date(catalogue):
    for entry in (*catalogue.procedures, *catalogue.intents):
        assert entry.source and entry.reviewed > dt.date(2020, 1, 1), entry.id


def test_the_real_catalogue_has_no_errors():
    report = content.inspect()
    assert [str(p) for p in report.errors] == []


def test_a_missing_field_names_file_line_and_field(tree: Path):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 住民票を取る\n", ""),
                    encoding="utf-8")

    with pytest.raises(CatalogueError) as raised:
        content.load(tree)
    assert "procedures/shomeisho/juminhyo.yaml:1: title: 必須です" in str(raised.value)


def test_yaml_syntax_errors_name_the_line(tree: Path):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "label: [住民票がほしい"  # an unclosed bracket on line 4
    path.write_text("\n".join(lines), encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    assert any(e.startswith("procedures/shomeisho/juminhyo.yaml:") and "YAML" in e for e in errors)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("category: shomeisho", "category: shoumei", "category: 「shoumei」という分類はありません"),
    ("contact: shimin", "contact: 市民課", "contact: 係のid（procedures/facts/sections.yaml の id）で"),
    ("related: [", "related: [no-such, ", "related[0]: 「no-such」という手続きはありません"),
    ("  - https://www.city.naruto", "  - http://www.city.naruto", "source[2]: アドレスは https:// で始まる"),
    ("label: 住民票がほしい", "label: 住民票の写しがどうしても今すぐほしいのです", "label: 20文字以内"),
    ("reviewed: 2026-11-30", "reviewed: いつか", "reviewed: 確認した日を"),
    ("fee: juminhyo", "fee: juminhyo\nfee: 300円", "fee: 同じ項目が2回"),
    ("channels:\n  - kind: counter", "channels:\n  - kind: fax", "channels[0].kind: 「fax」は使えません"),
    ("keywords:\n  - ", "keywords:\n  - 住民票…す\n  - ", "keywords[0]: 「…」の前とあとには"),
])
def test_each_kind_of_mistake_is_reported_at_its_line(tree: Path, old: str, new: str, expected: str):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    hits = [e for e in errors if expected in e]
    assert hits, errors
    file, line, _ = hits[0].split(":", 2)
    assert file == "procedures/shomeisho/juminhyo.yaml" and int(line) > 1


def test_one_kanji_counts_as_a_word_apart_even_a_rare_one(tree: Path):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    # 移 and 㐂 (CJK extension A, which the matcher also reads as kanji) may stand alone.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("keywords:\n  - ", "keywords:\n  - 住民票…移\n  - 住民票…㐂\n  - ", 1),
                    encoding="utf-8")

    assert not [p for p in content.inspect(tree).errors if "「…」" in str(p)]


def test_a_category_word_listed_under_two_categories_is_an_error(tree: Path):
    path = tree / "procedures/categories.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("words: [証明]", "words: [証明, 手当]"),
                    encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    assert any(e.startswith("procedures/categories.yaml:") and "categories[3].words[1]" in e
               and "「手当」は分類「kosodate」" in e for e in errors), errors


def test_an_example_used_by_two_entries_is_an_error(tree: Path):
    path = tree / "intents/thanks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - 助かりました", "  - 住民票を1通ください"),
                    encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    assert any("住民票を1通ください" in e and "juminhyo" in e for e in errors), errors


def test_an_old_review_date_is_a_warning_not_an_error(tree: Path):
    report = catalogue_module.inspect(tree, today=dt.date(2030, 1, 1), max_age_days=365)

    assert report.errors == ()
    assert any(p.field == "reviewed" and p.severity == "warning" for p in report.problems)


def test_unconfirmed_facts_are_listed_once_with_the_procedures_waiting_on_them(catalogue):
    gaps = {(g.owner, g.field.rsplit(".", 1)[-1]): g for g in content.inspect().gaps}

    fee = gaps["fees:juminhyo", "counter"]  # one row of the fee table, not one line per card
    assert fee.path == "procedures/facts/fees.yaml"
    assert {"juminhyo", "konbini-kofu"} <= set(fee.waiting)
    hours = gaps["counters:honcho", "hours"]  # the counter's hours: every card with a counter
    assert set(hours.waiting) == {p.id for p in catalogue.procedures
                                  if any(c.kind == "counter" for c in p.channels)}
    assert not any(g.owner == "juminhyo" and g.field in ("fee", "hours") for g in gaps.values())


def test_a_fact_filled_once_shows_on_every_card_that_needs_it(tree: Path):
    path = tree / "procedures/facts/fees.yaml"
    text = path.read_text(encoding="utf-8")
    filled = text.replace("name: 住民票の写し\n    counter: ~", "name: 住民票の写し\n    counter: 999円", 1)
    path.write_text(filled, encoding="utf-8")
    catalogue = content.load(tree)

    for procedure_id in ("juminhyo", "konbini-kofu"):
        assert "999円" in as_text(Replies(catalogue).procedure_detail(catalogue.procedure(procedure_id)))


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("contact: shimin", "contact: shimn",
     "contact: 「shimn」という係はありません（procedures/facts/sections.yaml の id: shimin,"),
    ("fee: juminhyo", "fee: juminhyou",
     "fee: 「juminhyou」という手数料はありません（procedures/facts/fees.yaml の id: juminhyo,"),
    ("contact: shimin", "contact:\n  section: 市民課\n  phone: 029-298-1111",
     "contact: 係のid（procedures/facts/sections.yaml の id）で書いてください"),
    ("fee: juminhyo", "fee: juminhyo\nhours: 8:30〜17:15",
     "hours: この項目は procedures/facts/counters.yaml に1回だけ書きます"),
    ("fee: juminhyo", "fee: juminhyo\ncity_page: https://www.city.naka.lg.jp/page/page999999.html",
     "city_page: このアドレスを source にも書いてください"),
    ("fee: juminhyo", "fee: juminhyo\nanswers:\n  price: 300円",
     "answers.price: 「price」という種類はありません（procedures/facets.yaml の id: urgent,"),
])
def test_a_reference_to_an_unknown_fact_is_an_error_naming_the_field(tree: Path, before, after, expected):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(before, after, 1), encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    assert any(e.startswith("procedures/shomeisho/juminhyo.yaml:") and expected in e for e in errors), errors


def test_text_too_long_for_line_is_caught_before_it_reaches_residents(tree: Path):
    path = tree / "intents/thanks.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("どういたしまして。", "あ" * 5001), encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    assert len(errors) == 1 and "intents/thanks.yaml:1: reply: LINEの上限をこえます" in errors[0]


def test_a_category_that_lists_an_unknown_procedure_first_is_reported(tree: Path):
    path = tree / "procedures/categories.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("first: [kaigo-nintei,", "first: [kaigo-ninte,", 1), encoding="utf-8")

    [error] = [str(p) for p in content.inspect(tree).errors]
    line = 1 + next(i for i, row in enumerate(text.splitlines()) if "first: [kaigo-nintei," in row)
    expected = "categories[1].first[0]: 「kaigo-ninte」という手続きはありません"
    assert error == f"procedures/categories.yaml:{line}: {expected}"


def alias_bomb(levels: int, width: int = 10) -> str:
    """Nested aliases: a few hundred bytes that expand to width**levels values."""
    lines = ["a0: &a0 [x]"]
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_aliases_that_expand_too_far_are_refused_naming_the_file(tree: Path):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    path.write_text(path.read_text(encoding="utf-8") + alias_bomb(5), encoding="utf-8")  # 100,000 values
    assert len(alias_bomb(5)) < 400

    errors = [str(p) for p in content.inspect(tree).errors]
    assert any(e.startswith("procedures/shomeisho/juminhyo.yaml:") and "別名" in e and "大きすぎる" in e
               for e in errors), errors


def test_a_few_small_aliases_are_still_fine():
    from bot.yamlsource import read_document

    path = Path(__file__).parent / "data" / "small-aliases.yaml"
    document, problems = read_document(path, "small-aliases.yaml")
    assert problems == [] and document is not None
    assert document.data["second"] == document.data["first"] == {"hours": "8:30-17:15", "days": ["月", "金"]}


def test_a_value_that_contains_itself_is_refused(tree: Path):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "loop: &loop [*loop]\n", encoding="utf-8")

    errors = [str(p) for p in content.inspect(tree).errors]
    assert any(e.startswith("procedures/shomeisho/juminhyo.yaml:") and "自分自身" in e
               for e in errors), errors


def test_a_file_too_large_is_refused_before_it_is_read(tree: Path):
    path = tree / "procedures/shomeisho/juminhyo.yaml"
    padding = "# " + "あ" * 100 + "\n"
    path.write_text(path.read_text(encoding="utf-8") + padding * 1000, encoding="utf-8")  # ~300 KB

    errors = [str(p) for p in content.inspect(tree).errors]
    expected = "procedures/shomeisho/juminhyo.yaml:1: (ファイル全体): ファイルが大きすぎます（"
    assert expected in "\n".join(errors)


def fill_juminhyo_fee(tree: Path, counter: str) -> None:
    path = tree / "procedures/facts/fees.yaml"
    text = path.read_text(encoding="utf-8")
    unknown = "name: 住民票の写し\n    counter: ~"
    path.write_text(text.replace(unknown, f"name: 住民票の写し\n    counter: {counter}", 1), encoding="utf-8")


def test_a_fee_without_yen_is_an_error_naming_the_field(tree: Path):
    fill_juminhyo_fee(tree, "300")

    errors = [str(p) for p in content.inspect(tree).errors]
    expected = "counter: 金額には「円」をつけてください（例: 300円）"
    assert any(e.startswith("procedures/facts/fees.yaml:") and expected in e for e in errors), errors


def test_a_card_that_still_sends_residents_to_ask_for_a_fee_it_shows_is_warned_about(tree: Path):
    fill_juminhyo_fee(tree, "300円")

    warnings = [str(p) for p in content.inspect(tree).problems if p.severity == "warning"]
    # juminhyo's convenience-store note: 「…手数料は、市役所でご確認ください。」
    assert any(w.startswith("procedures/shomeisho/juminhyo.yaml:") and "channels[1].note" in w
               and "手数料はもうわかっています" in w for w in warnings), warnings
