"""Closeness in meaning (bot/semantic.py): an option of the English matcher, measured beside the
words in bench/matching_methods.py. Since the seventh round the bot compares words only: with
words, the meaning lost on the development sets (docs/matching.md)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from bot.english import EnglishMatcher, english_catalogue
from bot.matcher import Answer, Candidate
from bot.semantic import WHEN_UNSURE, Meaning, model, settle, vectors


@pytest.fixture(scope="module")
def matchers(catalogue):
    """The English matcher as the bot has it (words only), and the same with the meaning on."""
    english = english_catalogue(catalogue)
    return EnglishMatcher(english), EnglishMatcher(english, when_unsure=WHEN_UNSURE)


def test_the_bot_compares_english_words_and_reads_no_model(conversation):
    assert conversation.english.matcher.when_unsure is None
    assert conversation.english.matcher.meaning is None


def test_the_model_is_read_from_the_installed_wheel_without_any_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("WordLlama tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    model.cache_clear()
    meaning = Meaning([("shussei", ["birth registration"]), ("gomi", ["garbage collection days"])])
    close = meaning.closeness("How do I register my new baby?")
    assert close["shussei"] > close["gomi"] + 0.3


def test_the_vectors_are_wordllamas_own(monkeypatch):
    from pathlib import Path

    import wordllama
    from wordllama import WordLlama

    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("network"))
    theirs = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    texts = ["How do I register my new baby?", "residence certificate", "住民票"]
    assert np.allclose(vectors(texts), theirs.embed(texts), atol=1e-3)


def test_with_the_meaning_on_a_sure_answer_stays_and_an_unsure_one_may_be_withheld(matchers):
    words_only, with_meaning = matchers
    visa = "How do I renew my visa?"  # sure: a topic not handled, with or without the meaning
    assert (with_meaning.match(visa).kind, with_meaning.match(visa).id) == ("intent", "outside-en-visa")
    # A card the words find with a low score, far in meaning from the question: withheld.
    question = "What are Hoikuens and Yochiens?"
    assert (words_only.match(question).kind, words_only.match(question).id) == (
        "procedure", "hoiku-riyou-moushikomi")
    assert with_meaning.match(question).kind == "fallback"


def test_a_sure_answer_is_left_as_it_is_and_meaning_is_not_even_computed():
    sure = Answer("procedure", "juminhyo", (Candidate("juminhyo", 98.0),), 98.0, "residence certificate")

    def closeness():
        raise AssertionError("computed for a sure answer")

    assert settle(sure, closeness, WHEN_UNSURE) is sure


def test_a_fallback_is_answered_only_when_meaning_agrees_clearly_with_the_letters():
    unsure = Answer("fallback", None, (Candidate("okuyami", 60.0), Candidate("shussei", 50.0)), 60.0, "q")
    agrees = {"okuyami": 0.8, "shussei": 0.5}
    assert settle(unsure, lambda: agrees, WHEN_UNSURE).id == "okuyami"
    too_close = {"okuyami": 0.8, "shussei": 0.7}  # ahead by less than fallback_lead
    assert settle(unsure, lambda: too_close, WHEN_UNSURE).kind == "fallback"
    disagrees = {"okuyami": 0.5, "shussei": 0.8}  # meaning points elsewhere: still not sure
    assert settle(unsure, lambda: disagrees, WHEN_UNSURE).kind == "fallback"
