"""Matching before and after a change, on every question set, side by side in one run.

    .venv/bin/python bench/eval_versus.py BASE            # BASE: a commit, e.g. main~3
    .venv/bin/python bench/eval_versus.py BASE --markdown # the table for docs/matching.md
    .venv/bin/python bench/eval_versus.py BASE --sets tests/data/dev.jsonl ...

"before" is BASE's code and catalogue (checked out in a temporary worktree), "after" is
this checkout; both are measured on this checkout's question sets with this virtualenv,
so a set added after BASE is measured on both. Only totals are printed: the blind sets'
misses must not be read while tuning, so this script never shows any miss. The real
questions are also pooled (Japanese / English, dev / blind) as counts before → after, with
the after share and its 95 % interval.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = (("top1", "top-1"), ("top3", "first three"), ("rejected", "off-topic rejected"),
           ("wrong_card", "off-topic wrong card"), ("english_top1", "English top-1"))


def measure(tree: Path, question_set: Path) -> dict:
    """`nakabot eval --json` of `tree`'s code and catalogue on one set (misses dropped)."""
    command = [sys.executable, "-m", "bot", "eval", "--json", "--root", str(tree), str(question_set)]
    done = subprocess.run(command, cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=False)
    if not done.stdout.strip():
        raise SystemExit(f"{tree}: eval failed on {question_set.name}: {done.stderr.strip()[-500:]}")
    report = json.loads(done.stdout)
    report.pop("misses", None)
    return report


def row(name: str, before: dict, after: dict) -> list[str]:
    if "turns" in after:  # a dialogue set
        return [name, f"{after['dialogues']} dialogues, {after['turns']} turns",
                f"turns right {before['turns_right']:.3f} → {after['turns_right']:.3f}", "", "", "", ""]
    cells = [name, f"{after['in_scope']} / {after['off_topic']}"]
    for key, _ in COLUMNS:
        if key == "english_top1" and not after["english_in_scope"]:
            cells.append("—")
        else:
            cells.append(f"{before[key]:.3f} → {after[key]:.3f}")
    return cells


# Real questions, pooled: each set is small (13-140 in scope), so a set's figure moves by
# several points with one question; the pools say more, with a 95 % interval (Wilson).
# The Japanese blind halves also in two parts, A and B, fixed by each set's name: a change chosen
# on blind figures is kept only if it gains on both (docs/matching.md, tenth and thirteenth rounds).
Pool = tuple[str, str, str, str | None]  # label, name prefix, name suffix, blind part (A / B)
POOLS: tuple[Pool, ...] = (("real Japanese, dev", "real-", "-dev", None),
                           ("real English, dev", "real-en-", "-dev", None),
                           ("real Japanese, blind", "real-", "-blind", None),
                           ("real English, blind", "real-en-", "-blind", None),
                           ("real Japanese, blind A", "real-", "-blind", "A"),
                           ("real Japanese, blind B", "real-", "-blind", "B"))


def blind_part(name: str) -> str:
    """A or B: the part of the blind halves a set belongs to (by the first byte of its name's sha256)."""
    return "AB"[hashlib.sha256(name.encode("utf-8")).digest()[0] % 2]


def pooled(label: str, prefix: str, suffix: str, part: str | None,
           reports: dict[str, tuple[dict, dict]]) -> list[str] | None:
    chosen = {name: pair for name, pair in reports.items()
              if name.startswith(prefix) and name.endswith(suffix) and "turns" not in pair[1]
              and (prefix == "real-en-" or not name.startswith("real-en-"))
              and (part is None or blind_part(name) == part)}
    if not chosen:
        return None

    def counts(side: int, key: str, whole: str) -> tuple[int, int]:
        n = sum(pair[side][whole] for pair in chosen.values())
        return sum(round(pair[side][key] * pair[side][whole]) for pair in chosen.values()), n

    cells = [f"pooled: {label} ({len(chosen)} sets)",
             f"{counts(1, 'top1', 'in_scope')[1]} / {counts(1, 'wrong_card', 'off_topic')[1]}"]
    for key, _ in COLUMNS:
        whole = {"rejected": "off_topic", "wrong_card": "off_topic",
                 "english_top1": "english_in_scope"}.get(key, "in_scope")
        (b, n_before), (a, n) = counts(0, key, whole), counts(1, key, whole)
        if not n:
            cells.append("—")
            continue
        low, high = wilson(a, n)
        cells.append(f"{b}/{n_before} → {a}/{n} ({a / n:.3f}, {low:.2f}–{high:.2f})")
    return cells


def wilson(part: int, whole: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % interval of a share of `whole` (Wilson score interval)."""
    share = part / whole
    centre = (share + z * z / (2 * whole)) / (1 + z * z / whole)
    margin = z * (share * (1 - share) / whole + z * z / (4 * whole * whole)) ** 0.5 / (1 + z * z / whole)
    return max(0.0, centre - margin), min(1.0, centre + margin)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the commit measured as 'before'")
    parser.add_argument("--sets", nargs="*", type=Path,
                        help="question sets (default: every tests/data/*.jsonl)")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()
    sets = args.sets or sorted((ROOT / "tests" / "data").glob("*.jsonl"))
    # The blind sets last: they are the ones to read once, at the end.
    sets = sorted(sets, key=lambda s: ("blind" in s.name, s.name))
    header = ["set", "n (in / off)", *(label for _, label in COLUMNS)]
    rows = []
    reports: dict[str, tuple[dict, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
                       check=True, capture_output=True)
        try:
            for question_set in sets:
                if question_set.name == "required.yaml":
                    continue
                pair = measure(base, question_set.resolve()), measure(ROOT, question_set.resolve())
                reports[question_set.stem] = pair
                rows.append(row(question_set.stem, *pair))
                if not args.markdown:
                    print("  ".join(rows[-1]), flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    for pool in POOLS:
        cells = pooled(*pool, reports)
        if cells:
            rows.append(cells)
            if not args.markdown:
                print("  ".join(cells), flush=True)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for cells in rows:
            print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
