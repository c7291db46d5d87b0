"""One message naming several procedures gets each answer (issue 16, item 5)."""

from __future__ import annotations

from bot.conversation import Incoming
from bot.limits import MESSAGES as MAX_MESSAGES
from bot.normalize import coordinated_parts
from bot.replies import limit_problems
from bot.several import several


def test_a_message_is_cut_where_it_names_one_more_thing():
    assert coordinated_parts("住民票と印鑑証明がほしい") == ["住民票", "印鑑証明がほしい"]
    assert coordinated_parts("住民票、印鑑証明、戸籍がほしい") == ["住民票", "印鑑証明", "戸籍がほしい"]
    assert coordinated_parts("児童手当や保育園のこと") == ["児童手当", "保育園のこと"]
    # と after a verb is "when", not "and"; a sentence end is context, not a second topic.
    assert coordinated_parts("ひとりでいくと") == ["ひとりでいくと"]
    assert coordinated_parts("家の廊下に手すりをつけたい、介護保険使えますか") == [
        "家の廊下に手すりをつけたい、介護保険使えますか"]


def test_two_procedures_get_two_cards(conversation):
    outcome = conversation.respond(Incoming("text", "平日に市役所に行けない。住民票と印鑑証明がほしい"))
    assert outcome.shown == "several:juminhyo+inkan-shomei"
    assert [m["type"] for m in outcome.messages] == ["text", "flex", "flex"]
    assert outcome.messages[0]["text"].startswith("2つの手続き")
    assert "住民票" in outcome.messages[1]["altText"] and "印鑑" in outcome.messages[2]["altText"]
    assert limit_problems(outcome.messages) == []


def test_a_topic_that_needs_a_choice_is_asked_last(conversation):
    # 保育園 alone is two procedures (申し込み, 現況届): its buttons come last, where LINE shows them.
    outcome = conversation.respond(Incoming("text", "児童手当と保育園"))
    assert outcome.shown == "several:jidou-teate-nintei+clarify"
    assert outcome.messages[1]["type"] == "flex"
    labels = [i["action"]["label"] for i in outcome.messages[-1]["quickReply"]["items"]]
    assert "保育園に入りたい" in labels or any("保育" in label for label in labels)


def test_a_word_the_other_procedure_speaks_of_is_not_a_second_topic(conversation):
    # マイナ保険証 is about linking マイナンバーカード and 保険証: one card, not two.
    matcher = conversation.matcher
    answers = several(matcher, matcher.match("マイナンバーカードと保険証をひもづけたい"))
    assert answers == []
    assert conversation.respond(Incoming("text", "マイナンバーカードと保険証をひもづけたい")).shown == (
        "procedure:mynumber-hokensho")


def test_never_more_than_line_allows(conversation):
    text = "住民票と印鑑証明と戸籍謄本と所得証明と介護認定と児童手当と罹災証明"
    outcome = conversation.respond(Incoming("text", text))
    assert 2 <= len(outcome.messages) <= MAX_MESSAGES
    assert limit_problems(outcome.messages) == []


def test_a_comma_that_sets_a_topic_apart_is_not_a_list():
    # 「介護保険証、再発行したい」: 再発行 is what is asked about the 介護保険証.
    assert coordinated_parts("介護保険証、再発行したい") == ["介護保険証、再発行したい"]
    assert coordinated_parts("住民票、戸籍、印鑑証明がほしい") == ["住民票", "戸籍", "印鑑証明がほしい"]


def test_one_procedure_that_speaks_of_every_part_is_one_topic(conversation):
    # 保育園 and 現況届 are both in the 保育園の現況届 card: not 保育園 + 児童手当の現況届.
    assert several(conversation.matcher, conversation.matcher.match("保育園、現況届の出し方")) == []
    assert conversation.respond(Incoming("text", "保育園、現況届の出し方")).shown == "procedure:hoiku-genkyo"
