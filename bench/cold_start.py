"""Cold start: a fresh interpreter importing the bot and loading the catalogue (target ≤ 1 s).

Run on demand (never in the tests), from the repository root:

    .venv/bin/python bench/cold_start.py [--runs 7]

Each run is a new process (nothing cached in memory; the OS file cache is warm after
the first, as it is on a server that restarts). It reports, per phase, the median:
- import: `import bot.web` (Flask, line-bot-sdk, SudachiPy and the bot's modules);
- catalogue: content.load() + Conversation (validate the YAML, build the matcher index);
- first answer: the first question matched (SudachiPy's dictionary pages in);
- app: create_app() as gunicorn --preload calls it (catalogue holder, store, clients);
- process: the whole `python -c` from exec to exit, interpreter start included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, os, time
t0 = time.perf_counter()
import bot.web
t1 = time.perf_counter()
from bot import content
from bot.conversation import Conversation, Incoming
conversation = Conversation(content.load())
t2 = time.perf_counter()
conversation.respond(Incoming("text", "住民票がほしい"))
t3 = time.perf_counter()
from bot.config import Settings
bot.web.create_app(Settings(channel_secret="s", access_token="t", api_base_url="http://127.0.0.1:9"))
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "catalogue": t2 - t1, "first answer": t3 - t2, "app": t4 - t3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/cold.sqlite3", "PATH": "/usr/bin:/bin"}
        for _ in range(args.runs):
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout
            process = time.perf_counter() - started
            rows.append({**json.loads(out.strip().splitlines()[-1]), "process": process})
    for key in rows[0]:
        values = sorted(r[key] for r in rows)
        median = statistics.median(values)
        print(f"{key:<13} median {median:.3f} s  (min {values[0]:.3f}, max {values[-1]:.3f})")
    cold = statistics.median(r["import"] + r["catalogue"] for r in rows)
    print(f"import + catalogue load: median {cold:.3f} s over {args.runs} runs (target ≤ 1 s)")


if __name__ == "__main__":
    main()
