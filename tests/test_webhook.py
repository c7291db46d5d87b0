"""The webhook end to end: signed bodies in, replies checked by LINE's spec and SDK out."""

from __future__ import annotations

import json

from conftest import USER_ID, body_of, event, post, sign, text_event
from openapi import errors


def test_a_resident_question_is_answered_through_the_messaging_api(client, fake_line):
    response = post(client, body_of(text_event("住民票がほしい")))

    assert response.status_code == 200
    [reply] = fake_line.replies
    assert reply.problems == []
    assert reply.headers["Authorization"] == "Bearer test-access-token"
    assert reply.body["replyToken"].startswith("reply-token-")
    card = reply.body["messages"][0]
    assert card["type"] == "flex"
    assert "住民票" in card["altText"]


def test_the_test_bodies_are_shaped_like_lines_own():
    body = json.loads(body_of(text_event("こんにちは"), event("follow", follow={"isUnblocked": False})))
    assert errors(body, "CallbackRequest", spec="webhook.yml") == []


def test_several_events_in_one_body_each_get_their_reply(client, fake_line):
    post(client, body_of(text_event("こんにちは"), event("follow", follow={"isUnblocked": False})))

    assert len(fake_line.replies) == 2
    assert all(r.problems == [] for r in fake_line.replies)


def test_a_wrong_signature_is_refused_and_nothing_is_sent(client, fake_line):
    body = body_of(text_event("住民票がほしい"))

    assert post(client, body, signature=sign(body, secret="another-secret")).status_code == 400
    assert post(client, body, signature="").status_code == 400
    assert post(client, body, signature=None).status_code == 400
    assert fake_line.received == []


def test_a_tampered_body_is_refused(client, fake_line):
    body = body_of(text_event("住民票がほしい"))
    tampered = body.replace("住民票", "印鑑証明")

    assert post(client, tampered, signature=sign(body)).status_code == 400
    assert fake_line.received == []


def test_signed_garbage_is_a_bad_request_not_a_crash(client, fake_line):
    assert post(client, "{not json").status_code == 400
    assert post(client, json.dumps({"destination": "U0"})).status_code == 400  # no events array
    assert fake_line.received == []


def test_a_signed_body_with_an_unreadable_event_is_accepted_and_the_rest_answered(client, fake_line, caplog):
    # Signed and readable: 200 (a 400 would count as our error at LINE); the broken event is skipped.
    body = json.dumps({"destination": "U0", "events": [{"type": "message"}, text_event("住民票がほしい")]})

    assert post(client, body).status_code == 200
    assert len(fake_line.replies) == 1
    assert "event_unreadable" in caplog.text


def test_lines_verify_request_with_no_events_gets_200(client, fake_line):
    assert post(client, body_of()).status_code == 200
    assert fake_line.received == []


def test_standby_events_and_unfollow_get_no_reply(client, fake_line):
    standby = text_event("住民票がほしい", mode="standby")
    del standby["replyToken"]

    assert post(client, body_of(standby, event("unfollow"))).status_code == 200
    assert fake_line.received == []


def test_follow_gets_a_welcome_with_the_menu(client, fake_line, catalogue):
    post(client, body_of(event("follow", follow={"isUnblocked": False})))

    [reply] = fake_line.replies
    message = reply.body["messages"][0]
    assert "マイナンバー" in message["text"]  # says never to send it
    assert len(message["quickReply"]["items"]) == len(catalogue.categories)  # one per category


def test_a_sticker_gets_a_request_to_type_the_question(client, fake_line):
    sticker = {"id": "9", "type": "sticker", "packageId": "1", "stickerId": "1",
               "stickerResourceType": "STATIC", "quoteToken": "q"}
    post(client, body_of(event("message", message=sticker)))

    [reply] = fake_line.replies
    assert "文字" in reply.body["messages"][0]["text"]
    assert reply.problems == []


def test_a_postback_names_the_procedure_to_show(client, fake_line):
    post(client, body_of(event("postback", postback={"data": "p=inkan-touroku"})))

    [reply] = fake_line.replies
    assert "印鑑登録" in reply.body["messages"][0]["altText"]


def test_a_category_postback_lists_its_procedures(client, fake_line, catalogue):
    post(client, body_of(event("postback", postback={"data": "c=kaigo"})))

    [reply] = fake_line.replies
    [card] = reply.body["messages"]
    buttons = card["contents"]["body"]["contents"]
    assert [b["action"]["label"] for b in buttons] == [p.label for p in catalogue.in_category("kaigo")]
    assert buttons[0]["action"]["data"] == "p=kaigo-nintei"  # categories.yaml lists it first
    assert [i["action"]["label"] for i in card["quickReply"]["items"]] == ["メニューに戻る"]


def test_an_expired_reply_token_is_logged_and_the_webhook_still_answers_200(client, fake_line, caplog):
    fake_line.status = 400

    assert post(client, body_of(text_event("住民票がほしい"))).status_code == 200
    assert len(fake_line.replies) == 1  # tried once, never retried
    assert "reply_failed" in caplog.text


def test_the_raw_user_id_never_reaches_the_logs(client, fake_line, caplog):
    caplog.set_level("INFO")
    post(client, body_of(text_event("住民票がほしい")))

    assert "webhook_event" in caplog.text
    assert USER_ID not in caplog.text


def test_health_reports_the_catalogue(client, catalogue):
    health = client.get("/healthz").get_json()

    assert health["procedures"] == len(catalogue.procedures) >= 50
    assert health["catalogue_version"] == catalogue.version
