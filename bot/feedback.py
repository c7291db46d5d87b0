"""What staff learn from each answer: the questions to review, and daily counts.

Every fallback, every clarify and every answer whose score is below the matcher's
`Thresholds.review` is kept, masked, for `nakabot report` and /admin. Every answer
also bumps a daily counter per kind and procedure (no text, no resident), which gives
the answered rate and the most asked procedures.
"""

from __future__ import annotations

from bot.conversation import Conversation, Incoming, Outcome
from bot.matcher import Answer
from bot.privacy import mask
from bot.store import Store


def needs_review(answer: Answer, review_below: float) -> bool:
    return answer.kind in ("fallback", "clarify") or answer.score < review_below


def record(store: Store, conversation: Conversation, incoming: Incoming, outcome: Outcome,
           channel: str) -> bool:
    """Count the answer and keep the question if staff should see it; True if kept.

    Raises StoreError; callers log it and carry on.
    """
    answer = outcome.answer
    if answer is None:
        if outcome.shown.startswith("procedure:"):  # a tapped button showed a procedure
            store.count("tap", outcome.shown.removeprefix("procedure:"))
        return False
    store.count(answer.kind, answer.id)
    if not needs_review(answer, conversation.matcher.thresholds.review):
        return False
    masked = mask(incoming.text)
    # The normal form is stored too: the masked text's, never the raw one's. When masking
    # found nothing, that is the form the matcher already made (no second analysis).
    forms = answer.forms if masked == incoming.text else None
    normalized = (forms or conversation.matcher.normalize(masked)).surface
    store.record_unanswered(
        text=masked, normalized=normalized,
        candidates=[(c.id, c.score) for c in answer.candidates],
        kind=answer.kind, answer_id=answer.id, score=answer.score,
        resident=incoming.resident, channel=channel)
    return True
