"""Follow-ups about the last card (issue 16, item 4): 「必要なものは？」「それ」 after a card."""

from __future__ import annotations

import pytest
from conftest import USER_ID, body_of, post, text_event

from bot.conversation import Incoming
from bot.followup import LocalMemory, asked
from bot.replies import limit_problems


def say(conversation, memory, text, resident="k1"):
    return conversation.respond(Incoming("text", text, resident), memory)


@pytest.mark.parametrize(("text", "fact"), [
    ("必要なものは？", "prepare"), ("持ち物は", "prepare"), ("手数料は？", "fee"), ("いくら？", "fee"),
    ("何時まで？", "hours"), ("いつまで？", "when"), ("オンラインでできる？", "online"),
    ("スマホでできますか", "online"), ("どこで？", "where"), ("電話番号は", "phone"),
])
def test_the_fact_a_follow_up_asks_is_read_from_its_wording(text, fact):
    assert asked(text).fact == fact
    assert asked(text).rest == ""  # nothing else: no new topic


def test_a_follow_up_gets_that_fact_of_the_last_card_with_its_button(conversation):
    memory = LocalMemory()
    assert say(conversation, memory, "住民票がほしい").shown == "procedure:juminhyo"
    outcome = say(conversation, memory, "必要なものは？")

    assert outcome.shown == "fact:juminhyo:prepare"
    [message] = outcome.messages
    assert "本人確認書類" in message["text"]
    assert message["quickReply"]["items"][0]["action"]["data"] == "p=juminhyo"
    assert limit_problems(outcome.messages) == []


def test_an_unknown_fact_sends_the_resident_to_the_city_not_a_guess(conversation, catalogue):
    memory = LocalMemory()
    say(conversation, memory, "住民票がほしい")
    juminhyo = catalogue.procedure("juminhyo")
    assert juminhyo.fee is None  # not confirmed for Naka (naka-facts.md)
    text = say(conversation, memory, "手数料は？").messages[0]["text"]
    assert catalogue.city.phone in text and "円" not in text


def test_that_one_and_a_new_topic(conversation):
    memory = LocalMemory()
    say(conversation, memory, "印鑑証明がほしい")
    assert say(conversation, memory, "さっきの").shown == "procedure:inkan-shomei"
    assert say(conversation, memory, "それはオンラインでできる？").shown == "fact:inkan-shomei:online"
    # A new topic replaces the old one, also when it asks a fact.
    assert say(conversation, memory, "戸籍謄本の手数料は").shown == "procedure:koseki-shomei"
    assert say(conversation, memory, "いつまで？").shown == "fact:koseki-shomei:when"
    # A topic the bot does not handle is not taken for a follow-up.
    assert say(conversation, memory, "粗大ごみはどこで出せる").shown == "intent:outside-gomi"


def test_a_follow_up_that_only_resembles_another_card_stays_with_the_last_one(conversation):
    memory = LocalMemory()
    say(conversation, memory, "児童手当の申請をしたい")
    # 「…いつまでに出せば」 is nearly an example of the 死亡届 card, but names nothing of it.
    assert say(conversation, memory, "これはいつまでに出せばいいの？").shown == "fact:jidou-teate-nintei:when"
    # 死亡届 names the other card: a new topic.
    assert say(conversation, memory, "死亡届はいつまでに出せばいいの？").shown == "procedure:okuyami"


def test_no_card_shown_no_follow_up_and_residents_do_not_share(conversation):
    memory = LocalMemory()
    assert say(conversation, memory, "手数料は？").shown != "fact"
    say(conversation, memory, "住民票がほしい", resident="k1")
    assert not say(conversation, memory, "手数料は？", resident="k2").shown.startswith("fact:")
    without_memory = conversation.respond(Incoming("text", "手数料は？", "k1"))
    assert not without_memory.shown.startswith("fact:")


def test_the_topic_expires(conversation):
    now = [0.0]
    memory = LocalMemory(seconds=1800, clock=lambda: now[0])
    say(conversation, memory, "住民票がほしい")
    now[0] = 1801.0
    assert not say(conversation, memory, "必要なものは？").shown.startswith("fact:")


def test_a_tapped_card_is_the_topic_too(conversation):
    memory = LocalMemory()
    conversation.respond(Incoming("postback", "p=kaigo-nintei", "k1"), memory)
    assert say(conversation, memory, "電話番号は？").shown == "fact:kaigo-nintei:phone"


def test_on_line_the_topic_is_kept_in_the_store_between_webhooks(client, events, fake_line):
    post(client, body_of(text_event("住民票がほしい")))
    post(client, body_of(text_event("必要なものは？")))

    first, second = fake_line.replies
    assert first.body["messages"][0]["type"] == "flex"
    assert second.problems == []
    assert second.body["messages"][0]["text"].startswith("【住民票を取る】")
    store = events.store
    topics = store._run(lambda c: c.execute("SELECT resident, procedure FROM recent_topics").fetchall())
    assert [t[1] for t in topics] == ["juminhyo"]
    assert USER_ID not in {t[0] for t in topics}  # a pseudonymous key, never the LINE user id
