"""A fresh worker's start and memory, this checkout beside another revision, in one run.

Run on demand (never in the tests), from the repository root, with the other revision
checked out in its own folder:

    git worktree add --detach /tmp/before <rev>
    .venv/bin/python bench/worker_versus.py /tmp/before [--runs 5]

This virtualenv runs both (as bench/match_versus.py): PYTHONPATH puts each folder's `bot`
first, so no install is needed there.

Runs alternate (before, now, before, now ...) so that a machine that slows down slows
both; medians are reported, and the ratios now/before. Each run is a new interpreter:
ready = import the web app + load and index the catalogue; first answer = one question;
memory after 200 more questions: RSS, and its anonymous part (heap; SudachiPy's
dictionary is a file mapping, shared between workers).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
WORKER = r'''
import json, time
t0 = time.perf_counter()
import bot.web
from bot import content
from bot.conversation import Conversation, Incoming
conversation = Conversation(content.load())
t1 = time.perf_counter()
conversation.respond(Incoming("text", "住民票がほしい"))
t2 = time.perf_counter()
questions = ["マイナンバーカードをなくした", "児童手当の現況届", "介護認定の申請をしたい",
             "罹災証明書がほしい"]
for q in questions * 50:
    conversation.respond(Incoming("text", q))
status = open("/proc/self/status").read()
def mib(field):
    return int(status.split(field + ":")[1].split()[0]) / 1024
print(json.dumps({"ready_s": t1 - t0, "first_answer_ms": (t2 - t1) * 1000,
                  "rss_mib": mib("VmRSS"), "anon_mib": mib("RssAnon")}))
'''


def run(tree: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", WORKER], cwd=tree, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the other revision's folder, installed")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "now": HERE}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, tree in trees.items():
            runs[name].append(run(tree))
    medians = {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
               for name, rs in runs.items()}
    print(f"{'':8} {'ready s':>8} {'1st answer ms':>14} {'RSS MiB':>8} {'anon MiB':>9}")
    for name, m in medians.items():
        print(f"{name:8} {m['ready_s']:8.2f} {m['first_answer_ms']:14.1f} {m['rss_mib']:8.1f}"
              f" {m['anon_mib']:9.1f}")
    before, now = medians["before"], medians["now"]
    print("now/before:", {key: round(now[key] / before[key], 2) for key in before})


if __name__ == "__main__":
    main()
