"""How far two careful people agree when labelling real questions, and what that does to
the bot's figures.

    .venv/bin/python bench/label_agreement.py    # bench/data/second-labels/*.jsonl

A second labeller, who never saw the collectors' labels, labelled a random sample of the
development halves with the same rules (every id whose card would really help, or null).
Each line of bench/data/second-labels/DATE.jsonl: {"set", "text", "second"}; the first
labels are read from tests/data/<set>.jsonl, so they are never copied. Development halves
only: the sample was drawn from them, and the blind halves stay unread.

Printed per language: how often the two agree that a question is in scope or not, how
often they share an id, and the bot's top-1 and wrong cards scored against each labeller.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import on_arrival  # noqa: E402

from bot import content  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.english import is_english  # noqa: E402
from bot.evaluation import answered_id  # noqa: E402

KINDS = ("both null", "both in scope, an id shared", "both in scope, no id shared",
         "first in scope, second null", "first null, second in scope")


def first_labels(set_name: str) -> dict[str, set[str]]:
    path = ROOT / "tests" / "data" / f"{set_name}.jsonl"
    if "blind" in set_name:
        raise SystemExit(f"{set_name}: second labels are for development halves only")
    return {row["text"]: set(row["expect"] or []) for row in on_arrival.read(path)}


def kind(first: set[str], second: set[str]) -> str:
    if not first and not second:
        return KINDS[0]
    if first and second:
        return KINDS[1] if first & second else KINDS[2]
    return KINDS[3] if first else KINDS[4]


def main() -> None:
    conversation = Conversation(content.load(ROOT))
    firsts: dict[str, dict[str, set[str]]] = {}
    for path in sorted((ROOT / "bench" / "data" / "second-labels").glob("*.jsonl")):
        counts: dict[str, Counter[str]] = {"ja": Counter(), "en": Counter()}
        for row in on_arrival.read(path):
            if row["set"] not in firsts:
                firsts[row["set"]] = first_labels(row["set"])
            first, second = firsts[row["set"]][row["text"]], set(row["second"] or [])
            language = "en" if is_english(row["text"]) else "ja"
            tally = counts[language]
            tally[kind(first, second)] += 1
            matcher = conversation.english.matcher if language == "en" else conversation.matcher
            answer = matcher.match(row["text"])
            got = answered_id(answer)
            card = answer.kind == "procedure"
            for who, labels in (("first", first), ("second", second)):
                if labels:
                    tally[f"{who}: in scope"] += 1
                    tally[f"{who}: right"] += got in labels
                else:
                    tally[f"{who}: off-topic"] += 1
                    tally[f"{who}: wrong card"] += card
        print(f"## {path.name}")
        for language, tally in counts.items():
            total = sum(tally[k] for k in KINDS)
            if not total:
                continue
            same_scope = tally[KINDS[0]] + tally[KINDS[1]] + tally[KINDS[2]]
            print(f"{language}: {total} questions; agree in scope or not {same_scope} "
                  f"({same_scope / total:.3f}); an id shared where both say in scope "
                  f"{tally[KINDS[1]]} of {tally[KINDS[1]] + tally[KINDS[2]]}")
            for name in KINDS:
                print(f"  {name:30} {tally[name]}")
            for who in ("first", "second"):
                inside, off = tally[f"{who}: in scope"], tally[f"{who}: off-topic"]
                right, wrong = tally[f"{who}: right"], tally[f"{who}: wrong card"]
                print(f"  the bot scored by the {who} labels: top-1 {right} of {inside}"
                      f" ({right / max(1, inside):.3f}), wrong cards {wrong} of {off}"
                      f" ({wrong / max(1, off):.3f})")


if __name__ == "__main__":
    main()
