"""The real-question sets (tests/data/real-2026-12-02-*.jsonl) are well formed and honestly split.

Each line is a question a resident wrote on a public page, with its source, labelled with every
catalogue id that answers it (or null). The split between dev and blind follows the rule written
in docs/eval-sources.md: the first byte of sha256(source URL), odd means blind.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bot.matcher import INTENT_PREFIX

DATA = Path(__file__).parent / "data"
SETS = {"dev": DATA / "real-2026-12-02-dev.jsonl", "blind": DATA / "real-2026-12-02-blind.jsonl"}

# Procedures being added to the catalogue in the same round; the labels may use them before
# the entries land. Once an entry exists it is checked like any other id.
NEW_IDS = {
    "mynumber-card-funshitsu", "mynumber-card-koushin", "hikkoshi", "shussei", "okuyami",
    "kokuho", "shizei-kouza-furikae", "hisaisha-seikatsu-saiken",
}
FIELDS = {"text", "expect", "source", "lang", "collected"}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def goes_blind(url: str) -> bool:
    return hashlib.sha256(url.encode("utf-8")).digest()[0] % 2 == 1


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_line_has_text_labels_and_a_public_source(name):
    for case in read(SETS[name]):
        assert set(case) == FIELDS, case
        assert case["text"].strip() == case["text"] and case["text"], case
        assert case["source"].startswith(("http://", "https://")), case
        assert case["lang"] == "ja" and case["collected"] == "2026-12-02", case
        assert case["expect"] is None or (isinstance(case["expect"], list) and case["expect"]), case


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_label_is_a_catalogue_id_or_an_announced_new_one(name, catalogue):
    known = {p.id for p in catalogue.procedures} | {INTENT_PREFIX + i.id for i in catalogue.intents}
    for case in read(SETS[name]):
        for label in case["expect"] or []:
            assert label in known or label in NEW_IDS, (label, case["text"])


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_split_follows_the_source_url_rule(name):
    for case in read(SETS[name]):
        assert goes_blind(case["source"]) == (name == "blind"), case["source"]


def test_no_question_appears_twice_or_in_the_catalogue_examples(catalogue):
    texts = [case["text"] for path in SETS.values() for case in read(path)]
    assert len(texts) == len(set(texts))
    examples = {e for entry in (*catalogue.procedures, *catalogue.intents) for e in entry.examples}
    assert not examples & set(texts)


def test_the_sets_are_large_enough_to_measure_with():
    cases = [case for path in SETS.values() for case in read(path)]
    in_scope = [c for c in cases if c["expect"]]
    assert len(in_scope) >= 200
    assert len(cases) - len(in_scope) >= 50
    assert len({c["source"] for c in cases}) >= 40
