"""A SQLite -shm file cut short under a running process: logged, and the store goes on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CUT_SHM = textwrap.dedent("""
    import os, sys
    from bot.store import open_store
    path = sys.argv[1]
    store = open_store(f"sqlite:///{path}")
    store.count("procedure", "before")
    os.truncate(path + "-shm", 0)  # what a careless clean-up or a full tmpfs does
    store.count("procedure", "after")
    print(sorted((c.target, c.count) for c in store.counts()))
""")


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])


def test_a_cut_short_shm_file_is_put_back_logged_and_nothing_is_lost(tmp_path: Path):
    result = run(CUT_SHM, str(tmp_path / "nakabot.sqlite3"))

    assert result.returncode == 0, (result.returncode, result.stderr)  # was -7: SIGBUS killed it
    assert "[('after', 1), ('before', 1)]" in result.stdout
    assert '"event": "store_shm_restored"' in result.stderr


def test_a_worker_killed_by_a_fatal_signal_logs_where_first(tmp_path: Path):
    script = textwrap.dedent("""
        import mmap, os, sys
        from bot import gunicorn_conf
        gunicorn_conf.post_fork(None, None)
        with open(sys.argv[1], "w+b") as f:
            f.truncate(4096)
            mapped = mmap.mmap(f.fileno(), 4096)
            f.truncate(0)
            mapped[0]  # SIGBUS
    """)
    result = run(script, str(tmp_path / "mapped"))

    assert result.returncode == -7  # SIGBUS: gunicorn starts another worker
    assert "Fatal Python error: Bus error" in result.stderr and "line 9 in <module>" in result.stderr
