"""The real development halves answered as they were on arrival, before anyone read them.

    .venv/bin/python bench/on_arrival.py            # Japanese halves
    .venv/bin/python bench/on_arrival.py --english  # English halves

The development halves are tuned on, so they cannot tell how a rule would do on questions
nobody has read; the blind halves can, but may not be looked into. This script answers each
development half with the code and catalogue of the commit that added it (checked out in a
temporary worktree), so each question is seen as the bot saw it before any word was chosen
from it; the labels are today's. Pooled, it shows how cards, clarifies and scores relate to
right and wrong answers on unread questions: the evidence for a rule about *when* to answer,
decided before the blind halves are run. Blind halves are never read. Halves added before
`nakabot ask --root` existed (2026-12-02) are skipped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
BANDS = ((0, 50), (50, 55), (55, 60), (60, 65), (65, 70), (70, 80), (80, 101))


def added_by(path: Path) -> str:
    log = subprocess.run(["git", "-C", str(ROOT), "log", "--diff-filter=A", "--format=%h", "--", str(path)],
                         capture_output=True, text=True, check=True).stdout.split()
    return log[-1]


def answers(tree: Path, cases: list[dict]) -> list[dict] | None:
    """`nakabot ask --jsonl` of `tree`'s code and catalogue, or None where it has no --root."""
    questions = "".join(" ".join(c["text"].split()) + "\n" for c in cases)  # one plain line each
    command = [sys.executable, "-m", "bot", "ask", "--jsonl", "--root", str(tree)]
    done = subprocess.run(command, input=questions, capture_output=True, text=True, cwd=tree, check=False,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return lines if len(lines) == len(cases) else None


def outcome(case: dict, answer: dict) -> str:
    expect, got = case["expect"] or [], answer.get("id")
    if answer["kind"] == "intent":
        got = f"intent:{got}"
    if answer["kind"] == "clarify":
        offered = answer.get("candidates") or []
        if not expect:
            return "off-topic, a card offered first" if offered and not offered[0].startswith("intent:") \
                else "off-topic, a topic offered first"
        if offered and offered[0] in expect:
            return "in scope, the first offered is right"
        return "in scope, another offered is right" if set(offered) & set(expect) else "in scope, none right"
    if not expect:
        return "off-topic, wrong card" if answer["kind"] == "procedure" else "off-topic, rejected"
    return "in scope, right" if got in expect else "in scope, not right"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def arrived(halves: list[Path]) -> list[tuple[Path, dict, dict]]:
    """Each question of `halves` with the answer of the commit that added its half (halves whose
    commit has no `ask --root` are left out, and said so)."""
    found = []
    with tempfile.TemporaryDirectory() as temporary:
        for half in halves:
            commit = added_by(half)
            tree = Path(temporary) / commit
            if not tree.exists():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
                               capture_output=True, check=True)
            cases = read(half)
            got = answers(tree, cases)
            if got is None:
                print(f"{half.name}: skipped ({commit} has no `ask --root`)")
                continue
            found += [(half, case, answer) for case, answer in zip(cases, got, strict=True)]
            print(f"{half.name}: {len(cases)} questions, by {commit}")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=True)  # the trees are gone
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--english", action="store_true")
    english = parser.parse_args().english
    halves = [p for p in sorted(DATA.glob("real-*-dev.jsonl")) if p.name.startswith("real-en-") == english]
    totals: Counter[str] = Counter()
    bands: dict[tuple[int, int], Counter[str]] = {band: Counter() for band in BANDS}
    clarifies: Counter[str] = Counter()
    for _, case, answer in arrived(halves):
        result = outcome(case, answer)
        totals["in scope" if case["expect"] else "off-topic"] += 1
        totals[result] += 1
        if answer["kind"] == "clarify":
            clarifies[result] += 1
        elif answer["kind"] == "procedure":
            band = next(b for b in BANDS if b[0] <= answer["score"] < b[1])
            bands[band][result] += 1
    inside, off = totals["in scope"], totals["off-topic"]
    right, wrong = totals["in scope, right"], totals["off-topic, wrong card"]
    print(f"\npooled: {inside} in scope, {off} off-topic; right {right} ({right / max(1, inside):.3f}),"
          f" wrong cards {wrong} ({wrong / max(1, off):.3f})")
    print("\ncards by score: right / another card (in scope) / wrong card (off-topic)")
    for (low, high), tally in bands.items():
        print(f"  {low:3}-{high:3}: {tally['in scope, right']:4} / {tally['in scope, not right']:3}"
              f" / {tally['off-topic, wrong card']:3}")
    print("\nclarifies:")
    for name, count in sorted(clarifies.items()):
        print(f"  {name}: {count}")


if __name__ == "__main__":
    main()
