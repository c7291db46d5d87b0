"""Publishing a catalogue through the store (issue 17): versions, drafts, the holder that follows them."""

from __future__ import annotations

import pytest

from bot import versions
from bot.content import REPO_ROOT
from bot.reloader import CatalogueHolder
from bot.store import Store, open_store

JUMINHYO = "procedures/shomeisho/juminhyo.yaml"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> Store:
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'publish.sqlite3'}")
    return open_store(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="module")
def tree() -> dict[str, str]:
    files, unreadable = versions.read_tree(REPO_ROOT)
    assert unreadable == []
    return files


def retitled(files: dict[str, str], title: str) -> dict[str, str]:
    text = files[JUMINHYO]
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    return {**files, JUMINHYO: text.replace(old_title, f"title: {title}", 1)}


def test_the_repository_tree_passes_the_same_checks_as_nakabot_check(tree):
    report = versions.inspect(tree)
    assert report.errors == () and report.catalogue is not None
    assert report.catalogue.procedure("juminhyo") is not None
    assert all(versions.valid_path(path) for path in tree)
    assert not versions.valid_path("procedures/../../etc/passwd.yaml")
    assert not versions.valid_path("bot/cli.py")


def test_a_published_version_is_the_whole_tree_with_who_when_and_what_changed(store, tree):
    assert store.latest_version_id() is None  # the repository's files until something is published
    first = store.publish(tree, "d1", "sato", "はじめの版")
    second = store.publish(retitled(tree, "住民票の写しをとる"), "d2", "sato", "題名を直した")

    assert store.latest_version_id() == second > first
    latest = store.catalogue_version()
    assert latest is not None and latest.actor == "sato" and latest.note == "題名を直した"
    assert latest.changed == (JUMINHYO,) and "住民票の写しをとる" in latest.files[JUMINHYO]
    assert [v.id for v in store.catalogue_versions(path=JUMINHYO)] == [second, first]
    assert [v.id for v in store.catalogue_versions(path="intents/thanks.yaml")] == [first]
    entry = store.audit_log(limit=1)[0]
    assert (entry.action, entry.actor, entry.before, entry.after["version"]) == (
        "catalogue.publish", "sato", {"version": first}, second)


def test_a_draft_is_never_live_and_publishing_ends_it_and_marks_its_questions_fixed(store, tree):
    question = store.record_unanswered(text="住民票ほしい", normalized="住民票ほしい", candidates=[],
                                       kind="fallback", answer_id=None, score=0.0, resident="k")
    store.save_draft(JUMINHYO, "id: juminhyo\n", "suzuki", before=tree[JUMINHYO])
    store.add_draft_fixes([question], JUMINHYO, "suzuki")

    assert store.latest_version_id() is None
    assert set(store.draft()) == {JUMINHYO} and store.draft_fixes() == {question: JUMINHYO}
    assert store.audit_log(limit=1)[0].action == "catalogue.draft"

    store.publish(tree, "d1", "tanaka", "例を足した")
    assert store.draft() == {} and store.draft_fixes() == {}
    assert store.unanswered(states=("fixed",))[0].id == question
    assert store.audit_log(limit=1)[0].after["fixed"] == 1


def test_the_holder_serves_a_newly_published_version_and_keeps_the_last_good_one(store, tree, caplog):
    holder = CatalogueHolder(REPO_ROOT, interval=0, background=False, store=lambda: store)
    assert holder.conversation.catalogue.procedure("juminhyo").title != "住民票の写しをとる"
    assert holder.version_id is None

    good = store.publish(retitled(tree, "住民票の写しをとる"), "d", "tanaka", "題名")
    assert holder.conversation.catalogue.procedure("juminhyo").title == "住民票の写しをとる"
    assert holder.version_id == good

    broken = {**tree, JUMINHYO: "id: juminhyo\ntitle: [閉じていない\n"}
    store.publish(broken, "d", "tanaka", "こわれた版")  # written past the admin's checks
    assert holder.conversation.catalogue.procedure("juminhyo").title == "住民票の写しをとる"
    assert holder.version_id == good
    assert "catalogue_version_refused" in caplog.text


def test_export_writes_the_published_catalogue_and_import_loads_a_tree_as_a_draft(
        _own_database, tree, tmp_path, capsys, monkeypatch):
    from test_cli import run

    store = open_store(f"sqlite:///{_own_database}")  # the server's store (DATABASE_URL)
    store.publish(retitled(tree, "住民票の写しをとる"), "d", "tanaka", "題名")

    code, out, err = run(capsys, monkeypatch, "catalogue", "export", str(tmp_path / "out"))
    assert code == 0 and "公開版" in out and "記録: SQLite" in err
    exported = (tmp_path / "out" / JUMINHYO).read_text(encoding="utf-8")
    assert "title: 住民票の写しをとる" in exported
    assert versions.read_tree(tmp_path / "out")[0] == store.catalogue_version().files

    (tmp_path / "out" / JUMINHYO).write_text(exported.replace("住民票の写しをとる", "住民票をとる"),
                                             encoding="utf-8")
    code, out, _ = run(capsys, monkeypatch, "catalogue", "import", str(tmp_path / "out"))
    assert code == 0 and "下書きに 1 ファイル" in out
    assert list(store.draft()) == [JUMINHYO] and "title: 住民票をとる" in store.draft()[JUMINHYO].text
    assert store.catalogue_version().files[JUMINHYO] == exported  # a draft, not published

    (tmp_path / "out" / JUMINHYO).write_text("id: juminhyo\ntitle: [閉じていない\n", encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, "catalogue", "import", str(tmp_path / "out"))
    assert code == 1 and "juminhyo.yaml" in err and "公開できません" in err


def test_a_publish_made_from_an_older_version_is_refused_not_silently_undoing_the_other(store, tree):
    from bot.store import PublishConflict

    first = store.publish(tree, "d1", "sato", "はじめ", based_on=None)
    store.publish(retitled(tree, "住民票A"), "d2", "tanaka", "Aさんの変更", based_on=first)

    with pytest.raises(PublishConflict):
        store.publish(retitled(tree, "住民票B"), "d3", "sato", "Bさんの変更", based_on=first)
    assert "住民票A" in store.catalogue_version().files[JUMINHYO]


def test_the_preview_names_the_known_questions_a_draft_answers_otherwise_and_which_got_worse(catalogue):
    from dataclasses import replace

    from bot import preview
    from bot.conversation import Conversation

    cases = preview.eval_cases(REPO_ROOT / "tests" / "data")
    assert len(cases) > 500 and not any("blind" in case["set"] for case in cases)
    asked = [{"text": "住民票がほしい", "expect": ["juminhyo"], "set": "dev.jsonl"},
             {"text": "印鑑証明がほしい", "expect": ["inkan-shomei"], "set": "dev.jsonl"}]
    without = replace(catalogue, procedures=tuple(p for p in catalogue.procedures if p.id != "juminhyo"),
                      version="without-juminhyo")

    [changed] = preview.differences(Conversation(catalogue), Conversation(without), asked)

    assert (changed.text, changed.before, changed.better) == ("住民票がほしい", "procedure:juminhyo", False)
    cards = {card.id: card for card in preview.changed_cards(without, catalogue)}
    assert "juminhyo" in cards and cards["juminhyo"].messages[0]["type"] == "flex"
