"""Measure matching on labelled questions: {"text": ..., "expect": [ids] | null}.

Scoring is strict, as a resident experiences it:
- top-1: the bot answered directly (procedure or intent) with an expected id;
- top-3: an expected id was answered, or is among the first three a clarify offers, or
  among the 「もしかして」 buttons of a fallback, the cards offered beside a topic not
  handled, or the close runners-up offered under a card (Answer.suggested);
- rejected: an off-topic question (expect null) got the fallback, or the reply that the
  bot does not handle that topic (an intent "outside-...", see intents/outside-*.yaml);
- suggested: an off-topic question whose fallback or topic-not-handled reply offered
  cards as buttons (rejected all the same: no card is shown, and the reply says nothing
  was found for certain, or that the topic is not handled);
- wrong card: an off-topic question got a procedure card (worse than either).
A dialogue set (lines with "turns") is scored turn by turn: see evaluate_dialogues.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot.catalogue import Catalogue
from bot.conversation import Conversation, Incoming
from bot.english import is_english
from bot.followup import LocalMemory
from bot.matcher import INTENT_PREFIX, OUTSIDE_PREFIX, Answer, Matcher
from bot.several import EXPLAINED, EXPLAINED_ENGLISH, several


def answered_id(answer: Answer) -> str | None:
    if answer.kind == "procedure":
        return answer.id
    if answer.kind == "intent":
        return INTENT_PREFIX + (answer.id or "")
    return None


def is_outside(answer: Answer) -> bool:
    """The reply that this bot does not handle the topic (and where to ask instead)."""
    return answer.kind == "intent" and (answer.id or "").startswith(OUTSIDE_PREFIX)


def evaluate(matcher: Matcher, catalogue: Catalogue, cases: list[dict[str, Any]],
             english: Matcher | None = None) -> dict[str, Any]:
    """`english`: the matcher for questions written in English (bot/english.py), if any."""
    in_scope = top1 = top3 = off_topic = rejected = suggested = wrong_card = 0
    english_in_scope = english_top1 = 0
    asked_matcher = matcher
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for case in cases:
        in_english = english is not None and is_english(case["text"])
        matcher = english if in_english and english is not None else asked_matcher
        answer = matcher.match(case["text"])
        got = answered_id(answer)
        offered = ([c.id for c in answer.candidates[:3]] if answer.kind == "clarify"
                   else [got, *answer.suggested])
        # A message naming two topics gets each (English texts share more common words).
        answers = several(matcher, answer, EXPLAINED_ENGLISH if in_english else EXPLAINED)
        cards = [a.id for a in answers if a.kind == "procedure" and a.id]
        if answers:
            offered = cards + [c.id for a in answers if a.kind == "clarify" for c in a.candidates[:3]]
            offered += [s for a in answers if a.kind == "fallback" for s in a.suggested]
        expect = case.get("expect")
        if not expect:  # null (GUIDE.md), or an empty list: nothing should be answered
            off_topic += 1
            ok = not answers and (answer.kind == "fallback" or is_outside(answer))
            rejected += ok
            suggested += ok and bool(answer.suggested)
            wrong_card += answer.kind == "procedure" or bool(cards)
        else:
            in_scope += 1
            ok = any(c in expect for c in cards) if answers else got in expect
            top1 += ok
            top3 += ok or any(c in expect for c in offered)
            english_in_scope += in_english
            english_top1 += in_english and ok
            category = _category(catalogue, expect[0])
            per_category[category][0] += ok
            per_category[category][1] += 1
        if not ok:
            misses.append({"text": case["text"], "expect": expect, "kind": answer.kind,
                           "id": "+".join(cards) if answers else answer.id,
                           "candidates": [c.id for c in answer.candidates],
                           "score": round(answer.score, 1)})
    return {
        "questions": len(cases),
        "in_scope": in_scope,
        "top1": _share(top1, in_scope),
        "top3": _share(top3, in_scope),
        "off_topic": off_topic,
        "rejected": _share(rejected, off_topic),
        "suggested": _share(suggested, off_topic),
        "wrong_card": _share(wrong_card, off_topic),
        "english_in_scope": english_in_scope,
        "english_top1": _share(english_top1, english_in_scope),
        "per_category": {k: {"top1": _share(v[0], v[1]), "n": v[1]} for k, v in sorted(per_category.items())},
        "misses": misses,
    }


def _category(catalogue: Catalogue, entry_id: str) -> str:
    if entry_id.startswith(INTENT_PREFIX):
        return "intent"
    procedure = catalogue.procedure(entry_id)
    return procedure.category if procedure else "unknown"


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"questions: {report['questions']} (in scope {report['in_scope']}, off-topic {report['off_topic']})",
        f"top-1 accuracy:       {report['top1']:.3f}",
        f"within first three:   {report['top3']:.3f}",
        f"off-topic rejected:   {report['rejected']:.3f}",
        f"  ... with 「もしかして」: {report['suggested']:.3f}",
        f"off-topic wrong card: {report['wrong_card']:.3f}",
        f"English top-1:        {report['english_top1']:.3f}  (n={report['english_in_scope']})",
        "per category (top-1):",
    ]
    lines += [f"  {name:<10} {v['top1']:.3f}  (n={v['n']})" for name, v in report["per_category"].items()]
    lines.append(f"misses: {len(report['misses'])}")
    for miss in report["misses"]:
        got = miss["id"] or "/".join(miss["candidates"][:3]) or "-"
        lines.append(f"  ✗ {miss['text']}  expect={miss['expect']}  "
                     f"got={miss['kind']}:{got} ({miss['score']})")
    return "\n".join(lines)


# --- dialogues: several turns, each scored as the resident sees it -------------------------
def is_dialogue_set(cases: list[dict[str, Any]]) -> bool:
    """A dialogue set has lines {"turns": [{"text" | "postback": ..., "shown": ...}, ...]}."""
    return bool(cases) and all("turns" in case for case in cases)


def evaluate_dialogues(conversation: Conversation, dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    """Each dialogue through the whole conversation, with its own follow-up memory.

    A turn is right when what was shown (Outcome.shown: "procedure:ID",
    "fact:ID:fee", "several:A+B", "intent:outside-gomi", ...) is one of those expected.
    """
    turns = right = whole = 0
    misses = []
    for number, dialogue in enumerate(dialogues, start=1):
        memory = LocalMemory()
        resident = f"dialogue-{number}"
        all_right = True
        for turn in dialogue["turns"]:
            incoming = (Incoming("postback", turn["postback"], resident) if "postback" in turn
                        else Incoming("text", turn["text"], resident))
            shown = conversation.respond(incoming, memory).shown
            expect = turn["shown"] if isinstance(turn["shown"], list) else [turn["shown"]]
            turns += 1
            if shown in expect:
                right += 1
            else:
                all_right = False
                misses.append({"dialogue": dialogue.get("id", number), "text": incoming.text,
                               "expect": expect, "shown": shown})
        whole += all_right
    return {"dialogues": len(dialogues), "turns": turns, "turns_right": _share(right, turns),
            "dialogues_right": _share(whole, len(dialogues)), "misses": misses}


def format_dialogue_report(report: dict[str, Any]) -> str:
    lines = [
        f"dialogues: {report['dialogues']} (turns {report['turns']})",
        f"turns right:          {report['turns_right']:.3f}",
        f"dialogues all right:  {report['dialogues_right']:.3f}",
        f"misses: {len(report['misses'])}",
    ]
    lines += [f"  ✗ [{m['dialogue']}] {m['text']}  expect={'|'.join(m['expect'])}  shown={m['shown']}"
              for m in report["misses"]]
    return "\n".join(lines)
