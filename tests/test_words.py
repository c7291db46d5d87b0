"""English questions are compared word by word (bot/words.py), through the English matcher."""

from __future__ import annotations

import pytest

from bot.english import STOP_WORDS, EnglishMatcher, english_catalogue
from bot.words import WordIndex, words_of


@pytest.fixture(scope="module")
def english(catalogue):
    return EnglishMatcher(english_catalogue(catalogue))


def test_a_word_is_its_stem_whatever_its_ending():
    assert words_of("I moved", STOP_WORDS) == words_of("moving", STOP_WORDS) == words_of("move", STOP_WORDS)
    assert words_of("I don’t know", STOP_WORDS) == words_of("I don't know", STOP_WORDS)


def test_a_word_one_typo_from_a_catalogue_word_is_read_as_that_word():
    texts = [[("keyword", "residence certificate")], [("keyword", "seal registration")]]
    index = WordIndex(texts, STOP_WORDS)
    assert index.read("residence certficate") == index.read("residence certificate")
    # Short words are not corrected: one letter off is another word.
    assert "car" in index.read("my car")


def test_rare_words_weigh_more_than_words_every_entry_uses():
    index = WordIndex([[("keyword", "inkan certificate")], [("keyword", "residence certificate")],
                       [("keyword", "tax certificate")]], STOP_WORDS)
    assert index.idf["inkan"] > index.idf["certif"]


@pytest.mark.parametrize(("question", "kind", "answer"), [
    ("I am moving house next month", "procedure", "hikkoshi"),  # moving / moved, house
    ("residence certficate", "procedure", "juminhyo"),  # a typo
    ("My baby was born last week", "procedure", "shussei"),
    ("Where do I register my seal?", "procedure", "inkan-touroku"),
    ("I Lost My Residence Card - What Now?", "intent", "outside-en-residence-card"),  # not the My Number card
])
def test_english_questions_by_their_words(english, question, kind, answer):
    got = english.match(question)
    assert (got.kind, got.id) == (kind, answer)


def test_letters_shared_by_unrelated_words_are_no_evidence(english):
    # "hanko" and "thanks" share h-a-n-k: compared by letters the thanks intent scored 57.
    ranked = [c.id for c in english.rank("hanko")[1]]
    assert set(ranked) == {"inkan-shomei", "inkan-touroku", "intent:outside-en-hanko-shop"}
    answer = english.match("hanko")  # 'hanko' is the registration card's word, 'inkan' too
    assert (answer.kind, answer.id) == ("procedure", "inkan-touroku")
