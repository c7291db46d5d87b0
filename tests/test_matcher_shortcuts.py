"""The matcher's shortcuts skip only work whose outcome is known: these check that what
they assume of rapidfuzz and of the keyword index holds (bench/answers_dump.py compares
every answer before and after a change; these fail if a rapidfuzz upgrade breaks a bound)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot import content
from bot.matcher import THRESHOLDS, Matcher, _GramIndex, _may_align, _pair_set, _said_forms
from bot.normalize import Normalizer, word_parts

DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"


def test_a_keyword_of_four_or_five_characters_not_in_the_question_never_reaches_90() -> None:
    rng = random.Random(7)
    best: dict[int, float] = {}
    for _ in range(20_000):
        term = "".join(rng.choice("アイウ") for _ in range(rng.choice((4, 5, 6))))
        question = "".join(rng.choice("アイウ") for _ in range(rng.randint(len(term), 12)))
        if term not in question:
            best[len(term)] = max(best.get(len(term), 0.0), fuzz.partial_ratio(term, question))
    assert best[4] < THRESHOLDS.term_partial and best[5] < THRESHOLDS.term_partial
    assert not _may_align(4, THRESHOLDS) and not _may_align(5, THRESHOLDS)
    # Six characters can: the question ends with the keyword's first five.
    assert fuzz.partial_ratio("アイウエオカ", "キクアイウエオ") >= THRESHOLDS.term_partial
    assert _may_align(6, THRESHOLDS) and best[6] >= THRESHOLDS.term_partial


def test_a_text_under_a_quarter_of_the_question_never_reaches_the_resemblance_cutoff() -> None:
    for length in range(1, 80):
        shorter = "ア" * length
        assert fuzz.ratio("ア" * (4 * length + 1), shorter) < THRESHOLDS.resemblance_cutoff
    assert fuzz.ratio("ア" * 8, "ア" * 2) >= THRESHOLDS.resemblance_cutoff  # exactly a quarter: kept


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(content.load())


def test_keywords_filed_under_their_rarest_bigrams_are_those_a_full_count_finds(matcher: Matcher) -> None:
    questions = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    for side, index in enumerate(matcher._term_index):
        for question in questions:
            forms = matcher.normalize(question)
            query = forms.reading if side else forms.surface
            asked = list(_pair_set(query))
            # every keyword sharing all its bigrams but two (all of them: one that counts only
            # as written), by first bigram met
            expected = []
            for position, term in enumerate(index.terms):
                grams = _pair_set(term)
                needed = len(grams) if matcher._verbatim[len(term)] else max(1, len(grams) - 2)
                shared = [rank for rank, gram in enumerate(asked) if gram in grams]
                if shared and len(shared) >= needed and len(term) <= len(query):
                    expected.append((min(shared), position))
            assert index.candidates(query) == [(index.terms[p], p) for _, p in sorted(expected)]
    assert _GramIndex(["住民票"]).candidates("住民票がほしい") == [("住民票", 0)]
    # 住民 (two bigrams, one shared) may be 住民票 with a typo; as written only, it is not there.
    assert _GramIndex(["住民票"]).candidates("住民税") == [("住民票", 0)]
    assert _GramIndex(["住民票"], verbatim=lambda length: length < 4).candidates("住民税") == []


def test_a_keyword_counted_only_as_written_is_met_wherever_the_question_has_it(matcher: Matcher) -> None:
    """Filed under one bigram and needing all: still met in any question that contains it."""
    verbatim = 0
    for index in matcher._term_index:
        for position, term in enumerate(index.terms):
            if len(term) >= 2 and matcher._verbatim[len(term)]:
                verbatim += 1
                assert (term, position) in index.candidates("ていうか" + term + "ですか")
    assert verbatim > 100  # most keywords are this short


def test_one_reading_of_a_question_gives_its_forms_and_its_words() -> None:
    normalize = Normalizer()
    forms, parts = normalize.read("住民票を取りたい")
    assert forms == normalize("住民票を取りたい")
    assert parts[0] == ("住民票", "ジュウミンヒョウ")  # as SudachiPy reads it; folded below
    assert word_parts("住民票を取りたい")[0] == ("住民票", "ジユウミンヒヨウ")


def test_the_entries_sharing_bigrams_are_those_a_count_finds(matcher: Matcher) -> None:
    questions = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    used = [set().union(*(_pair_set(f.surface) | _pair_set(f.reading) for f in _said_forms(entry)))
            for entry in matcher.entries]
    for question in questions[:40]:
        forms = matcher.normalize(question)
        asked = _pair_set(forms.surface) | _pair_set(forms.reading)
        for least in (0, 1, 2, 3):
            sharing = matcher._sharing(asked, least)
            counted = [len(asked & bigrams) >= least for bigrams in used]
            assert [bool(sharing >> i & 1) for i in range(len(used))] == counted
