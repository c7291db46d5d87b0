"""Read a YAML file together with the line of every field, for errors staff can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


def read_document(path: Path, shown_as: str) -> tuple[Document | None, list[Problem]]:
    """Parse one file. YAML errors and duplicated keys become Problems, never exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(shown_as, 1, "(ファイル全体)", f"読み込めません: {error}")]
    # Parsed once: the node tree gives the line numbers, and the same tree builds the data.
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or str(error)
        return None, [Problem(shown_as, line, "(YAMLの書き方)", f"YAMLとして読めません: {reason}")]
    finally:
        loader.dispose()
    document = Document(shown_as, data)
    problems: list[Problem] = []
    if node is not None:
        _record_lines(node, (), document, problems)
    return document, problems


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
