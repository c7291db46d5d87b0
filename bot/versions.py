"""A catalogue as a tree of texts: what the store publishes, staff draft, and `nakabot catalogue` moves.

A tree is {"procedures/shomeisho/juminhyo.yaml": "id: juminhyo\n...", ...}: every YAML file
under procedures/ and intents/, by its path relative to the catalogue root. The same gate
checks a tree as checks the files (content.inspect, as `nakabot check`): the tree is written
to a temporary folder and read from there, so a problem names the same file and line.
Plain Python, no Flask and no store.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import yaml

from bot import content
from bot.catalogue import Report

if TYPE_CHECKING:
    from bot.store import Store

FOLDERS = ("procedures", "intents")
MAX_FILE_CHARS = 200_000  # far above any catalogue file; a paste gone wrong is refused


@dataclass(frozen=True)
class Unreadable:
    path: str
    message: str  # for staff, in Japanese


def read_tree(root: Path) -> tuple[dict[str, str], list[Unreadable]]:
    """Every catalogue file under root as text; the files that are not UTF-8 apart."""
    files: dict[str, str] = {}
    unreadable: list[Unreadable] = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.yaml")):
            name = path.relative_to(root).as_posix()
            try:
                files[name] = path.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError:
                unreadable.append(Unreadable(name, "UTF-8で保存してください（Shift-JISなどは読めません）"))
    return files, unreadable


def valid_path(path: str) -> bool:
    """A catalogue file's path: under procedures/ or intents/, .yaml, no way out of the root."""
    parts = PurePosixPath(path).parts
    return (len(parts) >= 2 and parts[0] in FOLDERS and path.endswith(".yaml")
            and all(part not in ("", ".", "..") for part in parts) and "\\" not in path
            and not path.startswith("/"))


def write_tree(files: dict[str, str], root: Path) -> None:
    """Write the tree under root (folders made as needed)."""
    for name, text in files.items():
        if not valid_path(name):
            raise ValueError(f"not a catalogue file: {name}")
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def inspect(files: dict[str, str]) -> Report:
    """The tree through the same checks as `nakabot check` (content.inspect)."""
    with tempfile.TemporaryDirectory(prefix="nakabot-tree-") as folder:
        write_tree(files, Path(folder))
        return content.inspect(Path(folder))


FACT_LISTS = ("sections", "counters", "fees")  # procedures/facts/*.yaml: entries with their own date


def unreviewed_fills(before: str | None, after: str) -> list[str]:
    """Facts filled in (~ -> a value) whose entry still has its old `reviewed` date.

    A fact is trusted for its source and the date it was checked: a number typed in
    without them looks as sure as a checked one. Said to staff when they save.
    """
    try:
        old, new = yaml.safe_load(before or ""), yaml.safe_load(after)
    except yaml.YAMLError:
        return []  # the checks already say where the file is broken
    was = dict(_dated_entries(old))
    found = []
    for name, entry in _dated_entries(new):
        previous = was.get(name)
        if previous is None or entry.get("reviewed") != previous.get("reviewed"):
            continue
        filled = [key for key, value in entry.items() if key not in ("source", "reviewed")
                  and value is not None and key in previous and previous[key] is None]
        if filled:
            where = f"{name} の " if name else ""
            found.append(f"{where}{'・'.join(filled)} を埋めました。確認した日（reviewed）と根拠（source）も"
                         f"直してください")
    return found


def _dated_entries(document: object) -> list[tuple[str, dict[str, object]]]:
    """The parts of a file that carry a `reviewed` date: each fact entry, or the file itself."""
    if not isinstance(document, dict):
        return []
    entries = [(str(e["id"]), e) for key in FACT_LISTS if isinstance(document.get(key), list)
               for e in document[key] if isinstance(e, dict) and "id" in e]
    return entries or [("", document)]


def overlay(published: dict[str, str], draft: dict[str, str]) -> dict[str, str]:
    """The published tree with the draft's files in their place."""
    return {**published, **draft}


def changed(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return sorted(path for path in set(old) | set(new) if old.get(path) != new.get(path))


def diff(old: str | None, new: str | None, path: str, old_label: str = "前",
         new_label: str = "後") -> list[str]:
    """A unified diff of one file, line by line (for the history page)."""
    return list(difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(),
                                     f"{path}（{old_label}）", f"{path}（{new_label}）", lineterm=""))


def published(store: Store | None, root: Path) -> tuple[dict[str, str], int | None]:
    """What residents are served: the newest published version, else the repository's files
    (the starting catalogue); with its version id (None for the files)."""
    latest = store.catalogue_version() if store is not None else None
    if latest is not None:
        return latest.files, latest.id
    files, _ = read_tree(root)
    return files, None


def draft_tree(store: Store, root: Path) -> tuple[dict[str, str], dict[str, str], int | None]:
    """(the published tree, the draft over it, the published version id)."""
    base, version_id = published(store, root)
    draft = {path: saved.text for path, saved in store.draft().items()}
    return base, overlay(base, draft), version_id


