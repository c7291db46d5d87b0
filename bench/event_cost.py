"""Where a webhook event's CPU goes: the bot's stages beside line-bot-sdk's echo, in one process.

Run on demand (never in the tests), from the repository root:

    .venv/bin/python bench/event_cost.py [--events 400] [--rounds 5]

bench/load.py says how fast the bot is under gunicorn; this says why. Both apps (the
bot, and bench/echo_app.py with one shared ApiClient) run in this process behind
Flask's test client, one request at a time, replying to the fake Messaging API of
bench/load.py in a process of its own. Every event is a fresh signed body (unique
event id, reply token, a dev question), and the next one is sent only when its reply
has gone. Reported, as medians over rounds that alternate the apps:

- CPU per event (this process, all threads: time.process_time) of the echo, of the bot,
  and of the bot with one stage taken out (the matcher answering one fixed Answer, no
  store, no background reply thread), so each stage's cost is a difference measured
  side by side, on the same machine and in the same minute;
- CPU per event inside each stage of the bot (time.thread_time in the thread running it).

gunicorn's own per-request work (HTTP parsing, sockets, the access log) is the same for
both apps and is not here (its measured share is in docs/performance.md).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from load import QUESTIONS, SECRET, TOKEN, Load, _free_port, fake_api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400, help="events per app per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    api_port = _free_port()
    ready = multiprocessing.get_context("spawn").Event()
    multiprocessing.get_context("spawn").Process(target=fake_api, args=(api_port, ready), daemon=True).start()
    ready.wait()
    os.environ.update(LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
                      LINE_API_BASE_URL=f"http://127.0.0.1:{api_port}",
                      DATABASE_URL=f"sqlite:///{tempfile.mkdtemp()}/bench.db",
                      NAKABOT_PSEUDONYM_SECRET="bench-" * 6, NAKABOT_ECHO_SHARED_CLIENT="1")
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["text"] for line in lines if line]

    import echo_app

    from bot import content
    from bot.config import Settings
    from bot.conversation import Conversation
    from bot.web import create_app, events_of

    with contextlib.redirect_stdout(io.StringIO()):  # the bot's JSON log lines
        # A fixed catalogue: a hot reload in the middle would swap the matcher being measured.
        bot = create_app(Settings.from_env(), Conversation(content.load()))
        echo = echo_app.create_app()
    state = events_of(bot)  # the EventHandler
    load = Load(questions)

    def run(app: Any) -> float:
        client = app.test_client()
        bodies = [load.body("cost") for _ in range(args.events)]
        with contextlib.redirect_stdout(io.StringIO()):
            started = time.process_time()
            for body, signature in bodies:
                response = client.post("/callback", data=body, headers={
                    "X-Line-Signature": signature, "Content-Type": "application/json"})
                assert response.status_code == 200, response.status_code
                state.wait()
            return (time.process_time() - started) / args.events * 1000

    matcher = state.conversation.matcher
    fixed = matcher.match("住民票がほしい")

    def inline(work: Any, event_id: str, kind: str) -> None:  # answer in the request's thread
        state.handle(work, event_id, kind, time.perf_counter())

    variants: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
        "echo": contextlib.nullcontext,
        "bot": contextlib.nullcontext,
        "bot, fixed answer": lambda: _patched(matcher, "match", lambda text: fixed),
        "bot, no store": lambda: _patched(state, "store", None),
        "bot, no reply thread": lambda: _patched(state, "dispatch", inline),
    }
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, variant in variants.items():
            with variant():
                cpu[name].append(run(echo if name == "echo" else bot))

    stages: collections.Counter[str] = collections.Counter()
    with contextlib.ExitStack() as stack:
        for owner, name, label in [(matcher, "match", "match"), (state.client, "reply", "reply (SDK send)"),
                                   (state, "claim", "dedupe claim (store)"),
                                   (state, "remember", "counts and review (store)"),
                                   (state.conversation, "respond", "respond (match + messages)")]:
            stack.enter_context(_timed(owner, name, label, stages))
        run(bot)

    echo_ms, bot_ms = statistics.median(cpu["echo"]), statistics.median(cpu["bot"])
    print(f"CPU per event, median of {args.rounds} rounds x {args.events} events (ms):")
    for name, values in cpu.items():
        ms = statistics.median(values)
        note = "" if name in ("echo", "bot") else f"   stage cost {bot_ms - ms:+.3f}"
        print(f"  {name:22s} {ms:6.3f}   echo/this {echo_ms / ms:4.2f}{note}")
    print("inside the bot, per event (ms, CPU of the thread running it):")
    for name, seconds in stages.most_common():
        print(f"  {name:26s} {seconds / args.events * 1000:6.3f}")


@contextlib.contextmanager
def _patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


@contextlib.contextmanager
def _timed(owner: Any, name: str, label: str, totals: collections.Counter[str]) -> Iterator[None]:
    inner = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            totals[label] += time.thread_time() - started

    with _patched(owner, name, timed):
        yield


if __name__ == "__main__":
    main()
