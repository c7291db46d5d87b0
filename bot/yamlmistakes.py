"""The YAML mistakes staff make, named in Japanese on the line where they are.

PyYAML reports where its parser gave up, in English: an unclosed quote at the end of the
file (line 67 of a 66-line file), a missing 「- 」 on the line after. When a file does not
parse, `explain` looks at the text for the mistakes staff make by hand, a line at a time,
and names the first one: a full-width colon or space, no space after a colon, a quote
not closed on its line, an item of a list without 「- 」, a tab. When none of them is
there, the parser's own line (never past the last one) with a Japanese lead-in.
Plain Python on text; no YAML library needed.
"""

from __future__ import annotations

import re

FULL_WIDTH_SPACE = "\u3000"
# A key as the catalogue writes them (ascii ids), after optional indentation and 「- 」.
_KEY = r"^(?P<indent>[ \u3000\t]*)(?P<dash>-[ \u3000]+)?(?P<key>[A-Za-z_][A-Za-z0-9_-]*)"
_FULL_WIDTH_COLON = re.compile(_KEY + r"[ \u3000]*：")
_NO_SPACE = re.compile(_KEY + r":(?!//)(?P<after>[^\s])")
_KEY_VALUE = re.compile(_KEY + r":[ \u3000]+(?P<value>.*)$")
_ITEM = re.compile(r"^(?P<indent> *)- (?P<value>.*)$")


def _without_comment(line: str) -> str:
    """The line without a trailing # comment (a # inside quotes is kept, roughly)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index].rstrip()
    return line.rstrip()


def _unclosed(value: str) -> str | None:
    """The quote a value opens and does not close on its line, or None."""
    value = value.strip()
    if not value or value[0] not in "\"'":
        return None
    quote = value[0]
    # \" inside double quotes, '' inside single ones, are not the closing quote.
    rest = re.sub(r"\\.", "", value[1:]) if quote == '"' else value[1:].replace("''", "")
    return None if quote in rest else quote


def line_mistake(lines: list[str], index: int) -> str | None:
    """What is wrong with lines[index] (0-based), in Japanese, or None."""
    raw = lines[index]
    line = _without_comment(raw)
    if not line.strip():
        return None
    indent = line[:len(line) - len(line.lstrip(" \u3000\t"))]
    if FULL_WIDTH_SPACE in indent:
        return "行の始めに全角のスペース（　）があります。半角のスペースにしてください"
    if "\t" in indent:
        return "行の始めにタブがあります。半角のスペースにしてください"
    if match := _FULL_WIDTH_COLON.match(line):
        return f"「{match['key']}：」のコロンが全角です。半角の「: 」（コロンと半角スペース）にしてください"
    if match := _NO_SPACE.match(line):
        key = match["key"]
        return f"「{key}:」のあとに半角スペースがありません。「{key}: 」のように書いてください"
    match = _KEY_VALUE.match(line) or _ITEM.match(line)
    if match and (quote := _unclosed(match["value"])):
        return f"引用符（{quote}）が閉じられていません。行の終わりにも {quote} を書いてください"
    return _missing_dash(lines, index, line)


def _missing_dash(lines: list[str], index: int, line: str) -> str | None:
    """A plain line among list items at their indentation: an item without 「- 」."""
    if line.lstrip().startswith(("-", "#")) or _KEY_VALUE.match(line) or line.rstrip().endswith(":"):
        return None
    width = len(line) - len(line.lstrip(" "))
    for previous in reversed(lines[:index]):
        text = _without_comment(previous)
        if not text.strip():
            continue
        item = _ITEM.match(text)
        if item and len(item["indent"]) == width:
            return "「- 」がありません。例文や項目は、ほかの行と同じように「- 」で始めてください"
        if len(text) - len(text.lstrip(" ")) <= width:
            return None
    return None


def explain(text: str, parser_line: int, parser_reason: str) -> tuple[int, str]:
    """(line, message) for a file the YAML parser refused, both as staff can act on them."""
    lines = text.splitlines()
    for index in range(len(lines)):
        found = line_mistake(lines, index)
        if found:
            return index + 1, found
    line = max(1, min(parser_line, len(lines)))
    return line, (f"YAMLとして読めません（{line}行目かその前の行。字下げや「: 」「- 」を確かめてください）:"
                  f" {parser_reason}")


def undecodable(data: bytes) -> str:
    """Why a file is not UTF-8, for staff: which editor setting to change."""
    try:
        data.decode("cp932")
    except UnicodeDecodeError:
        return "文字コードがUTF-8ではありません。UTF-8で保存してください"
    return "Shift-JIS（日本語Windowsの標準）で保存されています。UTF-8で保存してください"
