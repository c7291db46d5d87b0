"""Load benchmark: the bot under gunicorn as the Procfile runs it, against line-bot-sdk's echo.

Run on demand (never in the tests), from the repository root:

    .venv/bin/python bench/load.py                  # rates 50/100/200/400 ev/s, 10 s each, + saturation
    .venv/bin/python bench/load.py --duration 20 --rates 100,200,400
    .venv/bin/python bench/load.py --long           # 100,000 events at 200 ev/s: is memory flat?
    .venv/bin/python bench/load.py --json out.json  # the figures as JSON too

What runs, all on 127.0.0.1:
- a fake Messaging API (bench process of its own, asyncio, keep-alive) that only counts
  the replies it gets and, from the reply token, when their webhook was sent;
- the bot: the Procfile's `web:` command verbatim (gunicorn, its workers, threads and
  timeouts), with LINE_API_BASE_URL pointing at the fake and an SQLite store in a temp dir;
- the baseline: the same command with the app swapped for bench/echo_app.py, the SDK's
  flask-echo made to work under v3 (parse, reply with the same text), and the same
  echo with one shared ApiClient per process (keep-alive, as our bot has);
- a load generator (this process, asyncio + aiohttp): fresh, signed webhook bodies, one
  text event each, a unique webhookEventId and reply token per event, questions from
  tests/data/dev.jsonl, sent open-loop at fixed rates (latency counted from when a
  request was due, so a stall is not hidden), then closed-loop (CONCURRENCY at once) to
  find the most each server can do.

Reported per phase: offered rate, webhooks sent, HTTP errors, webhook latency p50/p99
(what LINE waits for), replies the fake API received and their delay from the webhook
(what the resident waits for), and memory per gunicorn worker: RSS (current and peak)
and its anonymous part. Most of a worker's RSS is file pages mapped read-only and
shared (SudachiPy's dictionary is a ~200 MB mmap): it grows as questions touch more
of the dictionary and the kernel may drop it at will. A leak grows the anonymous
part (the Python heap), so that is what --long judges. The
throughput ratio compares replies per second at saturation: a server is as fast as the
replies it gets out, so replies are counted on both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "dev.jsonl"
SECRET = "bench-channel-secret"
TOKEN = "bench-access-token"
BOT_ID = "U" + "0" * 32
CONCURRENCY = 32
GUNICORN_EXTRA = ""  # --gunicorn-extra: options added after the Procfile's own


# --- the fake Messaging API ----------------------------------------------------------
def fake_api(port: int, ready: Any, latency: float = 0.0) -> None:
    """Answer every reply with 200 after `latency` seconds (LINE's own time to answer; the
    reply counts as arrived when it is received); GET /_stats gives what arrived, per phase."""
    stats: dict[str, dict[str, Any]] = {}
    token = re.compile(rb'"replyToken":\s*"b-([a-z0-9.]+)-(\d+)-(\d+)"')
    ok = b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}'

    def respond(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
        writer.write(b"HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"X-Line-Request-Id: fake\r\n\r\n%s" % (status, len(body), body))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                path = request_line.split(b" ")[1]
                length, close = 0, False
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection" and value.strip().lower() == b"close":
                        close = True
                body = await reader.readexactly(length) if length else b""
                if path == b"/v2/bot/message/reply":
                    now = time.time_ns()
                    found = token.search(body)
                    if found:
                        phase = found.group(1).decode()
                        entry = stats.setdefault(phase, {"replies": 0, "delays": [], "last": now})
                        entry["replies"] += 1
                        entry["delays"].append((now - int(found.group(3))) / 1e6)
                        entry["last"] = now
                    if latency:
                        await asyncio.sleep(latency)
                    respond(writer, 200, ok)
                elif path.startswith(b"/_stats?phase="):  # one phase: the delays lists grow long
                    phase = path.split(b"=", 1)[1].decode()
                    respond(writer, 200, json.dumps(stats.get(phase, {"replies": 0, "delays": []})).encode())
                else:
                    respond(writer, 404, b'{"message":"Not found"}')
                await writer.drain()
                if close:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- gunicorn as the Procfile runs it ------------------------------------------------
def procfile_command(app: str | None = None) -> list[str]:
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    argv = shlex.split(line.removeprefix("web:").strip())
    if app is not None:  # the same gunicorn settings, another WSGI app
        argv[-1] = app
    return argv


class Server:
    def __init__(self, name: str, app: str | None, port: int, api_port: int, tmp: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        self.name, self.port = name, port
        argv = [a.replace("$PORT", str(port)) for a in procfile_command(app)]
        argv[-1:-1] = shlex.split(GUNICORN_EXTRA)  # after the Procfile's options: these win
        argv[0] = str(Path(sys.executable).with_name(argv[0]))  # the venv's gunicorn
        env = {**os.environ, "PORT": str(port), "LINE_CHANNEL_SECRET": SECRET,
               "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE_URL": f"http://127.0.0.1:{api_port}",
               "DATABASE_URL": f"sqlite:///{tmp}/{name}.sqlite3",
               "NAKABOT_PSEUDONYM_SECRET": "bench-pseudonym-secret", **(extra_env or {})}
        self.log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115  (the log drain)
        started = time.perf_counter()
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        _wait_for_port(port, self.process)
        self.start_s = time.perf_counter() - started

    def workers(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its workers."""
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / os.sysconf("SC_CLK_TCK")

    def memory(self) -> list[dict[str, float]]:
        """RSS, peak RSS (VmHWM) and anonymous RSS (the heap: what a leak grows) of each worker, MiB."""
        result = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            values = dict(re.findall(r"^(VmRSS|VmHWM|RssAnon):\s+(\d+) kB", status, re.M))
            result.append({"pid": pid, "rss_mib": round(int(values["VmRSS"]) / 1024, 1),
                           "peak_mib": round(int(values["VmHWM"]) / 1024, 1),
                           "anon_mib": round(int(values["RssAnon"]) / 1024, 1)})
        return result

    def log_errors(self) -> dict[str, int]:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return {kind: text.count(f'"event": "{kind}"')
                for kind in ("reply_failed", "event_failed", "store_failed", "event_unreadable")
                if f'"event": "{kind}"' in text} | ({"traceback": text.count("Traceback")}
                                                     if "Traceback" in text else {})

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {timeout} s")


