"""The nakabot command line, as staff and tools use it (GUIDE.md section 2)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

from bot.cli import main

DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"


def run(capsys, monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_the_answer_as_a_resident_reads_it(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "ask", "住民票がほしい")
    assert code == 0
    assert "住民票の写しの交付" in out and "029-298-1111" in out


def test_ask_json_has_the_contracted_keys(capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "ask", "--json", "こんにちは")
    assert json.loads(out) == {"text": "こんにちは", "kind": "intent", "id": "greeting",
                               "candidates": [], "score": json.loads(out)["score"],
                               "shown": "intent:greeting"}
    # Two procedures in one message: the JSON says both cards were shown.
    _, out, _ = run(capsys, monkeypatch, "ask", "--json", "住民票と印鑑証明がほしい")
    assert json.loads(out)["shown"] == "several:juminhyo+inkan-shomei"


def test_ask_jsonl_answers_each_line_in_order(capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "ask", "--jsonl", stdin="住民票がほしい\n今日は雨ですか\n印鑑\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["住民票がほしい", "今日は雨ですか", "印鑑"]
    assert [r["kind"] for r in rows] == ["procedure", "fallback", "clarify"]
    assert set(rows[0]) == {"text", "kind", "id", "candidates", "score"}
    assert rows[2]["candidates"] and 0 <= rows[2]["score"] <= 100


def test_ask_explain_says_why(capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "ask", "--explain", "はんこの登録")
    assert "理由" in out and "inkan-touroku" in out


def test_english_is_asked_and_explained_as_the_bot_answers_it(capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "ask", "--jsonl", stdin="I need a residence certificate\n")
    assert json.loads(out)["id"] == "juminhyo"
    _, out, _ = run(capsys, monkeypatch, "ask", "--explain", "I need a residence certificate")
    reasons = out.split("理由")[1]
    assert "juminhyo" in reasons and "語の重なり" in reasons  # the English words' evidence


def test_eval_prints_the_three_figures_and_misses(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "eval", str(DEV))
    assert code == 0
    for label in ("top-1 accuracy", "within first three", "off-topic rejected", "misses:"):
        assert label in out
    _, out, _ = run(capsys, monkeypatch, "eval", "--json", str(DEV))
    assert {"top1", "top3", "rejected", "misses", "per_category"} <= set(json.loads(out))


def test_the_catalogue_folder_is_given_by_root_or_nakabot_catalogue(capsys, monkeypatch, tmp_path):
    code, _, err = run(capsys, monkeypatch, "check", "--root", str(tmp_path))
    assert code == 1 and "procedures/city.yaml:1: (ファイル全体): ファイルがありません" in err
    monkeypatch.setenv("NAKABOT_CATALOGUE", str(tmp_path))
    code, _, err = run(capsys, monkeypatch, "ask", "住民票")
    assert code == 2 and "ファイルがありません" in err
    # --root, before or after the command, wins over the environment.
    repo = str(Path(__file__).resolve().parents[1])
    assert run(capsys, monkeypatch, "--root", repo, "ask", "住民票")[0] == 0
    assert run(capsys, monkeypatch, "richmenu", "check", "--root", repo)[0] == 0


def test_eval_scores_a_dialogue_set_turn_by_turn(capsys, monkeypatch):
    dialogues = Path(__file__).resolve().parent / "data" / "dialogues.jsonl"
    code, out, _ = run(capsys, monkeypatch, "eval", "--json", str(dialogues))
    report = json.loads(out)
    assert code == 0
    assert report["dialogues"] >= 40 and report["turns"] > 2 * report["dialogues"]
    assert report["turns_right"] >= 0.90  # issue 16 target
    _, out, _ = run(capsys, monkeypatch, "eval", str(dialogues))
    assert "turns right:" in out


def test_check_is_clean_and_todo_lists_the_gaps_as_facts_with_who_waits(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "check", "--todo")
    assert code == 0
    assert "OK:" in out
    hours = next(line for line in out.splitlines() if "honcho.hours" in line)
    assert hours.startswith("  procedures/facts/counters.yaml:")  # the file and line to fill
    assert re.search(r"honcho\.hours  \d+件の手続きが待っています$", hours)


def test_check_fails_with_file_line_field_on_a_broken_tree(capsys, monkeypatch, tmp_path):
    (tmp_path / "procedures").mkdir()
    (tmp_path / "intents").mkdir()
    code, _, err = run(capsys, monkeypatch, "--root", str(tmp_path), "check")
    assert code == 1
    assert "procedures/city.yaml:1: (ファイル全体): ファイルがありません" in err
