"""What staff learn from each answer: the questions to review, and daily counts.

Every fallback, every clarify and every answer whose score is below the matcher's
`Thresholds.review` is kept, masked, for `nakabot report` and /admin. Every answer
also bumps a daily counter per kind and procedure (no text, no resident), which gives
the answered rate and the most asked procedures.

A card's 「役に立った／役に立たなかった」 tap counts per procedure ("helpful",
"unhelpful"); a "not helpful" also keeps the question that led to the card, beside
the unanswered ones (kind "unhelpful"), so a wrong answer is seen, not only a missing
one. The question comes back in the postback data, masked when the card was built and
masked again here (the data passes through the resident's phone): nothing is kept
between the card and the tap.

When the store cannot take a question, the caller logs it (the `unsaved` field of a
`store_failed` line), and `nakabot restore` puts such lines back into the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from bot.conversation import TAPPED, Conversation, Incoming, Outcome
from bot.english import POSTBACK_PREFIX as ENGLISH_POSTBACK
from bot.matcher import Answer
from bot.normalize import Forms, fold
from bot.privacy import mask
from bot.replies import parse_detail, parse_feedback, parse_postback
from bot.store import Store, now, timestamp

PER_RESIDENT_HOUR = 30  # questions kept for review per resident and hour
# What a tapped question-carrying button is shown as (Conversation), in either language.
_TAPPED_SHOWN = tuple(f"{lang}{kind}:" for lang in ("", "en:") for kind in TAPPED.values())
ROW_FIELDS = frozenset({"at", "channel", "text", "normalized", "candidates", "kind", "answer_id", "score",
                        "resident"})


def needs_review(answer: Answer, review_below: float) -> bool:
    return answer.kind in ("fallback", "clarify") or answer.score < review_below


def masked_forms(conversation: Conversation, text: str, forms: Forms | None = None) -> tuple[str, str]:
    """The text masked, and its normal form (the masked text's, never the raw one's).

    `forms` is the matcher's analysis of `text`, reused when masking changed nothing.
    """
    masked = mask(text)
    normalized = (forms if forms is not None and masked == text
                  else conversation.matcher.normalize(masked)).surface
    # Normalising drops every separator, so digits kept apart in the text can meet there
    # (1234★5678★9012 -> 123456789012): the normal form is masked again, to be sure.
    if (again := mask(normalized)) != normalized:
        normalized = fold(again)
    return masked, normalized


def review_row(conversation: Conversation, incoming: Incoming, outcome: Outcome,
               channel: str, at: dt.datetime | None = None) -> dict[str, Any] | None:
    """The question as staff will see it (masked, JSON-ready), or None if it needs no review."""
    if outcome.shown.startswith("unhelpful:") and incoming.kind == "postback":
        return unhelpful_row(conversation, incoming, channel, at)
    if outcome.shown.startswith(_TAPPED_SHOWN) and incoming.kind == "postback":
        return chosen_row(conversation, incoming, channel, at)
    answer = outcome.answer
    if answer is None or not needs_review(answer, conversation.matcher.thresholds.review):
        return None
    masked, normalized = masked_forms(conversation, incoming.text, answer.forms)
    return {"at": timestamp(at or now()), "channel": channel, "text": masked,
            "normalized": normalized,
            "candidates": [[c.id, round(c.score, 1)] for c in answer.candidates],
            "kind": answer.kind, "answer_id": answer.id, "score": round(answer.score, 1),
            "resident": incoming.resident}


def unhelpful_row(conversation: Conversation, incoming: Incoming, channel: str,
                  at: dt.datetime | None = None) -> dict[str, Any] | None:
    """A "not helpful" tap as a review row: the question that led to the card, and the card."""
    key, value = parse_postback(incoming.text)
    said = parse_feedback(value) if key == "f" else None
    if said is None or said.helpful:
        return None
    return _tap_row(conversation, incoming, channel, at, "unhelpful", said.procedure_id, said.question)


def chosen_row(conversation: Conversation, incoming: Incoming, channel: str,
               at: dt.datetime | None = None) -> dict[str, Any] | None:
    """A 「もしかして」 button tapped, as a review row: the question the bot was not sure of,
    and the card the resident chose for it (words to add to that card's examples); a
    runner-up taken under a card (kind "instead": the card answered was likely the wrong
    one); or a card taken under a topic not handled (kind "related": was the topic the wrong
    answer?)."""
    key, value = parse_postback(incoming.text.removeprefix(ENGLISH_POSTBACK))
    procedure_id, question = parse_detail(value) if key in TAPPED else ("", "")
    if not procedure_id or not question:
        return None
    return _tap_row(conversation, incoming, channel, at, TAPPED[key], procedure_id, question)


def _tap_row(conversation: Conversation, incoming: Incoming, channel: str, at: dt.datetime | None,
             kind: str, procedure_id: str, question: str) -> dict[str, Any]:
    """A tapped button's review row: the question it carried and the card it names. The
    postback carries the question masked when the reply was built; masked again here, since
    postback data comes back from the resident's phone."""
    masked, normalized = masked_forms(conversation, question)
    return {"at": timestamp(at or now()), "channel": channel, "text": masked,
            "normalized": normalized, "candidates": [[procedure_id, 0.0]], "kind": kind,
            "answer_id": procedure_id, "score": 0.0, "resident": incoming.resident}


def record(store: Store, outcome: Outcome, row: dict[str, Any] | None,
           per_hour: int = PER_RESIDENT_HOUR) -> bool:
    """Count the answer, and keep `row` (from review_row) if there is one; True if kept.

    A resident who already added `per_hour` questions in the past hour is counted but
    not kept: any LINE friend can send distinct texts, and each one costs staff a line
    and /admin's grouping some work.

    Raises StoreError; callers log it, with the row, and carry on.
    """
    answer = outcome.answer
    if answer is None:
        shown, _, target = outcome.shown.partition(":")
        if shown == "procedure" or shown in TAPPED.values():  # a tapped button showed a procedure
            store.count("tap", target)
        elif shown in ("detail", "helpful", "unhelpful"):  # 「くわしく」, and the one-tap verdict
            store.count(shown, target)
        if row is None:
            return False
        save(store, row)
        return True
    store.count(answer.kind, answer.id)
    if row is None:
        return False
    resident = row["resident"]
    if resident and store.questions_from(resident, now() - dt.timedelta(hours=1)) >= per_hour:
        return False
    save(store, row)
    return True


def save(store: Store, row: dict[str, Any]) -> None:
    """Keep one review row, as review_row made it (or as a log line carried it)."""
    store.record_unanswered(
        text=row["text"], normalized=row["normalized"],
        candidates=[(c, float(s)) for c, s in row["candidates"]], kind=row["kind"],
        answer_id=row["answer_id"], score=float(row["score"]), resident=row["resident"],
        channel=row["channel"], at=dt.datetime.fromisoformat(row["at"]))


def unsaved_rows(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The review rows that `store_failed` log lines carry, from a log as a drain keeps it
    (any prefix before the JSON, such as a time stamp or a process name, is skipped)."""
    for line in lines:
        start = line.find("{")
        if start < 0:
            continue
        try:
            entry = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "store_failed":
            row = entry.get("unsaved")
            if isinstance(row, dict) and row.keys() >= ROW_FIELDS:
                yield row


def restore(store: Store, rows: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Save rows from the log that the store does not hold yet: (saved, already there).

    A row is the same question when its time, text and resident are, so the same log
    can be restored twice without doubling anything. Raises StoreError.
    """
    rows = list(rows)
    if not rows:
        return 0, 0
    moments = [dt.datetime.fromisoformat(row["at"]) for row in rows]
    # One read for the log's whole span (an outage: minutes or hours), not one per row.
    held = {(r.at, r.text, r.resident) for r in store.unanswered(
        min(moments), max(moments) + dt.timedelta(microseconds=1), states=())}
    saved = already = 0
    for row, at in zip(rows, moments, strict=True):
        key = (timestamp(at), row["text"], row["resident"])
        if key in held:
            already += 1
        else:
            save(store, row)
            held.add(key)
            saved += 1
    return saved, already
