"""Benchmark: index build and match latency, on this catalogue and on one 20x larger.

Run on demand (never in tests):  .venv/bin/python bench/match_speed.py [questions.jsonl]
Both catalogues are measured in the same run, side by side, so the ratio is meaningful
on a shared, noisy machine. Latency is reported twice: wall clock (what a resident
waits, including any moment another process had the CPU) and the CPU time of the
matching thread (what the matcher itself costs; steady from run to run).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot import content
from bot.catalogue import Catalogue
from bot.matcher import Matcher

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev.jsonl"
# A long story, as some residents write: the slowest kind of question.
LONG_QUESTION = ("母が先週転んでしまって、退院したあと家で介護が必要になりそうなのですが、"
                 "何から手続きをすればいいのか全然わからなくて困っています。" * 3)


def enlarged(catalogue: Catalogue, factor: int) -> Catalogue:
    """A synthetic catalogue: each procedure copied `factor` times with distinct ids and words."""
    procedures = []
    for copy in range(factor):
        for p in catalogue.procedures:
            tag = "" if copy == 0 else f"第{copy}号"
            procedures.append(replace(
                p, id=p.id if copy == 0 else f"{p.id}-{copy}", related=(),
                title=p.title + tag, label=(p.label + tag)[:20],
                keywords=tuple(k + tag for k in p.keywords),
                examples=tuple(e + tag for e in p.examples),
            ))
    return replace(catalogue, procedures=tuple(procedures))


def measure(catalogue: Catalogue, questions: list[str], rounds: int = 5) -> dict[str, float]:
    builds = []
    for _ in range(rounds):
        started = time.perf_counter()
        matcher = Matcher(catalogue)
        builds.append(time.perf_counter() - started)
    for question in questions[:20]:  # warm caches (Sudachi, regex) before timing
        matcher.match(question)
    wall, cpu = [], []
    for _ in range(rounds):
        for question in questions:
            started, started_cpu = time.perf_counter(), time.thread_time()
            matcher.match(question)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    wall.sort()
    cpu.sort()
    return {
        "entries": len(matcher.entries),
        "build_s": round(statistics.median(builds), 3),
        "match_p50_ms": round(wall[len(wall) // 2], 3),
        "match_p99_ms": round(wall[int(len(wall) * 0.99) - 1], 3),
        "match_cpu_p50_ms": round(cpu[len(cpu) // 2], 3),
        "match_cpu_p99_ms": round(cpu[int(len(cpu) * 0.99) - 1], 3),
        "matches": len(wall),
    }


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_QUESTIONS
    questions = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    questions += [LONG_QUESTION]
    catalogue = content.load()
    base = measure(catalogue, questions)
    large = measure(enlarged(catalogue, 20), questions)
    print(json.dumps({"catalogue": base, "catalogue_x20": large,
                      "p99_ratio_x20": round(large["match_p99_ms"] / base["match_p99_ms"], 2)}, indent=1))


if __name__ == "__main__":
    main()
