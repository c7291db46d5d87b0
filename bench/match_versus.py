"""The matcher's latency before and after a change, side by side in one run.

Run on demand (never in tests), from the repository root, with the other revision checked
out in its own folder (this virtualenv runs both; no install needed there):

    git worktree add --detach /tmp/before <rev>
    .venv/bin/python bench/match_versus.py /tmp/before [--runs 3] [--rounds 5]

The questions are those of bench/match_speed.py (tests/data/dev.jsonl and one long
story). Each side is a worker process holding its own Matcher over its own catalogue;
they take turns, one round of every question each, so a machine that slows down slows
both. Per run: p50 and p99 of the matcher's CPU time (thread time) and of wall clock over
all rounds, the index build time, and the ratios after/before.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "bench"))
from match_speed import DEFAULT_QUESTIONS, LONG_QUESTION  # noqa: E402

WORKER = r'''
import json, sys, time
from bot import content
from bot.matcher import Matcher
catalogue = content.load()
questions = json.loads(sys.stdin.readline())
builds = []
for _ in range(3):
    started = time.perf_counter()
    matcher = Matcher(catalogue)
    builds.append(time.perf_counter() - started)
for question in questions:  # warm caches (Sudachi, regex) before timing
    matcher.match(question)
print(json.dumps({"build_s": sorted(builds)[1]}), flush=True)
for line in sys.stdin:
    cpu, wall = [], []
    for question in questions:
        started, started_cpu = time.perf_counter(), time.thread_time()
        matcher.match(question)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"cpu": cpu, "wall": wall}), flush=True)
'''


class Worker:
    def __init__(self, tree: Path, questions: list[str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", WORKER], cwd=tree, text=True,
                                        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.ask(json.dumps(questions))
        self.build_s = float(self.read()["build_s"])
        self.cpu: list[float] = []
        self.wall: list[float] = []

    def ask(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self) -> dict[str, object]:
        assert self.process.stdout is not None
        return dict(json.loads(self.process.stdout.readline()))

    def round(self) -> None:
        self.ask("round")
        timings = self.read()
        self.cpu += timings["cpu"]  # type: ignore[arg-type]
        self.wall += timings["wall"]  # type: ignore[arg-type]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def p50(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the other revision's folder")
    parser.add_argument("questions", type=Path, nargs="?", default=DEFAULT_QUESTIONS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["text"] for line in lines if line] + [LONG_QUESTION]
    print(f"{len(questions)} questions x {args.rounds} rounds per side and run, turns alternating")
    columns = ("cpu p50", "cpu p99", "wall p50", "wall p99", "build s")
    print(f"{'run':4} {'side':7}" + "".join(f"{c:>10}" for c in columns))
    for run in range(1, args.runs + 1):
        sides = {"before": Worker(args.before.resolve(), questions), "after": Worker(HERE, questions)}
        for _ in range(args.rounds):
            for worker in sides.values():
                worker.round()
        figures = {}
        for name, worker in sides.items():
            worker.close()
            cpu, wall = worker.cpu, worker.wall
            figures[name] = [p50(cpu), p99(cpu), p50(wall), p99(wall), worker.build_s]
            print(f"{run:<4} {name:7}" + "".join(f"{v:10.3f}" for v in figures[name]))
        ratios = [a / b for a, b in zip(figures["after"], figures["before"], strict=True)]
        print(f"{run:<4} {'ratio':7}" + "".join(f"{v:10.2f}" for v in ratios), flush=True)
    print("(ms; ratio = after / before; p50 and p99 as in bench/match_speed.py)")


if __name__ == "__main__":
    main()
