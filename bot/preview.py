"""What a draft would change, before it is published: the cards, and the answers to known questions.

Plain Python (no Flask): the admin's preview page and tests call it alike.
- `checked(tree)`: the draft tree through content.inspect, kept for the last few trees
  (a check takes seconds; the edit page and the preview ask for the same tree again).
- `changed_cards(old, new)`: every procedure or intent whose card differs, drawn from the
  same Flex JSON LINE gets (bot/replies.py).
- `differences(old, new, cases)`: the questions of the non-blind eval sets (tests/data:
  dev.jsonl, residents.jsonl, *-dev.jsonl) that the draft would answer differently. What
  each is shown comes from Conversation.shown (the reply's decision, no message built),
  remembered per catalogue version; `ahead(published, cases)` works the published side
  out in a background thread before staff ask for the preview (bot/web/catalogue_admin.py).
- `needs(gaps, counts)`: the unconfirmed (~) facts, with how often a card that sends
  residents to the city hall for them was shown in the last days, most needed first.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import versions
from bot.catalogue import Catalogue, Gap, Report
from bot.conversation import Conversation
from bot.replies import LimitError, Message
from bot.store import DayCount

EVAL_SETS = ("dev.jsonl", "residents.jsonl", "*-dev.jsonl")  # never the blind sets
_KEEP = 4
_reports: OrderedDict[str, Report] = OrderedDict()
_conversations: OrderedDict[str, Conversation] = OrderedDict()
_lock = threading.Lock()


def tree_key(tree: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(tree, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def checked(tree: dict[str, str]) -> Report:
    """versions.inspect(tree), remembered for the last few trees."""
    key = tree_key(tree)
    with _lock:
        if key in _reports:
            _reports.move_to_end(key)
            return _reports[key]
    report = versions.inspect(tree)
    with _lock:
        _reports[key] = report
        while len(_reports) > _KEEP:
            _reports.popitem(last=False)
    return report


def conversation_for(catalogue: Catalogue) -> Conversation:
    """A Conversation for this catalogue, remembered by its version (the last two used)."""
    with _lock:
        found = _conversations.get(catalogue.version)
        if found is not None:
            _conversations.move_to_end(catalogue.version)
    if found is None:
        found = Conversation(catalogue)
        adopt(found)
    return found


def adopt(conversation: Conversation) -> None:
    """Use this Conversation (the one answering residents) for its catalogue, rather than
    building another (seconds, and as much memory again)."""
    with _lock:
        _conversations[conversation.catalogue.version] = conversation
        _conversations.move_to_end(conversation.catalogue.version)
        while len(_conversations) > 2:
            _conversations.popitem(last=False)


@dataclass(frozen=True)
class Card:
    kind: str  # procedure | intent
    id: str
    title: str
    path: str
    messages: list[Message]


def _cards(catalogue: Catalogue) -> dict[tuple[str, str], Card]:
    conversation = conversation_for(catalogue)
    cards: dict[tuple[str, str], Card] = {}
    for procedure in catalogue.procedures:
        try:
            messages = conversation.replies.procedure(procedure, None, procedure.label)
        except LimitError:
            continue  # content.inspect reports it; the card cannot be drawn
        cards["procedure", procedure.id] = Card("procedure", procedure.id, procedure.title, procedure.path,
                                                messages)
    for intent in catalogue.intents:
        try:
            messages = conversation.replies.intent(intent.id)
        except LimitError:
            continue
        cards["intent", intent.id] = Card("intent", intent.id, intent.title, intent.path, messages)
    return cards


def changed_cards(old: Catalogue | None, new: Catalogue, paths: Iterable[str] = ()) -> list[Card]:
    """The cards of `new` that differ from `old` (or whose file is in `paths`)."""
    before = _cards(old) if old is not None else {}
    wanted = set(paths)
    return [card for key, card in _cards(new).items()
            if card.path in wanted or before.get(key) is None or before[key].messages != card.messages]


def eval_cases(data: Path) -> list[dict[str, Any]]:
    """The questions of the non-blind sets under tests/data (empty when not there)."""
    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for pattern in EVAL_SETS:
        for path in sorted(data.glob(pattern)):
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                case = json.loads(line)
                text = case.get("text")
                if isinstance(text, str) and text not in seen:  # dialogues have turns, not text
                    seen.add(text)
                    cases.append({**case, "set": path.name})
    return cases


@dataclass(frozen=True)
class Difference:
    text: str
    set: str
    expect: tuple[str, ...]
    before: str  # what was shown, e.g. "procedure:juminhyo"
    after: str
    better: bool | None  # True: now as expected; False: was as expected, no longer; None: neither


_answers: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
_under_way: dict[tuple[str, str], threading.Thread] = {}


def _key(conversation: Conversation, cases: list[dict[str, Any]]) -> tuple[str, str]:
    texts = "\n".join(case["text"] for case in cases)
    return conversation.catalogue.version, hashlib.sha256(texts.encode()).hexdigest()


def answers(conversation: Conversation, cases: list[dict[str, Any]]) -> list[str]:
    """What each case is shown (remembered per catalogue version: the published side is
    worked out once, not at every preview). When `ahead` is working them out, waits for it."""
    key = _key(conversation, cases)
    with _lock:
        found = _answers.get(key)
        working = _under_way.get(key)
    if found is not None:
        return found
    if working is not None and working is not threading.current_thread():
        working.join()
        with _lock:
            found = _answers.get(key)
        if found is not None:
            return found
    shown = [conversation.shown(case["text"]) for case in cases]
    with _lock:
        _answers[key] = shown
        while len(_answers) > _KEEP:
            _answers.popitem(last=False)
    return shown


def ahead(conversation: Conversation, cases: list[dict[str, Any]]) -> threading.Thread | None:
    """Work out answers(conversation, cases) in a background thread, so that the preview
    finds them ready; None when they are remembered or already under way."""
    key = _key(conversation, cases)
    with _lock:
        if key in _answers or key in _under_way:
            return None

        def work() -> None:
            try:
                answers(conversation, cases)
            finally:
                with _lock:
                    _under_way.pop(key, None)

        thread = threading.Thread(target=work, name="preview-ahead", daemon=True)
        _under_way[key] = thread
        thread.start()  # under the lock: a preview that finds it may join it at once
    return thread


def wait_ahead(timeout: float = 60.0) -> None:
    """Until the answers being worked out ahead are done (tests, tools)."""
    with _lock:
        working = list(_under_way.values())
    for thread in working:
        thread.join(timeout)


def differences(old: Conversation, new: Conversation, cases: list[dict[str, Any]]) -> list[Difference]:
    """The cases `new` answers otherwise than `old`."""
    found = []
    for case, before, after in zip(cases, answers(old, cases), answers(new, cases), strict=True):
        if before == after:
            continue
        expect = tuple(case.get("expect") or ())

        def right(shown: str, expect: tuple[str, ...] = expect) -> bool:
            kind, _, target = shown.removeprefix("en:").partition(":")
            return ((kind == "procedure" and target in expect)
                    or (kind == "intent" and f"intent:{target}" in expect))
        verdict = True if right(after) and not right(before) else False if right(before) else None
        found.append(Difference(case["text"], case["set"], expect, before, after, verdict))
    return found


def compare(published: Conversation, draft: Catalogue, paths: Iterable[str],
            cases: list[dict[str, Any]]) -> tuple[list[Card], list[Difference]]:
    """What the preview shows of a draft that loads: the cards that change (or whose file is
    in `paths`) and the known questions it answers otherwise. `published` is the
    Conversation answering residents: its cards and answers are not worked out again."""
    adopt(published)
    cards = changed_cards(published.catalogue, draft, paths)
    return cards, differences(published, conversation_for(draft), cases)


@dataclass(frozen=True)
class Need:
    gap: Gap
    shown: int  # cards waiting on this fact shown in the period
    waiting: tuple[str, ...]


def needs(gaps: Iterable[Gap], counts: Iterable[DayCount]) -> list[Need]:
    """Each unconfirmed city fact (and each procedure's own), with how often the cards that
    send residents to the city hall for it were shown; most needed first."""
    shown: dict[str, int] = {}
    for count in counts:
        if count.kind == "procedure":
            shown[count.target] = shown.get(count.target, 0) + count.count
    found = []
    for gap in gaps:
        waiting = gap.waiting if gap.is_fact else (gap.owner,)
        found.append(Need(gap, sum(shown.get(p, 0) for p in waiting), waiting))
    return sorted(found, key=lambda n: (-n.shown, -len(n.waiting), n.gap.path, n.gap.line))
