"""Every message the bot can send is one LINE accepts: its spec, its SDK, its written limits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from linebot.v3.messaging import ReplyMessageRequest
from openapi import errors

from bot.conversation import Incoming
from bot.limits import utf16_length
from bot.replies import (
    MAP_SEARCH,
    PHONE_IN_TEXT,
    Feedback,
    LimitError,
    Replies,
    _actions,
    _texts,
    as_text,
    limit_problems,
    parse_feedback,
    postback_for_feedback,
)


def assert_line_accepts(messages):
    body = {"replyToken": "t", "messages": messages}
    assert errors(body, "ReplyMessageRequest") == []
    ReplyMessageRequest.from_dict(body)  # raises on a missing field or wrong enum
    assert limit_problems(messages) == []


def test_every_procedure_card_is_accepted_by_line(catalogue):
    replies = Replies(catalogue)
    longest = "🍎あ" * 200  # a question that fills the postback data, in UTF-16 too
    for procedure in catalogue.procedures:
        for facet in (None, *catalogue.facets):  # the short card, leading with each facet
            messages = replies.procedure(procedure, facet, longest)
            assert_line_accepts(messages)
            assert procedure.title in messages[0]["altText"]
        assert_line_accepts(replies.procedure_detail(procedure, longest))  # 「くわしく」
    assert_line_accepts(replies.thanks_for_feedback(True))
    assert_line_accepts(replies.thanks_for_feedback(False))


def test_every_intent_category_and_fixed_reply_is_accepted_by_line(catalogue):
    replies = Replies(catalogue)
    rendered = [replies.intent(i.id) for i in catalogue.intents]
    rendered += [replies.category(c) for c in catalogue.categories]
    rendered += [replies.menu(), replies.fallback(), replies.welcome(), replies.please_type()]
    for messages in rendered:
        assert_line_accepts(messages)


def test_a_clarify_offers_the_candidates_as_postback_buttons(catalogue):
    messages = Replies(catalogue).clarify(["juminhyo", "konbini-kofu", "intent:contact"])

    assert_line_accepts(messages)
    actions = [i["action"] for i in messages[0]["quickReply"]["items"]]
    assert actions[0] == {"type": "postback", "label": "住民票がほしい", "data": "p=juminhyo",
                          "displayText": "住民票がほしい"}
    assert actions[2]["type"] == "message"  # an intent is asked as its example text


def test_every_intent_fits_on_a_clarify_button(catalogue):
    # 「マイナンバー」 asks between the card and the number system (not handled): an intent's
    # title longer than a button holds is cut before its note in brackets.
    for intent in catalogue.intents:
        messages = Replies(catalogue).clarify(["juminhyo", "intent:" + intent.id])
        assert_line_accepts(messages)
        label = messages[0]["quickReply"]["items"][1]["action"]["label"]
        assert label and len(label) <= 20 and intent.title.startswith(label.rstrip("…"))


def test_the_fallback_is_kind_and_gives_the_city_phone(catalogue):
    [message] = Replies(catalogue).fallback()

    assert "029-298-1111" in message["text"]
    call, *menu = message["quickReply"]["items"]
    assert call["action"] == {"type": "uri", "label": "市役所に電話する", "uri": "tel:0292981111"}
    assert len(menu) == len(catalogue.categories)


@pytest.mark.parametrize("intent_id", ["outside-gomi", "outside-dv-shien", "contact"])
def test_a_topic_not_handled_or_a_wish_for_a_person_comes_with_a_call_button(catalogue, intent_id):
    [message] = Replies(catalogue).intent(intent_id)

    assert_line_accepts([message])
    assert message["quickReply"]["items"][0]["action"]["uri"] == "tel:0292981111"


def test_a_greeting_needs_no_call_button(catalogue):
    [message] = Replies(catalogue).intent("greeting")

    assert all(item["action"]["type"] == "postback" for item in message["quickReply"]["items"])


def test_a_card_without_confirmed_fee_sends_the_resident_to_the_city(catalogue):
    procedure = next(p for p in catalogue.procedures if not p.fee_known)
    text = as_text(Replies(catalogue).procedure_detail(procedure))

    fee = text.split("\n手数料\n", 1)[1].splitlines()[0]  # the line under the heading
    assert fee.endswith("詳しくは市役所へ（代表 029-298-1111）")


def test_an_online_procedure_says_plainly_that_its_button_is_the_general_search(catalogue):
    procedure = next(p for p in catalogue.procedures
                     if any(c.kind == "mynaportal" and c.url and not c.url_source for c in p.channels))
    text = as_text(Replies(catalogue).procedure(procedure))

    assert "［マイナポータルで那珂市を選んで探す］ https://" in text
    assert "スマホで申請できます" in text
    assert "「茨城県那珂市」を選んで" in as_text(Replies(catalogue).procedure_detail(procedure))


def test_limits_are_counted_as_line_counts_them():
    assert utf16_length("🍎") == 2
    too_long = [{"type": "text", "text": "あ" * 5001}]
    assert limit_problems(too_long) == ["messages[0].text: 5001 UTF-16 units"]
    long_label = [{"type": "text", "text": "x", "quickReply": {"items": [
        {"type": "action", "action": {"type": "postback", "label": "あ" * 21, "data": "p=x"}}]}}]
    assert "21 characters" in limit_problems(long_label)[0]


def test_the_builder_refuses_to_build_what_line_would_reject(catalogue):
    huge = replace(catalogue.procedures[0], summary="とても長い説明。" * 3000)

    with pytest.raises(LimitError, match="bytes"):
        Replies(catalogue).procedure_detail(huge)


def test_the_card_answers_can_i_do_this_from_home_in_the_residents_words(catalogue):
    replies = Replies(catalogue)
    headlines = {"mynaportal": "スマホで申請できます", "ibaraki-e": "スマホで申請できます",
                 "konbini": "コンビニで取れます", "counter": "窓口での手続きです"}
    seen = set()
    for procedure in catalogue.procedures:
        best = procedure.channels[0].kind
        if best in headlines:
            assert headlines[best] in as_text(replies.procedure(procedure)), procedure.id
            seen.add(headlines[best])
    assert seen == set(headlines.values())  # the catalogue has each kind, so each is tested


def test_card_text_and_buttons_follow_the_residents_font_size_setting(catalogue):
    [card] = Replies(catalogue).procedure_detail(catalogue.procedures[0])

    def parts(node):
        if isinstance(node, dict):
            if node.get("type") in ("text", "button"):
                yield node
            for value in node.values():
                yield from parts(value)
        elif isinstance(node, list):
            for value in node:
                yield from parts(value)

    assert all(part["scaling"] is True for part in parts(card["contents"]))


def test_the_welcome_says_what_the_bot_cannot_see_and_never_asks(catalogue):
    [message] = Replies(catalogue).welcome()

    assert "個人の記録は見られません" in message["text"]
    assert "マイナンバーや暗証番号をおたずねすることもありません" in message["text"]


def test_the_feedback_postback_carries_the_question_masked_within_lines_limit(catalogue):
    question = "🍎" * 400 + " 090-1234-5678"
    replies = Replies(catalogue)
    [card] = replies.procedure(catalogue.procedure("juminhyo"), None, question)

    items = card["quickReply"]["items"]
    assert [i["action"]["label"] for i in items[:2]] == ["役に立った", "役に立たなかった"]
    data = items[1]["action"]["data"]
    assert data.startswith("f=n:juminhyo:🍎") and utf16_length(data) <= 300
    assert parse_feedback(data.removeprefix("f=")) == Feedback(False, "juminhyo", data[len("f=n:juminhyo:"):])
    short = postback_for_feedback(False, "juminhyo", "住民票 090-1234-5678")
    assert short == "f=n:juminhyo:住民票 ［電話番号］"


def test_every_phone_number_on_every_card_has_its_call_button(catalogue):
    replies = Replies(catalogue)
    for procedure in catalogue.procedures:
        for facet in (None, *catalogue.facets):
            for [card] in (replies.procedure(procedure, facet), replies.procedure_detail(procedure)):
                texts = " ".join(_texts(card["contents"]))
                calls = {a["uri"] for a in _actions(card["contents"]) if a.get("uri", "").startswith("tel:")}
                for number in PHONE_IN_TEXT.findall(texts):
                    assert "tel:" + number.replace("-", "") in calls, (procedure.id, number)
                if procedure.counter.address in texts:
                    assert any(a.get("uri", "").startswith(MAP_SEARCH) for a in _actions(card["contents"]))


def facet(catalogue, facet_id):
    return next(f for f in catalogue.facets if f.id == facet_id)


@pytest.mark.parametrize(("question", "facet_id"), [
    ("平日に行けないけど住民票がほしい", "anytime"),
    ("住民票は土日も取れますか", "anytime"),
    ("住民票いくら", "fee"),
    ("ペイペイで税金払える？", "payment"),
    ("マイナンバーカードをなくした", "urgent"),
    ("児童手当の申請はいつまで", "deadline"),
    ("住民票がほしい", None),
])
def test_the_facet_a_question_names_is_found_from_the_words_in_the_yaml(conversation, question, facet_id):
    answer = conversation.matcher.match(question)
    found = conversation.replies.facet_of(answer)
    assert (found.id if found else None) == facet_id


def body_texts(card):
    return list(_texts(card["contents"]["body"]))


def test_a_question_that_names_a_facet_gets_a_card_that_leads_with_it(catalogue):
    replies = Replies(catalogue)
    juminhyo = catalogue.procedure("juminhyo")

    [plain] = replies.procedure(juminhyo)
    assert body_texts(plain)[0].startswith("窓口での手続きです")
    [weekend] = replies.procedure(juminhyo, facet(catalogue, "anytime"))
    assert body_texts(weekend)[0].startswith("コンビニでもできます")  # not the counter first
    [fee] = replies.procedure(juminhyo, facet(catalogue, "fee"))
    assert body_texts(fee)[0].startswith("手数料：")

    [paypay] = replies.procedure(catalogue.procedure("shizei-smartphone"), facet(catalogue, "payment"))
    assert "PayPay" in body_texts(paypay)[0]
    lost = catalogue.procedure("mynumber-card-funshitsu") or catalogue.procedure("mynumber-card-shinsei")
    [card] = replies.procedure(lost, facet(catalogue, "urgent"))
    assert "0120-95-0178" in body_texts(card)[0]
    calls = [a["uri"] for a in _actions(card["contents"]) if a.get("uri", "").startswith("tel:")]
    assert "tel:0120950178" in calls


def test_the_short_card_keeps_the_rest_behind_kuwashiku(catalogue):
    replies = Replies(catalogue)
    procedure = catalogue.procedure("konbini-kofu")
    [card] = replies.procedure(procedure, None, "コンビニで住民票 電話090-1234-5678")
    more = [a for a in _actions(card["contents"]) if a.get("label") == "くわしく"]
    assert more == [{"type": "postback", "data": "d=konbini-kofu:コンビニで住民票 電話［電話番号］",
                     "displayText": f"{procedure.label}（くわしく）", "label": "くわしく"}]
    assert procedure.summary not in as_text([card])
    assert procedure.summary in as_text(replies.procedure_detail(procedure))


def test_the_full_card_still_knows_the_question_for_its_verdict(conversation):
    [card] = conversation.respond(Incoming("text", "コンビニ交付の時間")).messages
    more = next(a for a in _actions(card["contents"]) if a.get("label") == "くわしく")
    [detail] = conversation.respond(Incoming("postback", more["data"])).messages

    not_helpful = detail["quickReply"]["items"][1]["action"]
    assert not_helpful["label"] == "役に立たなかった"
    assert not_helpful["data"] == "f=n:konbini-kofu:コンビニ交付の時間"


def test_a_procedure_with_a_naka_page_links_to_it_and_the_general_search_says_so(catalogue):
    procedure = catalogue.procedure("jidou-teate-nintei")
    detail = as_text(Replies(catalogue).procedure_detail(procedure))

    assert f"［那珂市のページを見る］ {procedure.city_page}" in detail
    assert procedure.city_page in procedure.source  # the page is its own source
    assert "［マイナポータルで那珂市を選んで探す］ https://app.oss.myna.go.jp/" in detail


def test_a_deadline_is_on_the_short_card_not_behind_kuwashiku(catalogue):
    replies = Replies(catalogue)
    with_deadline = [p for p in catalogue.procedures if p.when]
    assert with_deadline
    for procedure in with_deadline:
        assert "期限：" + procedure.when in as_text(replies.procedure(procedure)), procedure.id
