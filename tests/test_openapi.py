"""The spec check the other tests rely on (tests/openapi.py) finds what LINE would refuse."""

from __future__ import annotations

from openapi import errors


def bubble(*contents: dict) -> dict:
    return {"type": "flex", "altText": "card", "contents": {
        "type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": list(contents)}}}


def reply(*messages: dict) -> dict:
    return {"replyToken": "r" * 32, "messages": list(messages)}


def test_a_reply_as_line_documents_it_passes():
    assert errors(reply({"type": "text", "text": "こんにちは"}, bubble({"type": "text", "text": "住民票"})),
                  "ReplyMessageRequest") == []


def test_an_unknown_message_type_fails():
    found = errors(reply({"type": "video2", "text": "x"}), "ReplyMessageRequest")
    assert found and found[0].startswith("messages/0:") and "video2" in found[0]


def test_a_wrong_field_deep_inside_a_flex_card_fails_at_its_path():
    found = errors(reply(bubble({"type": "text", "text": "住民票", "wrap": "yes"})), "ReplyMessageRequest")
    assert found and found[0].startswith("messages/0/contents/body/contents/0/wrap:")


def test_a_component_that_is_not_an_object_fails():
    assert errors(reply(bubble("住民票")), "ReplyMessageRequest")


def test_a_webhook_event_of_an_unknown_type_fails_against_webhook_yml():
    body = {"destination": "U" + "0" * 32, "events": [{"type": "teleport", "mode": "active",
                                                       "timestamp": 0, "webhookEventId": "x",
                                                       "deliveryContext": {"isRedelivery": False}}]}
    assert errors(body, "CallbackRequest", spec="webhook.yml")
