"""Read a YAML file together with the line of every field, for errors staff can act on.

A catalogue file is small (the largest is a few KB), so what a mistake or a hostile
edit could make huge is refused before it is built: a file over MAX_FILE_BYTES, and a
document that aliases (*name) would expand to more than MAX_NODES values or nest deeper
than MAX_DEPTH (about 250 bytes of nested aliases expanded to gigabytes: a "billion
laughs" file). The reloader then keeps serving the last good catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import yamlmistakes

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in a catalogue file."""

    path: str
    line: int
    field: str
    message: str
    severity: str = "error"  # "error" refuses the catalogue; "warning" only informs

    def __str__(self) -> str:
        label = "" if self.severity == "error" else "（注意）"
        return f"{self.path}:{self.line}: {self.field}: {label}{self.message}"


@dataclass
class Document:
    """A parsed YAML file: its data, and where each field stands in the file."""

    path: str
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line(self, at: FieldPath) -> int:
        """The line of a field, or of its nearest parent that has one."""
        while at and at not in self.lines:
            at = at[:-1]
        return self.lines.get(at, 1)


def field_name(at: FieldPath) -> str:
    """("channels", 0, "kind") -> "channels[0].kind", as staff see it in errors."""
    text = ""
    for part in at:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(ファイル全体)"


# libyaml's parser when PyYAML was built with it (the wheels are): the same documents and
# marks, about ten times faster than the pure-Python one, which dominated loading.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 20_000  # values in the document once every alias is expanded
MAX_DEPTH = 64
WHOLE_FILE = "(ファイル全体)"


def read_document(path: Path, shown_as: str) -> tuple[Document | None, list[Problem]]:
    """Parse one file. YAML errors and duplicated keys become Problems, never exceptions."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(shown_as, 1, WHOLE_FILE,
                                  f"ファイルが大きすぎます（{size // 1024} KB）。{MAX_FILE_BYTES // 1024} KB "
                                  "以下にしてください（手続きごとにファイルを分けます）")]
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(shown_as, 1, WHOLE_FILE, f"読み込めません: {error}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        return None, [Problem(shown_as, line, WHOLE_FILE, yamlmistakes.undecodable(raw))]
    # Parsed once: the node tree gives the line numbers, and the same tree builds the data.
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is not None and (refused := _too_big(node, shown_as)):
            return None, [refused]
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, message = yamlmistakes.explain(text, mark.line + 1 if mark else 1, error.problem or str(error))
        return None, [Problem(shown_as, line, "(YAMLの書き方)", message)]
    finally:
        loader.dispose()
    document = Document(shown_as, data)
    problems: list[Problem] = []
    if node is not None:
        _record_lines(node, (), document, problems)
    return document, problems


def _too_big(root: yaml.Node, shown_as: str) -> Problem | None:
    """A Problem if the document, aliases expanded, is too large or too deep, or holds itself.

    Walks each distinct node once (an alias is the same node object again), so the check
    costs the size of the file, not of the expansion it measures.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_NODES or depth[key] > MAX_DEPTH:
                break
            continue
        if key in size:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:  # &a [*a]: a value inside itself, endless once built
                return Problem(shown_as, node.start_mark.line + 1, WHOLE_FILE,
                               "別名（*）が自分自身を指しています。別名を使わずに書いてください")
            if id(child) not in size:
                stack.append((child, False))
        if len(open_nodes) > MAX_DEPTH:
            break
    else:
        return None
    return Problem(shown_as, node.start_mark.line + 1, WHOLE_FILE,
                   f"別名（&・*）を広げると大きすぎるか、入れ子が深すぎます（値は{MAX_NODES}個・入れ子は"
                   f"{MAX_DEPTH}段まで）。別名を使わずに書いてください")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _record_lines(
    node: yaml.Node, at: FieldPath, document: Document, problems: list[Problem]
) -> None:
    document.lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(document.path, line, field_name((*at, key)), "同じ項目が2回書かれています")
                )
            seen.add(key)
            document.lines[(*at, key)] = line
            _record_lines(value_node, (*at, key), document, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*at, index), document, problems)
