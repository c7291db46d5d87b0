"""One message, several procedures: 「住民票と印鑑証明がほしい」 gets both cards.

The message is cut where it names one more thing (normalize.coordinated_parts: と, や,
も after a noun, 及び, and, sentence ends). Each part is matched on its own, and a part
counts when the matcher answers it confidently (a card) or asks which one (a clarify).
A part is left out when another part's procedure explains it too: in
「マイナンバーカードと保険証をひもづけたい」 the マイナ保険証 entry speaks of
マイナンバーカード, so that part is not a second topic but the first one's object.
A comma often sets a topic apart rather than listing two (「保育園、現況届はいつまで」):
when the whole message's answer speaks of every part, the message names one thing.
"""

from __future__ import annotations

from bot.matcher import Answer, Matcher
from bot.normalize import coordinated_parts

MAX_ANSWERS = 4  # LINE takes at most five messages in one reply: a line naming them, one card each
EXPLAINED = 40.0  # a procedure scoring this on another part's words speaks of that part too
# English texts share many common words (certificate, card): unrelated entries score ~80.
EXPLAINED_ENGLISH = 90.0


def several(matcher: Matcher, whole: Answer, explained: float = EXPLAINED) -> list[Answer]:
    """The answers to show, one per topic, when the message names two or more; else [].

    `whole` is the matcher's answer to the whole message (whole.text), which the caller has.
    """
    parts = coordinated_parts(whole.text)
    if len(parts) < 2:
        return []
    if whole.kind == "procedure" and whole.id and all(
            _explained(matcher, part, {whole.id}, explained) for part in parts):
        return []
    answered: list[tuple[str, Answer]] = []
    for part in parts[: MAX_ANSWERS * 2]:
        answer = matcher.match(part)
        if answer.kind in ("procedure", "clarify"):
            answered.append((part, answer))
    cards = {a.id for _, a in answered if a.kind == "procedure" and a.id}
    if not cards:
        return []
    kept: list[Answer] = []
    seen: set[str] = set()
    for part, answer in answered:
        own = ({answer.id} if answer.kind == "procedure" and answer.id
               else {c.id for c in answer.candidates})
        if own & seen or (answer.kind == "clarify" and own & cards):
            continue
        others = cards - own
        if others and _explained(matcher, part, others, explained):
            continue
        seen |= own
        kept.append(answer)
    # Clarifies last: LINE shows the quick-reply buttons of the last message only.
    kept.sort(key=lambda a: a.kind == "clarify")
    return kept[:MAX_ANSWERS] if len(kept) >= 2 else []


def _explained(matcher: Matcher, part: str, procedures: set[str], at_least: float) -> bool:
    _, ranked = matcher.rank(part, limit=30)
    return any(c.id in procedures and c.score >= at_least for c in ranked)
