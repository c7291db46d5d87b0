"""Benchmark: grouping the unanswered questions for /admin and `nakabot report` (issue 14).

Run on demand (never in tests):  .venv/bin/python bench/admin_grouping.py [SIZES...]
Any LINE friend can send distinct texts, each one a new wording to group. This groups
N distinct random questions (plus a few real groups repeated) for each size given,
in one run, and prints the CPU time and the ratio to the first size: linear growth
keeps the ratio near the ratio of sizes, quadratic near its square.
"""

from __future__ import annotations

import random
import sys
import time

from bot import report
from bot.store import Unanswered

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
REAL = ("ソダイゴミノダシカタ", "ジュウミンヒョウガホシイ", "マイナンバカドノコウシン")


def rows(count: int, seed: int = 1) -> list[Unanswered]:
    chance = random.Random(seed)
    out = []
    for n in range(count):
        if n % 10 == 0:  # a tenth are real questions asked again and again
            form = REAL[n % len(REAL)]
        else:
            form = "".join(chance.choice(KANA) for _ in range(chance.randint(8, 30)))
        out.append(Unanswered(n + 1, f"2026-11-{1 + n % 28:02d}T01:00:00.000000Z", "line", form, form, (),
                              "fallback", None, 10.0, f"k{n % 500}", "new", None))
    return out


def main(sizes: list[int]) -> None:
    first = None
    print(f"{'questions':>10} {'groups':>7} {'CPU s':>8} {'ratio':>6}")
    for size in sizes:
        data = rows(size)
        started = time.process_time()
        groups = report.group(data)
        spent = time.process_time() - started
        first = first or spent
        print(f"{size:>10} {len(groups):>7} {spent:8.2f} {spent / first:6.1f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2500, 5000, 10000, 20000])
