"""The matcher's latency before and after a change, side by side in one run.

Run on demand (never in tests), from the repository root, with the other revision checked
out in its own folder (this virtualenv runs both; no install needed there):

    git worktree add --detach /tmp/before <rev>
    .venv/bin/python bench/match_versus.py /tmp/before [--runs 3] [--rounds 5]

The questions are those of bench/match_speed.py (tests/data/dev.jsonl and one long
story). Each side is a worker process holding its own Matcher over its own catalogue;
they take turns round by round, so a machine that slows down slows both. Per run:
p50 and p99 of the matcher's CPU time (thread time) and of wall clock over all matches
(as bench/match_speed.py), the same of each question's best CPU time over the rounds (what
the question costs, with less of the other processes' interference), the index build
time, and the ratios after/before.
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
for line in sys.stdin:  # the number of one question: match it, say how long it took
    question = questions[int(line)]
    started, started_cpu = time.perf_counter(), time.thread_time()
    matcher.match(question)
    cpu = (time.thread_time() - started_cpu) * 1000
    print(cpu, (time.perf_counter() - started) * 1000, flush=True)
'''


class Worker:
    def __init__(self, tree: Path, questions: list[str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", WORKER], cwd=tree, text=True,
                                        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.ask(json.dumps(questions))
        self.build_s = float(json.loads(self.read())["build_s"])
        self.cpu: list[list[float]] = [[] for _ in questions]  # per question, one per round
        self.wall: list[list[float]] = [[] for _ in questions]

    def ask(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def time(self, question: int) -> None:
        self.ask(str(question))
        cpu, wall = map(float, self.read().split())
        self.cpu[question].append(cpu)
        self.wall[question].append(wall)

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
    columns = ("cpu p50", "cpu p99", "wall p50", "wall p99", "best p50", "best p99", "build s")
    print(f"{'run':4} {'side':7}" + "".join(f"{c:>10}" for c in columns))
    for run in range(1, args.runs + 1):
        sides = [Worker(args.before.resolve(), questions), Worker(HERE, questions)]
        for round_ in range(args.rounds):
            # A round of every question each, taking turns (and turns about who goes first):
            # question by question, each would find the caches full of the other's data.
            for worker in sides[::-1] if round_ % 2 else sides:
                for question in range(len(questions)):
                    worker.time(question)
        figures = {}
        for name, worker in zip(("before", "after"), sides, strict=True):
            worker.close()
            cpu = [t for times in worker.cpu for t in times]
            wall = [t for times in worker.wall for t in times]
            best = [min(times) for times in worker.cpu]
            figures[name] = [p50(cpu), p99(cpu), p50(wall), p99(wall), p50(best), p99(best), worker.build_s]
            print(f"{run:<4} {name:7}" + "".join(f"{v:10.3f}" for v in figures[name]))
        ratios = [a / b for a, b in zip(figures["after"], figures["before"], strict=True)]
        print(f"{run:<4} {'ratio':7}" + "".join(f"{v:10.2f}" for v in ratios), flush=True)
    print("(ms; ratio = after / before; cpu and wall: over every match, as bench/match_speed.py;"
          " best: each question's least CPU time over the rounds, then over the questions)")


if __name__ == "__main__":
    main()
