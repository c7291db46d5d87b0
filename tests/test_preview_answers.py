"""The admin preview's answers to the known questions (bot/preview.py): what a question is
shown comes from Conversation.shown, the reply's decision without its messages, and the
published catalogue's answers are worked out ahead, in the background.

bench/preview_speed.py compares shown with respond for every question of the non-blind
sets; here a sample of them, and the forms a sample may miss.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest
from test_admin import HTTPS
from test_catalogue_admin import client, page, sign_in  # noqa: F401  (client is a fixture)

from bot import preview
from bot.content import REPO_ROOT
from bot.conversation import Conversation, Incoming
from bot.followup import LocalMemory
from bot.replies import postback_for_category, postback_for_detail, postback_for_procedure

# One of each form respond can show: several cards, a category's list, clarify, fallback,
# English (several, a card, not found), a greeting.
FORMS = ("住民票と印鑑証明がほしい", "介護", "子育て", "マイナンバーカード", "今日は雨ですか", "こんにちは",
         "住民票や印鑑証明が必要な時に、忙しくて、市役所が開いている時間にいけない",
         "I need a copy of my residence certificate", "asdfgh",
         "What is the difference between Kokumin Kenkou Hoken and Shakai Hoken?", "ｼﾞｭｳﾐﾝﾋｮｳ")


def kind(shown: str) -> str:
    """"en:procedure:juminhyo" -> "en:procedure"."""
    english = "en:" if shown.startswith("en:") else ""
    return english + shown.removeprefix("en:").split(":")[0]


def test_a_question_is_shown_what_respond_shows_without_building_the_messages(conversation):
    cases = preview.eval_cases(REPO_ROOT / "tests" / "data")
    texts = [case["text"] for case in cases[::15]] + list(FORMS)

    shown = [conversation.shown(text) for text in texts]

    assert shown == [conversation.respond(Incoming("text", text)).shown for text in texts]
    assert {"procedure", "fallback", "several", "en:procedure"} <= {kind(s) for s in shown}


def test_follow_ups_and_buttons_are_decided_as_they_are_answered(conversation):
    said_first, said_again = LocalMemory(), LocalMemory()
    events = [Incoming("text", "住民票がほしい", "resident-a"), Incoming("text", "手数料は？", "resident-a"),
              Incoming("text", "それ", "resident-a"), Incoming("text", "How much is it?", "resident-a"),
              Incoming("postback", postback_for_procedure("inkan-shomei")),
              Incoming("postback", postback_for_category("kaigo")),
              Incoming("postback", postback_for_detail("juminhyo", "住民票")),
              Incoming("postback", "en:" + postback_for_procedure("juminhyo")),
              Incoming("postback", "p=no-such-procedure"), Incoming("follow"), Incoming("other")]

    decided = []
    for incoming in events:
        decision = conversation.decide(incoming, said_first)
        decided.append(decision.shown)
        if incoming.resident and decision.topic:  # what respond remembers
            said_first.remember(incoming.resident, decision.topic)
    outcomes = [conversation.respond(incoming, said_again) for incoming in events]

    assert decided == [outcome.shown for outcome in outcomes]
    assert decided[1].startswith("fact:juminhyo:") and decided[-2:] == ["welcome", "please_type"]
    assert conversation.decide(events[4]).build() == outcomes[4].messages


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing remembered from other tests' previews, and none of theirs still working."""
    preview.wait_ahead()
    monkeypatch.setattr(preview, "_answers", OrderedDict())
    monkeypatch.setattr(preview, "_under_way", {})
    yield
    preview.wait_ahead()


def counting(conversation: Conversation, monkeypatch: pytest.MonkeyPatch,
             gate: threading.Event | None = None) -> list[str]:
    """Every text this conversation is asked about (after `gate` opens, when given)."""
    asked: list[str] = []
    real = conversation.shown

    def shown(text: str) -> str:
        if gate is not None:
            assert gate.wait(30)
        asked.append(text)
        return real(text)

    monkeypatch.setattr(conversation, "shown", shown)
    return asked


CASES: list[dict[str, Any]] = [{"text": text, "set": "dev.jsonl"} for text in FORMS[:4]]


def test_the_published_answers_worked_out_ahead_are_the_ones_the_preview_uses(
        conversation, monkeypatch, fresh):
    asked = counting(conversation, monkeypatch)
    thread = preview.ahead(conversation, CASES)
    assert thread is not None
    thread.join(30)
    assert asked == [case["text"] for case in CASES]

    assert preview.ahead(conversation, CASES) is None  # remembered: not again
    assert preview.answers(conversation, CASES) == [conversation.shown(case["text"]) for case in CASES]
    assert len(asked) == 2 * len(CASES)  # the line above asked; answers() did not


def test_a_preview_opened_while_they_are_worked_out_waits_for_them_rather_than_asking_twice(
        conversation, monkeypatch, fresh):
    gate = threading.Event()
    asked = counting(conversation, monkeypatch, gate)
    assert preview.ahead(conversation, CASES) is not None
    found: list[list[str]] = []
    previewing = threading.Thread(target=lambda: found.append(preview.answers(conversation, CASES)))
    previewing.start()

    gate.set()
    previewing.join(30)
    preview.wait_ahead()

    assert len(found[0]) == len(CASES) and len(asked) == len(CASES)


def test_opening_the_catalogue_starts_the_published_answers_in_the_background(
        client, monkeypatch, fresh):  # noqa: F811
    published = client.events.conversation
    cases = preview.eval_cases(REPO_ROOT / "tests" / "data")
    asked = counting(published, monkeypatch)
    assert client.get("/admin/catalogue", base_url=HTTPS).status_code == 302  # to the login
    preview.wait_ahead()
    assert asked == []  # nothing for someone not signed in
    sign_in(client, "suzuki")

    page(client, "/admin/catalogue")
    preview.wait_ahead()

    assert len(asked) == len(cases)
    assert preview.ahead(published, cases) is None  # remembered for the preview
