"""docs/operations.md lists every log event the code writes: an operator can grep them all."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def events_written() -> set[str]:
    """Every `log_event(logger, "name", ...)` in bot/: the one way a log line is written."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "bot").rglob("*.py"))
    return set(re.findall(r'log_event\(\s*\w+,\s*"([a-z_]+)"', code))


def events_documented() -> set[str]:
    guide = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    logs = guide.split("## Logs", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", logs, re.M))


def test_every_log_event_is_in_the_operations_table_and_no_other():
    written = events_written()
    assert len(written) > 15  # the pattern still finds them
    assert written == events_documented()


def test_no_log_line_is_written_another_way():
    for path in (REPO / "bot").rglob("*.py"):
        if path.name != "logs.py":
            assert '{"event":' not in path.read_text(encoding="utf-8"), path
