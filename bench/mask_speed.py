"""Benchmark: masking time grows linearly with the text, whatever the text (issue 14).

Run on demand (never in tests):  .venv/bin/python bench/mask_speed.py
For each kind of text, `mask` runs on 5,000 and on 10,000 characters in the same run and
the ratio of the two times is printed: about 2 is linear, about 4 quadratic. An ordinary
question repeated to the same length is the baseline. CPU time of this thread, best of
several rounds, so another process taking the CPU does not count.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.privacy import mask

# What a hostile (or careless) sender could paste: runs that a pattern starts on but
# never completes, and many short matches.
TEXTS: dict[str, str] = {
    "ordinary question (baseline)": "住民票の写しをコンビニで取りたいのですが、手数料はいくらですか。",
    "long-vowel marks ー": "ー",
    "ASCII letters": "a",
    "dots and letters a.": "a.",
    "@ only": "@",
    "a@ repeated": "a@",
    "kana@": "たろう@",
    "digits": "1",
    "digit-dash 1-": "1-",
    "digit-space 1 ": "1 ",
    "e-mails": "taro@example.jp ",
    "name cues 名前は": "名前は",
    "name cues と申します": "たろうと申します",
    "my name is": "my name is ",
    "Mr. A": "Mr. A",
    "postal codes": "3110192 ",
    "kanji digits": "一二三四五六七八九〇",
}


def cpu_seconds(work: Callable[[], object], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best


def main() -> None:
    print(f"{'text':32} {'5,000 chars':>12} {'10,000 chars':>13} {'ratio':>6}")
    for name, unit in TEXTS.items():
        short, long = ((unit * (n // len(unit) + 1))[:n] for n in (5000, 10000))
        first = cpu_seconds(lambda text=short: mask(text))
        second = cpu_seconds(lambda text=long: mask(text))
        print(f"{name:32} {first * 1000:10.2f}ms {second * 1000:11.2f}ms {second / max(first, 1e-9):6.2f}")


if __name__ == "__main__":
    main()