# --- the load ------------------------------------------------------------------------
class Load:
    def __init__(self, questions: list[str]) -> None:
        self.questions = questions
        self.sequence = 0

    def body(self, phase: str) -> tuple[bytes, str]:
        self.sequence += 1
        n = self.sequence
        now_ns = time.time_ns()
        event = {
            "type": "message", "mode": "active", "timestamp": now_ns // 1_000_000,
            "source": {"type": "user", "userId": f"U{n % 997:032x}"},
            "webhookEventId": f"01BENCH{os.getpid():06d}{n:013d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": f"b-{phase}-{n}-{now_ns}",
            "message": {"id": str(n), "type": "text", "quoteToken": f"q{n}",
                        "text": self.questions[n % len(self.questions)]},
        }
        body = json.dumps({"destination": BOT_ID, "events": [event]}, ensure_ascii=False).encode()
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        return body, signature


async def _post(session: Any, url: str, body: bytes, signature: str) -> int:
    async with session.post(url, data=body, headers={"X-Line-Signature": signature,
                                                     "Content-Type": "application/json"}) as response:
        await response.read()
        return response.status


async def open_loop(url: str, load: Load, phase: str, rate: float, duration: float) -> dict[str, Any]:
    import aiohttp

    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def one(due: float) -> None:
        body, signature = load.body(phase)
        try:
            status = str(await _post(session, url, body, signature))
        except Exception as error:  # counted, never fatal
            status = type(error).__name__
        latencies.append((loop.time() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        start = loop.time()
        total = int(rate * duration)
        tasks = []
        for i in range(total):
            due = start + i / rate
            if (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
        elapsed = loop.time() - start
    return {"sent": total, "elapsed_s": round(elapsed, 2), "statuses": statuses, **_percentiles(latencies)}


async def closed_loop(url: str, load: Load, phase: str, concurrency: int, duration: float) -> dict[str, Any]:
    import aiohttp

    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    stop_at = loop.time() + duration

    async def client() -> None:
        while loop.time() < stop_at:
            body, signature = load.body(phase)
            started = loop.time()
            try:
                status = str(await _post(session, url, body, signature))
            except Exception as error:
                status = type(error).__name__
            latencies.append((loop.time() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        start = loop.time()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = loop.time() - start
    return {"sent": len(latencies), "elapsed_s": round(elapsed, 2), "statuses": statuses,
            **_percentiles(latencies)}


def _percentiles(values: list[float], prefix: str = "webhook") -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {f"{prefix}_p50_ms": at(0.50), f"{prefix}_p99_ms": at(0.99),
            f"{prefix}_max_ms": round(ordered[-1], 1)}


def api_stats(api_port: int, phase: str) -> dict[str, Any]:
    with socket.create_connection(("127.0.0.1", api_port)) as connection:
        connection.sendall(b"GET /_stats?phase=%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                           % phase.encode())
        data = b""
        while chunk := connection.recv(1 << 20):
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])


def wait_for_replies(api_port: int, phase: str, expected: int, timeout: float = 20) -> dict[str, Any]:
    """The fake API's count for a phase once it stops growing (or all arrived)."""
    deadline, last, still = time.monotonic() + timeout, -1, 0
    while time.monotonic() < deadline:
        entry = api_stats(api_port, phase)
        if entry["replies"] >= expected:
            return entry
        still = still + 1 if entry["replies"] == last else 0
        if still >= 10:  # 2 s without a new reply
            return entry
        last = entry["replies"]
        time.sleep(0.2)
    return api_stats(api_port, phase)


def run_phase(server: Server, api_port: int, load: Load, phase: str, *, rate: float | None,
              duration: float) -> dict[str, Any]:
    url = f"http://127.0.0.1:{server.port}/callback"
    tag = f"{server.name}.{phase}".replace("_", ".").replace("-", ".").lower()
    started_ns, cpu_before = time.time_ns(), server.cpu_seconds()
    if rate is None:
        result = asyncio.run(closed_loop(url, load, tag, CONCURRENCY, duration))
    else:
        result = asyncio.run(open_loop(url, load, tag, rate, duration))
    ok = result["statuses"].get("200", 0)
    replies = wait_for_replies(api_port, tag, ok)
    # Cores the server kept busy, from the first webhook to the last reply: 2.0 on two cores
    # is all of them; less at saturation means it waited (locks, I/O), not computed.
    span = (max(replies.get("last") or 0, started_ns + 1) - started_ns) / 1e9
    result["server_cores"] = round((server.cpu_seconds() - cpu_before) / max(span, result["elapsed_s"]), 2)
    result["errors"] = result["sent"] - ok
    result["replies"] = replies["replies"]
    result.update(_percentiles(replies["delays"], "reply"))
    if replies["replies"]:  # from the first webhook sent to the last reply received
        span = (replies["last"] - started_ns) / 1e9
        result["replies_per_s"] = round(replies["replies"] / max(span, result["elapsed_s"]), 1)
    result["workers"] = server.memory()
    return {"server": server.name, "phase": phase, "rate": rate or f"closed x{CONCURRENCY}", **result}


def line_for(row: dict[str, Any]) -> str:
    workers = " ".join(f"{w['rss_mib']:.0f}/{w['peak_mib']:.0f}/{w['anon_mib']:.0f}" for w in row["workers"])
    return (f"{row['server']:<11} {row['phase']:<10} {row['rate']!s:>10} sent={row['sent']:<6} "
            f"err={row['errors']:<3} hook p50/p99={row.get('webhook_p50_ms', 0):>6}/"
            f"{row.get('webhook_p99_ms', 0):<7} replies={row['replies']:<6} "
            f"reply p50/p99={row.get('reply_p50_ms', 0)}/{row.get('reply_p99_ms', 0)} "
            f"rps={row.get('replies_per_s', 0)} cores={row.get('server_cores')} rss/peak/anon MiB={workers}")


# --- main ----------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="50,100,200,400", help="open-loop rates, events/s")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--long", action="store_true", help="100,000 events at 200/s, bot only")
    parser.add_argument("--events", type=int, default=100_000, help="events in --long")
    parser.add_argument("--servers", default="bot,echo,echo-shared")
    parser.add_argument("--rounds", type=int, default=3, help="saturation rounds, servers in turn")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--gunicorn-extra", default="", help="options added to the Procfile's (tuning)")
    parser.add_argument("--bot-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the bot (tuning experiments)")
    parser.add_argument("--api-latency-ms", type=float, default=0.0,
                        help="the fake Messaging API answers each reply after this long")
    args = parser.parse_args()
    global GUNICORN_EXTRA
    GUNICORN_EXTRA = args.gunicorn_extra

    questions = [json.loads(line)["text"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    load = Load(questions)
    api_port = _free_port()
    ready = multiprocessing.get_context("spawn").Event()
    api = multiprocessing.get_context("spawn").Process(
        target=fake_api, args=(api_port, ready, args.api_latency_ms / 1000), daemon=True)
    api.start()
    ready.wait(30)

    bot_env = dict(pair.split("=", 1) for pair in args.bot_env)
    apps = {"bot": (None, bot_env),
            # Not by default: the bot with a matcher that costs nothing (bench/fixed_answer_app.py).
            "bot-fixed": ("bench.fixed_answer_app:create_app()", bot_env),
            "echo": ("bench.echo_app:create_app()", {}),
            "echo-shared": ("bench.echo_app:create_app()", {"NAKABOT_ECHO_SHARED_CLIENT": "1"})}
    results: dict[str, Any] = {"procfile": " ".join(procfile_command()), "cpus": os.cpu_count(),
                               "concurrency": CONCURRENCY, "duration_s": args.duration,
                               "api_latency_ms": args.api_latency_ms, "phases": []}
    print(f"Procfile: {results['procfile']}\ncpus: {os.cpu_count()}  load: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="nakabot-load-") as tmp:
        names = ["bot"] if args.long else args.servers.split(",")
        servers = {}
        try:
            for name in names:  # all up at once (idle ones cost nothing), measured in turns
                app, env = apps[name]
                servers[name] = server = Server(name, app, _free_port(), api_port, Path(tmp), env)
                print(f"{name}: listening after {server.start_s:.2f} s", flush=True)
                run_phase(server, api_port, load, "warmup", rate=100, duration=3)
            if args.long:
                results["long"] = long_run(servers["bot"], api_port, load, args.events)
            else:
                # Interleaved, so that the shared machine's load drifts over all servers alike.
                for rate in [float(r) for r in args.rates.split(",")]:
                    for server in servers.values():
                        row = run_phase(server, api_port, load, f"r{rate:g}", rate=rate,
                                        duration=args.duration)
                        results["phases"].append(row)
                        print(line_for(row), flush=True)
                for round_ in range(1, args.rounds + 1):
                    for server in servers.values():
                        row = run_phase(server, api_port, load, f"saturate{round_}", rate=None,
                                        duration=args.duration)
                        results["phases"].append(row)
                        print(line_for(row), flush=True)
        finally:
            for name, server in servers.items():
                results.setdefault("log_errors", {})[name] = server.log_errors()
                server.stop()
    api.terminate()

    if not args.long:
        by = {(r["server"], r["phase"]): r for r in results["phases"]}
        for ours in [name for name in names if name.startswith("bot")]:
            for baseline in [name for name in names if name.startswith("echo")]:
                ratios = []
                for round_ in range(1, args.rounds + 1):
                    mine = by.get((ours, f"saturate{round_}"), {}).get("replies_per_s")
                    other = by.get((baseline, f"saturate{round_}"), {}).get("replies_per_s")
                    if mine and other:
                        ratios.append(round(mine / other, 2))
                if ratios:
                    results[f"ratio_{ours}_to_{baseline}"] = statistics.median(ratios)
                    print(f"throughput ratio {ours}/{baseline} (replies/s at saturation, per round): {ratios}"
                          f" median {statistics.median(ratios):.2f}")
        at200 = by.get(("bot", "r200"))
        if at200:
            print(f"bot at 200 ev/s: webhook p99 {at200.get('webhook_p99_ms')} ms, errors {at200['errors']}, "
                  f"replies {at200['replies']}/{at200['sent']}")
    print("log errors:", json.dumps(results["log_errors"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))


def long_run(server: Server, api_port: int, load: Load, events: int, rate: float = 200,
             chunk: int = 10_000) -> dict[str, Any]:
    """Events in chunks of 10,000 at `rate`; memory after each: a flat heap shows no leak."""
    samples = []
    for done in range(chunk, events + 1, chunk):
        row = run_phase(server, api_port, load, f"long{done}", rate=rate, duration=chunk / rate)
        samples.append({"events": done, "errors": row["errors"], "replies": row["replies"],
                        "webhook_p99_ms": row.get("webhook_p99_ms"), "workers": row["workers"]})
        print(line_for(row), flush=True)
    growth = {}
    for kind in ("rss", "anon"):
        first = [w[f"{kind}_mib"] for w in samples[0]["workers"]]
        last = [w[f"{kind}_mib"] for w in samples[-1]["workers"]]
        print(f"{kind} per worker after {chunk} events: {first} MiB; after {events}: {last} MiB")
        growth[f"{kind}_growth_mib"] = [round(b - a, 1) for a, b in zip(first, last, strict=False)]
    return {"samples": samples, "errors": sum(s["errors"] for s in samples),
            "replies": sum(s["replies"] for s in samples), **growth,
            "median_p99_ms": statistics.median(s["webhook_p99_ms"] or 0 for s in samples)}


if __name__ == "__main__":
    main()
