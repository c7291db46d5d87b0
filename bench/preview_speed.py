"""Benchmark: the first open of the admin preview (公開の前に確認) of a new draft, before and after.

Run on demand (never in tests), from the repository root:

    .venv/bin/python bench/preview_speed.py [--rounds 3]

The draft: the repository's catalogue with one file edited (the 住民票 card's title, and
keywords other cards own, so that some answers change), checked as saving it in /admin
does (not timed: the save did it). Each round builds a fresh Conversation for the
published catalogue (the one answering residents; not timed), then times the two ways in
turns, so that a machine that slows down slows both:

- before: the page as it was up to commit 9ae595d. The preview's caches are empty (a new
  draft): preview.changed_cards builds a second Conversation for the published catalogue
  and one for the draft, draws both sides' cards, and both catalogues answer every known
  question through Conversation.respond, LINE messages built. "(builds+cards)" is the
  part before the questions: the two Conversations and the cards.
- after: preview.compare as the page calls it now. The published side's answers were
  worked out ahead by preview.ahead when staff opened the catalogue or a file: timed
  apart ("ahead"), staff do not wait for it. The draft's answers come from
  Conversation.shown, its messages not built.

It also checks, for every known question (the non-blind sets), that Conversation.shown
gives what respond shows on both catalogues, and that both ways find the same differences.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from typing import Any

from bot import content, preview, versions
from bot.catalogue import Catalogue
from bot.conversation import Conversation, Incoming

JUMINHYO = "procedures/shomeisho/juminhyo.yaml"


def draft_catalogue() -> tuple[Catalogue, list[str]]:
    tree, _ = versions.read_tree(content.REPO_ROOT)
    text = re.sub(r"^title: (.*)$", r"title: \1（写し）", tree[JUMINHYO], count=1, flags=re.MULTILINE)
    # Words other cards own: some known questions are now answered otherwise.
    added = "".join(f"  - {word}\n" for word in ("コンビニ", "証明書", "マイナンバーカード"))
    text = re.sub(r"^keywords:\n", "keywords:\n" + added, text, count=1, flags=re.MULTILINE)
    report = versions.inspect({**tree, JUMINHYO: text})
    assert report.catalogue is not None, [str(p) for p in report.errors]
    return report.catalogue, [JUMINHYO]


def fresh() -> None:
    """A new draft's first preview: nothing remembered."""
    preview._conversations.clear()
    preview._answers.clear()


def by_respond(conversation: Conversation, cases: list[dict[str, Any]]) -> list[str]:
    """preview.answers as it was: each question through respond, its messages built."""
    return [conversation.respond(Incoming("text", case["text"])).shown for case in cases]


Timed = tuple[float, float, float, list[preview.Difference], list[list[str]]]


def before(serving: Conversation, draft: Catalogue, paths: list[str], cases: list[dict[str, Any]]) -> Timed:
    fresh()
    started, started_cpu = time.perf_counter(), time.thread_time()
    cards = preview.changed_cards(serving.catalogue, draft, paths)
    drafted = preview.conversation_for(draft)
    built = time.perf_counter() - started
    shown = [by_respond(serving, cases), by_respond(drafted, cases)]
    remembered = preview.answers
    preview.answers = lambda conversation, _: shown[conversation is drafted]  # type: ignore[assignment]
    try:
        found = preview.differences(serving, drafted, cases)
    finally:
        preview.answers = remembered  # type: ignore[assignment]
    assert cards
    return time.perf_counter() - started, time.thread_time() - started_cpu, built, found, shown


def after(serving: Conversation, draft: Catalogue, paths: list[str], cases: list[dict[str, Any]]) -> Timed:
    fresh()
    started = time.perf_counter()
    thread = preview.ahead(serving, cases)
    assert thread is not None
    thread.join()
    ahead = time.perf_counter() - started
    started, started_cpu = time.perf_counter(), time.thread_time()
    cards, found = preview.compare(serving, draft, paths, cases)
    took, cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    assert cards
    drafted = preview.conversation_for(draft)
    return took, cpu, ahead, found, [preview.answers(serving, cases), preview.answers(drafted, cases)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cases = preview.eval_cases(content.REPO_ROOT / "tests" / "data")
    catalogue = content.load()
    draft, paths = draft_catalogue()
    print(f"{len(cases)} known questions; draft: {', '.join(paths)} edited")
    print(f"{'round':>5} {'before s':>9} {'(builds+cards)':>15} {'after s':>8} {'ahead s':>8} "
          f"{'after/before':>13} {'CPU: before s':>14} {'after s':>8} {'after/before':>13}")
    befores, afters, cpu_befores, cpu_afters, same = [], [], [], [], True
    for round_ in range(1, args.rounds + 1):
        sides: dict[str, Any] = {}
        for side in (("before", "after") if round_ % 2 else ("after", "before")):
            serving = Conversation(catalogue)  # the one answering residents: built at load, not timed
            sides[side] = (before if side == "before" else after)(serving, draft, paths, cases)
        (old_s, old_cpu, built_s, old_found, old_shown) = sides["before"]
        (new_s, new_cpu, ahead_s, new_found, new_shown) = sides["after"]
        if old_shown != new_shown or old_found != new_found:
            same = False
            wrong = [(case["text"], o, n) for shown_o, shown_n in zip(old_shown, new_shown, strict=True)
                     for case, o, n in zip(cases, shown_o, shown_n, strict=True) if o != n]
            print(f"DIFFERENT: {len(wrong)} answers, e.g. {wrong[:3]}; differences {len(old_found)} "
                  f"before, {len(new_found)} after", file=sys.stderr)
        befores.append(old_s)
        afters.append(new_s)
        cpu_befores.append(old_cpu)
        cpu_afters.append(new_cpu)
        print(f"{round_:>5} {old_s:>9.2f} {built_s:>15.2f} {new_s:>8.2f} {ahead_s:>8.2f} "
              f"{new_s / old_s:>13.2f} {old_cpu:>14.2f} {new_cpu:>8.2f} {new_cpu / old_cpu:>13.2f}")
    for name, olds, news in (("wall", befores, afters), ("CPU", cpu_befores, cpu_afters)):
        old, new = statistics.median(olds), statistics.median(news)
        print(f"median {name}: before {old:.2f} s, after {new:.2f} s, after/before {new / old:.2f} "
              f"({old / new:.1f}x faster)")
    print(f"shown == respond().shown for all {len(cases)} questions on both catalogues, and the same "
          f"{len(new_found)} differences: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
