"""Every answer the matchers give, one JSON line per text: the proof a speed change changed none.

Run on demand, once before and once after a change, then compare the two files byte for byte:

    .venv/bin/python bench/answers_dump.py > /tmp/after.jsonl
    PYTHONPATH=/tmp/before .venv/bin/python bench/answers_dump.py --root /tmp/before > /tmp/before.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

The texts: every question and dialogue turn of the non-blind sets in tests/data (the
*-blind sets are never read), and every title, label, keyword and example of the
catalogue, in Japanese and in English. Each text goes through the Japanese matcher and
the English one (rank: the normalised forms, every candidate with its unrounded score,
evidence and unexplained words; match: the answer), and through Conversation.respond
(what the resident is shown, several cards included).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot import content
from bot.conversation import Conversation, Incoming
from bot.matcher import Matcher

ROOT = Path(__file__).resolve().parents[1]


def set_texts(data: Path) -> list[str]:
    texts: list[str] = []
    for path in sorted(data.glob("*.jsonl")):
        if "blind" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            if "turns" in case:
                texts += [turn["text"] for turn in case["turns"] if "text" in turn]
            elif "text" in case:
                texts.append(case["text"])
    return texts


def catalogue_texts(conversation: Conversation) -> list[str]:
    catalogue = conversation.catalogue
    texts: list[str] = []
    for p in catalogue.procedures:
        texts += [p.title, p.legal_title or "", p.label, *p.keywords, *p.examples]
        if p.en is not None:
            texts += [p.en.title, p.en.label, *p.en.keywords, *p.en.examples]
    for intent in catalogue.intents:
        texts += [*intent.keywords, *intent.examples]
    for name, words, _ in catalogue.english.intents:
        texts += [name, *words]
    for _, words in catalogue.english.outside:
        texts += list(words)
    return [t for t in texts if t]


def ranked(matcher: Matcher, text: str) -> dict[str, object]:
    forms, candidates = matcher.rank(text)
    return {"forms": [forms.surface, forms.reading],
            "rank": [[c.id, repr(c.score), list(c.evidence), list(c.unexplained)] for c in candidates],
            "match": matcher.match(text).as_dict()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose catalogue is read")
    args = parser.parse_args()
    import bot
    print("code:", bot.__file__, file=sys.stderr)
    conversation = Conversation(content.load(args.root))
    # The question sets of this checkout, so both trees answer the same texts.
    texts = set_texts(ROOT / "tests" / "data") + catalogue_texts(conversation)
    for text in texts:
        line = {"text": text, "ja": ranked(conversation.matcher, text),
                "en": ranked(conversation.english.matcher, text),
                "shown": conversation.respond(Incoming("text", text)).shown}
        print(json.dumps(line, ensure_ascii=False))
    print("texts:", len(texts), file=sys.stderr)


if __name__ == "__main__":
    main()
