"""Closeness in meaning settles the English questions the letters leave unsure (bot/semantic.py)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from bot.english import EnglishMatcher, english_catalogue
from bot.matcher import Answer, Candidate
from bot.semantic import WHEN_UNSURE, Meaning, model, settle, vectors


@pytest.fixture(scope="module")
def matchers(catalogue):
    """The English matcher as the bot has it, and the same comparing letters only."""
    english = english_catalogue(catalogue)
    return EnglishMatcher(english), EnglishMatcher(english, when_unsure=None)


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


def test_a_question_worded_unlike_the_card_reaches_it_when_letters_are_unsure(matchers):
    # The okuyami card says "died" and "death notification", never "tell the city my dad".
    question = "How do I tell the city my dad has died?"
    with_meaning, letters_only = matchers
    assert letters_only.match(question).kind == "fallback"  # the letters alone are unsure
    answer = with_meaning.match(question)
    assert (answer.kind, answer.id, answer.text) == ("procedure", "okuyami", question)


def test_an_off_topic_question_is_not_pulled_to_a_card(matchers):
    # Whether a newborn needs a My Number is about the national system, not a city procedure:
    # the letters point at the My Number Card application, the meaning does not.
    question = "Does my newborn need an Individual Number?"
    with_meaning, letters_only = matchers
    assert letters_only.match(question).id == "mynumber-card-shinsei"
    assert with_meaning.match(question).kind == "fallback"
    # Nor is a question on a topic not handled: it keeps the reply that says so.
    visa = with_meaning.match("How do I renew my visa?")
    assert (visa.kind, visa.id) == ("intent", "outside-en-visa")


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