def add_example(text: str, question: str) -> str | None:
    """The file's text with `question` added to its `examples:` list (kept as written, comments
    and all); the text as it was when the question is there already; None when the list is not
    a block of `- ` lines that can be added to."""
    item = question.strip()
    if not item or "\n" in item:
        return None
    written = _scalar(item)
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.rstrip() == "examples:"), None)
    if start is None:
        if any(line.startswith("examples:") for line in lines):
            return None  # examples: [a, b] on one line: staff edit it by hand
        return text.rstrip("\n") + f"\nexamples:\n  - {written}\n"
    end, indent = start + 1, "  "
    while end < len(lines) and (lines[end].startswith((" ", "-")) or not lines[end].strip()):
        stripped = lines[end].lstrip()
        if stripped.startswith("- "):
            indent = lines[end][:len(lines[end]) - len(stripped)]
            if stripped[2:].strip().strip("\"'") == item:
                return text
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines.insert(end, f"{indent}- {written}")
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def _scalar(value: str) -> str:
    """`value` as YAML: plain when YAML reads it back as the same text, else in double quotes."""
    item = value.strip()
    try:
        loaded = yaml.safe_load(item)
    except yaml.YAMLError:
        loaded = None
    # A date (reviewed: 2026-12-02) stays a date, as the files write it.
    plain = bool(item) and "#" not in item and (
        loaded == item or (isinstance(loaded, dt.date) and loaded.isoformat() == item))
    return item if plain else json.dumps(item, ensure_ascii=False)


def fill_fact(text: str, line: int, value: str, source: str, reviewed: str) -> str | None:
    """Replace the `~` on `line` (1-based) with `value`, add `source` to the entry's sources and set
    its `reviewed` date, keeping the rest of the file as written. The entry is the list item
    (`- id: …`) around the line in a facts file, else the whole file. None when the line holds
    no `~` or the entry has no `source:` list or `reviewed:` to update."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines) or "\n" in value + source + reviewed or not value.strip():
        return None
    key, sep, rest = lines[line - 1].partition(":")
    if not sep or rest.split("#", 1)[0].strip() not in ("~", "null"):
        return None
    lines[line - 1] = f"{key}: {_scalar(value)}"
    start, end, indent = 0, len(lines), ""
    item = next((n for n in range(line - 1, -1, -1) if lines[n].lstrip().startswith("- id:")), None)
    if item is not None and lines[item].startswith(" "):  # an entry of a facts file's list
        dash = lines[item].index("-")
        start, indent = item, " " * (dash + 2)
        end = next((n for n in range(item + 1, len(lines)) if lines[n].lstrip().startswith("- id:")
                    or (lines[n].strip() and not lines[n].startswith(" "))), len(lines))
    source_at = next((n for n in range(start, end) if lines[n] == f"{indent}source:"), None)
    reviewed_at = next((n for n in range(start, end) if lines[n].startswith(f"{indent}reviewed:")), None)
    if source_at is None or reviewed_at is None:
        return None
    lines[reviewed_at] = f"{indent}reviewed: {reviewed}"
    last, item_indent = source_at, indent + "  "
    for n in range(source_at + 1, end):
        if lines[n].lstrip().startswith("- ") and len(lines[n]) - len(lines[n].lstrip()) > len(indent):
            last, item_indent = n, lines[n][:len(lines[n]) - len(lines[n].lstrip())]
        else:
            break
    lines.insert(last + 1, f"{item_indent}- {_scalar(source)}")
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


# The one-line fields of a procedure or intent file that a form can edit field by field; the
# rest (texts over several lines, lists, channels) stays in the YAML text area.
FORM_FIELDS = {"title": "見出し（住民にわかる短い名前）", "legal_title": "正式な名前",
               "label": "ボタンの文字", "who": "対象の方", "when": "いつまでに（期限）",
               "urgent": "すぐにすること",
               "fee": "手数料（facts/fees.yaml の id か、この手続きだけの文。わからないときは ~）",
               "payment": "払い方（窓口とちがうときだけ）", "counter": "窓口（facts/counters.yaml の id）",
               "contact": "係（facts/sections.yaml の id）", "processing": "交付までの日数など",
               "city_page": "那珂市のこの手続きのページ", "reviewed": "内容を確認した日"}


def form_fields(text: str) -> dict[str, str]:
    """The FORM_FIELDS written on one line at the top level of the file, as staff see them
    (`~` for not known)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        value = rest.split(" #", 1)[0].strip()
        if not sep or key not in FORM_FIELDS or key in found or value[:1] in (">", "|", "[", "{", ""):
            continue
        try:
            loaded = yaml.safe_load(value)
        except yaml.YAMLError:
            loaded = value
        found[key] = "~" if loaded is None else str(loaded)
    return found


def set_form_fields(text: str, values: dict[str, str]) -> str:
    """The text with those one-line fields rewritten (empty or `~`: not known); the rest as written."""
    lines = text.splitlines()
    done: set[str] = set()
    current = form_fields(text)
    for n, line in enumerate(lines):
        key, sep, _ = line.partition(":")
        if sep and key in values and key in current and key not in done:
            done.add(key)
            value = values[key].strip().replace("\n", " ")
            if value == current[key]:
                continue
            lines[n] = f"{key}: {_scalar(value) if value not in ('', '~') else '~'}"
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
