"""Conversation.respond: one resident action -> what is shown, the same for webhook, CLI and simulator."""

from __future__ import annotations

from openapi import errors

from bot.conversation import Incoming


def test_a_question_gets_its_procedure_card(conversation):
    outcome = conversation.respond(Incoming("text", "住民票がほしい"))
    assert outcome.shown == "procedure:juminhyo"
    assert outcome.messages[0]["type"] == "flex"


def test_a_question_half_understood_gets_maybe_buttons_for_what_it_might_be(conversation, catalogue):
    outcome = conversation.respond(Incoming("text", "家の中の段差がつらい"))
    assert outcome.shown == "fallback"  # nothing was found for certain, and it says so
    [message] = outcome.messages
    assert "もしかして" in message["text"] and "029-298-1111" in message["text"]
    items = [item["action"] for item in message["quickReply"]["items"]]
    assert items[0]["label"] == catalogue.procedure("kaigo-jutaku-kaishu").label  # what it might be
    assert items[1]["type"] == "uri" and items[1]["uri"] == "tel:0292981111"  # then a person
    assert [a["label"] for a in items[2:]] == [c.label for c in catalogue.categories]
    assert errors({"replyToken": "r" * 32, "messages": outcome.messages}, "ReplyMessageRequest") == []
    assert items[0]["data"] == "s=kaigo-jutaku-kaishu:家の中の段差がつらい"  # the question rides along
    tapped = conversation.respond(Incoming("postback", items[0]["data"]))
    assert tapped.shown == "chosen:kaigo-jutaku-kaishu" and tapped.messages[0]["type"] == "flex"


def test_a_topic_not_handled_says_so_and_offers_the_card_next_to_it(conversation, catalogue):
    question = "パスポートの申請に戸籍謄本は必要ですか"
    outcome = conversation.respond(Incoming("text", question))
    assert outcome.shown == "intent:outside-passport"
    [message] = outcome.messages
    assert "ご案内していません" in message["text"] and "029-298-1111" in message["text"]
    assert message["text"].endswith(catalogue.texts.related)  # says what the button below is
    items = [item["action"] for item in message["quickReply"]["items"]]
    assert items[0]["label"] == catalogue.procedure("koseki-shomei").label
    assert items[0]["data"] == f"r=koseki-shomei:{question}"  # staff see what the card was taken for
    assert items[1]["type"] == "uri" and items[1]["uri"] == "tel:0292981111"
    assert errors({"replyToken": "r" * 32, "messages": outcome.messages}, "ReplyMessageRequest") == []
    tapped = conversation.respond(Incoming("postback", items[0]["data"]))
    assert tapped.shown == "related:koseki-shomei" and tapped.messages[0]["type"] == "flex"


def test_a_card_with_a_close_second_offers_it_first_under_the_card(conversation, catalogue):
    question = "印鑑証明をコンビニで取りたい"  # the 印鑑 card, and the コンビニ交付 one close behind
    outcome = conversation.respond(Incoming("text", question))
    assert outcome.shown == "procedure:inkan-shomei"
    items = [item["action"] for item in outcome.messages[0]["quickReply"]["items"]]
    texts = catalogue.texts
    assert [a["label"] for a in items[:2]] == [texts.helpful_button, texts.not_helpful_button]
    assert items[2]["label"] == catalogue.procedure("konbini-kofu").label
    assert items[2]["data"] == f"o=konbini-kofu:{question}"  # staff see which card was wanted instead
    assert errors({"replyToken": "r" * 32, "messages": outcome.messages}, "ReplyMessageRequest") == []
    tapped = conversation.respond(Incoming("postback", items[2]["data"]))
    assert tapped.shown == "instead:konbini-kofu" and tapped.messages[0]["type"] == "flex"
    # A card far ahead of the rest offers only its related procedures, as before.
    sure = conversation.respond(Incoming("text", "住民票がほしい")).messages[0]["quickReply"]["items"]
    assert not any(item["action"]["data"].startswith("o=") for item in sure if "data" in item["action"])


def test_a_bare_category_word_gets_that_categorys_list(conversation):
    for word, category in [("介護", "kaigo"), ("子育て", "kosodate"), ("かいご", "kaigo")]:
        assert conversation.respond(Incoming("text", word)).shown == f"category:{category}", word


def test_a_word_of_a_categorys_button_gets_its_list_rather_than_a_choice_or_a_refusal(conversation):
    # 保育 alone met the nursery-fee topic not handled, 税金 and 証明書 a choice of three.
    for word, category in [("保育", "kosodate"), ("税金", "cashless"), ("証明書", "shomeisho")]:
        assert conversation.respond(Incoming("text", word)).shown == f"category:{category}", word
    # A card that answers the word still comes first.
    assert conversation.respond(Incoming("text", "国保")).shown == "procedure:kokuho"


def test_a_word_staff_list_for_a_category_gets_its_list_even_over_a_card(conversation, catalogue):
    assert "支払い" in catalogue.category("cashless").words  # procedures/categories.yaml
    # 支払い alone resembled the unpaid child allowance card (未支払); スマホ met the topic of
    # phone contracts. Written in hiragana or half-width kana it is the same word.
    # 子どもの手当 (which allowance?) got a choice of the amount-change and birth cards.
    for word, category in [("支払い", "cashless"), ("すまほ", "digital"), ("ｽﾏﾎ", "digital"),
                           ("こどものてあて", "kosodate")]:
        assert conversation.respond(Incoming("text", word)).shown == f"category:{category}", word
    # Only the word alone: a question around it is matched as usual.
    assert conversation.respond(Incoming("text", "スマホ教室に申し込みたい")).shown.startswith("procedure:")
    asked = conversation.respond(Incoming("text", "子ども手当をもらいたい"))
    assert asked.shown == "procedure:jidou-teate-nintei"


def test_a_story_no_procedure_answers_but_naming_one_category_gets_its_list(conversation):
    story = conversation.respond(Incoming("text", "母が転んで歩けなくなった。介護の手続きは？"))
    assert (story.answer.kind, story.shown) == ("fallback", "category:kaigo")
    # Two categories named: no guess, the fallback (with the city's phone number) stays.
    assert conversation.respond(Incoming("text", "介護と税金のこと")).shown == "fallback"


def test_the_category_list_leads_with_what_categories_yaml_puts_first(conversation, catalogue):
    listed = [p.id for p in catalogue.in_category("kosodate")]
    assert listed[:2] == ["jidou-teate-nintei", "ninshin-todoke"]
    assert sorted(listed) == sorted(p.id for p in catalogue.procedures if p.category == "kosodate")


def test_a_postback_from_an_older_catalogue_falls_back_to_the_menu(conversation):
    assert conversation.respond(Incoming("postback", "p=no-longer-here")).shown == "menu"


def test_stickers_and_images_get_a_request_to_type(conversation):
    assert conversation.respond(Incoming("other")).shown == "please_type"
