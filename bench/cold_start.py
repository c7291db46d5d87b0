"""Cold start: a fresh interpreter until it can answer a webhook, beside line-bot-sdk's echo.

Run on demand (never in the tests), from the repository root:

    .venv/bin/python bench/cold_start.py [--runs 7]

Each run is a new process (nothing cached in memory; the OS file cache is warm after
the first, as it is on a server that restarts). Runs of the bot and of the echo
(bench/echo_app.py: Flask and line-bot-sdk v3 only, the floor every such bot pays)
alternate, so a machine that slows down slows both. Reported, as medians:

- import: `import bot.web` (Flask, line-bot-sdk's webhook parser, SudachiPy, the bot),
  after bot/gunicorn_conf.py as gunicorn does it (the garbage collector off until ready);
- sdk messaging: `import linebot.v3.messaging`, which create_app needs for the reply
  client (line-bot-sdk's ~200 Messaging API model modules);
- catalogue: content.load() + Conversation (validate the YAML, build the matcher index);
- app: create_app() with credentials as gunicorn --preload calls it (store, clients);
- ready: all four, from the first import to an app that can answer; for the echo,
  `import echo_app` + create_app();
- process: the whole `python -c`, interpreter start and exit included;
- first answer: the first question matched (SudachiPy's dictionary pages in).

The bot's own cost is its `ready` minus the echo's.
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
BOT = r"""
import json, time
t0 = time.perf_counter()
import bot.gunicorn_conf  # first, as gunicorn imports its --config before the app
import bot.web
t1 = time.perf_counter()
import linebot.v3.messaging
t2 = time.perf_counter()
from bot import content
from bot.conversation import Conversation, Incoming
conversation = Conversation(content.load())
t3 = time.perf_counter()
from bot.config import Settings
bot.web.create_app(Settings(channel_secret="s", access_token="t", api_base_url="http://127.0.0.1:9"),
                   conversation)
bot.gunicorn_conf.when_ready(None)
t4 = time.perf_counter()
conversation.respond(Incoming("text", "住民票がほしい"))
t5 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "sdk messaging": t2 - t1, "catalogue": t3 - t2, "app": t4 - t3,
                  "ready": t4 - t0, "first answer": t5 - t4}))
"""
ECHO = r"""
import json, os, sys, time
sys.path.insert(0, "bench")
os.environ.update(LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t")
t0 = time.perf_counter()
import echo_app
echo_app.create_app()
print(json.dumps({"ready": time.perf_counter() - t0}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows: dict[str, list[dict[str, float]]] = {"bot": [], "echo": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/cold.sqlite3", "PATH": "/usr/bin:/bin"}
        for _ in range(args.runs):
            for name, child in (("bot", BOT), ("echo", ECHO)):
                started = time.perf_counter()
                out = subprocess.run([sys.executable, "-c", child], cwd=ROOT, env=env, check=True,
                                     capture_output=True, text=True).stdout
                process = time.perf_counter() - started
                rows[name].append({**json.loads(out.strip().splitlines()[-1]), "process": process})
    for name, runs in rows.items():
        print(f"{name}:")
        for key in runs[0]:
            values = sorted(r[key] for r in runs)
            print(f"  {key:<14} median {statistics.median(values):.3f} s  (min {values[0]:.3f}, "
                  f"max {values[-1]:.3f})")
    bot, echo = (statistics.median(r["ready"] for r in rows[name]) for name in ("bot", "echo"))
    print(f"ready to answer, median of {args.runs}: bot {bot:.3f} s, echo {echo:.3f} s "
          f"(target ≤ 1 s); the bot's own part {bot - echo:.3f} s")


if __name__ == "__main__":
    main()
