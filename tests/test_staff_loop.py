"""The staff loop end to end: what residents could not get answered reaches staff, masked."""

from __future__ import annotations

import json

import pytest
from conftest import SECRET, USER_ID, body_of, event, post, sign, text_event
from test_cli import run

from bot.conversation import TAPPED, Incoming
from bot.feedback import needs_review
from bot.matcher import Answer, Candidate
from bot.privacy import mask
from bot.store import StoreError

MY_NUMBER = "123456789012"
OFF_TOPIC = f"ペンギンの飼い方を教えて 番号は{MY_NUMBER}です"  # a fallback, whatever the catalogue
TAPPED_KEYS = {kind: key for key, kind in TAPPED.items()}  # "related" -> "r"


def test_a_fallback_sent_through_the_webhook_appears_masked_in_the_report(client, fake_line, capsys,
                                                                          monkeypatch):
    post(client, body_of(text_event(OFF_TOPIC)))
    assert len(fake_line.replies) == 1
    capsys.readouterr()  # the webhook's own log lines

    _, out, _ = run(capsys, monkeypatch, "report", "--json")
    [group] = json.loads(out)["groups"]
    assert group["examples"] == ["ペンギンの飼い方を教えて 番号は［個人番号］です"]
    assert group["kinds"] == {"fallback": 1}
    assert group["residents"] == 1


def test_neither_the_user_id_nor_a_my_number_reaches_the_log_or_the_database(
        client, events, fake_line, capsys, caplog, _own_database):
    caplog.set_level("INFO")
    post(client, body_of(text_event(OFF_TOPIC)))
    events.store.close()

    logged = caplog.text + capsys.readouterr().out
    [line] = [json.loads(r.getMessage()) for r in caplog.records if "webhook_event" in r.getMessage()]
    assert {"event_id", "type", "answer", "procedure", "score", "latency_ms", "resident"} <= set(line)
    assert len(line["resident"]) == 64 and line["recorded"] is True
    stored = b"".join(p.read_bytes() for p in _own_database.parent.glob("nakabot.sqlite3*"))
    for secret in (USER_ID, MY_NUMBER, "test-channel-secret", "test-access-token"):
        assert secret not in logged
        assert secret.encode() not in stored
    assert "ペンギン".encode() in stored  # the masked question is there


def test_a_redelivered_event_gets_no_second_reply(client, fake_line, caplog):
    caplog.set_level("INFO")
    first = text_event("住民票がほしい")
    again = {**first, "deliveryContext": {"isRedelivery": True}}

    post(client, body_of(first))
    post(client, body_of(again))

    assert len(fake_line.replies) == 1
    assert "webhook_duplicate" in caplog.text


def test_a_failing_store_never_costs_a_reply(client, events, fake_line, caplog):
    class BrokenStore:
        def ping(self) -> bool:
            return False

        def __getattr__(self, name):  # every method: the disk is full
            def fail(*args, **kwargs):
                raise StoreError("OperationalError: database or disk is full")
            return fail

    events.store = BrokenStore()
    post(client, body_of(text_event(OFF_TOPIC)))

    assert len(fake_line.replies) == 1
    assert "store_failed" in caplog.text and "disk is full" in caplog.text
    assert client.get("/healthz").get_json()["store"] == "unreachable"


def test_the_simulator_records_what_it_could_not_answer(conversation, capsys, monkeypatch):
    from bot.config import Settings
    from bot.web import create_app

    demo = create_app(Settings(), conversation).test_client()
    demo.post("/simulator/send", json={"type": "text", "text": OFF_TOPIC})
    demo.post("/simulator/send", json={"type": "text", "text": "住民票がほしい"})
    capsys.readouterr()

    _, out, _ = run(capsys, monkeypatch, "report", "--json")
    [group] = json.loads(out)["groups"]
    assert group["examples"] == ["ペンギンの飼い方を教えて 番号は［個人番号］です"]


def test_health_reports_the_store(client):
    assert client.get("/healthz").get_json()["store"] == "ok"


@pytest.mark.parametrize(("kind", "score", "kept"), [
    ("fallback", 30.0, True),
    ("clarify", 80.0, True),
    ("procedure", 65.0, True),  # answered, but below Thresholds.review
    ("procedure", 90.0, False),
    ("intent", 95.0, False),
])
def test_fallbacks_clarifications_and_low_scores_are_kept_for_review(kind, score, kept):
    answer = Answer(kind, None, (Candidate("juminhyo", score),), score, "質問")
    assert needs_review(answer, review_below=70.0) is kept


def test_the_conversation_gets_a_pseudonymous_key_never_the_user_id():
    from linebot.v3 import WebhookParser

    from bot.line import replyable
    from bot.privacy import pseudonym

    body = body_of(event("follow", follow={"isUnblocked": False}))
    [parsed] = WebhookParser(SECRET).parse(body, sign(body))

    work = replyable(parsed, "secret")
    assert work.incoming == Incoming("follow", resident=pseudonym(USER_ID, "secret"))
    assert USER_ID not in repr(work)


def test_the_staff_settings_come_from_the_environment_and_secrets_stay_out_of_repr():
    from bot.config import ConfigError, Settings

    settings = Settings.from_env({
        "DATABASE_URL": "sqlite:////srv/bot.sqlite3", "NAKABOT_RETENTION_DAYS": "90",
        "NAKABOT_PSEUDONYM_SECRET": "pseudonym-secret-value",
        "ADMIN_PASSWORD_HASH": "scrypt:hash-value", "FLASK_SECRET_KEY": "flask-key"})
    assert (settings.database_url, settings.retention_days) == ("sqlite:////srv/bot.sqlite3", 90)
    assert settings.pseudonym_secret == "pseudonym-secret-value" and settings.pseudonym_secret_from_env
    for value in ("pseudonym-secret-value", "hash-value", "flask-key"):
        assert value not in repr(settings)
    # Unset: a random secret per process, so demo keys are stable only until a restart.
    assert Settings.from_env({}).pseudonym_secret != Settings.from_env({}).pseudonym_secret
    with pytest.raises(ConfigError, match="RETENTION"):
        Settings.from_env({"NAKABOT_RETENTION_DAYS": "soon"})


def test_with_nothing_set_the_environment_gives_the_settings_defaults():
    from bot.config import Settings

    unset, defaults = Settings.from_env({}), Settings()  # (database_url: read from this test's env)
    for name in ("retention_days", "reload_interval", "reply_threads", "proxies", "api_base_url",
                 "api_timeout", "catalogue_root"):
        assert getattr(unset, name) == getattr(defaults, name), name


def quick_reply(reply, label: str) -> dict:
    items = reply.body["messages"][-1]["quickReply"]["items"]
    return next(item["action"] for item in items if item["action"]["label"] == label)


def test_a_not_helpful_tap_brings_the_question_masked_to_staff_beside_the_unanswered(
        client, events, fake_line, capsys, monkeypatch, _own_database):
    question = f"住民票がほしい 電話は090-1234-5678 番号{MY_NUMBER}"
    post(client, body_of(text_event(question)))
    [card] = fake_line.replies
    assert card.problems == []  # LINE's OpenAPI and limits, postback data included
    not_helpful = quick_reply(card, "役に立たなかった")
    assert len(not_helpful["data"]) <= 300
    assert "090-1234-5678" not in not_helpful["data"] and MY_NUMBER not in not_helpful["data"]

    post(client, body_of(event("postback", postback={"data": not_helpful["data"]})))
    assert "担当者が見直します" in fake_line.replies[-1].body["messages"][0]["text"]
    capsys.readouterr()

    _, out, _ = run(capsys, monkeypatch, "report", "--json")
    [group] = [g for g in json.loads(out)["groups"] if "unhelpful" in g["kinds"]]
    assert group["examples"] == ["住民票がほしい 電話は［電話番号］ 番号［個人番号］"]
    assert group["candidates"][0]["id"] == "juminhyo"  # the card that did not help
    events.store.close()
    stored = b"".join(p.read_bytes() for p in _own_database.parent.glob("nakabot.sqlite3*"))
    assert MY_NUMBER.encode() not in stored and b"5678" not in stored


def test_the_card_a_resident_chose_among_maybe_buttons_reaches_staff_with_the_question(
        client, events, fake_line, capsys, monkeypatch, _own_database):
    question = "家の中の段差がつらい 電話は090-1234-5678"
    post(client, body_of(text_event(question)))
    [maybe] = fake_line.replies
    assert maybe.problems == []
    chosen = maybe.body["messages"][0]["quickReply"]["items"][0]["action"]
    assert chosen["data"].startswith("s=kaigo-jutaku-kaishu:") and "090-1234-5678" not in chosen["data"]

    post(client, body_of(event("postback", postback={"data": chosen["data"]})))
    assert fake_line.replies[-1].body["messages"][0]["type"] == "flex"  # the card chosen
    capsys.readouterr()

    _, out, _ = run(capsys, monkeypatch, "report", "--json")
    [group] = json.loads(out)["groups"]
    assert group["examples"] == ["家の中の段差がつらい 電話は［電話番号］"]
    assert group["kinds"] == {"fallback": 1, "chosen": 1}
    assert ["chosen", "kaigo-jutaku-kaishu", 1] in group["answers"]  # words for that card's examples
    assert ("tap", "kaigo-jutaku-kaishu") in {(c.kind, c.target) for c in events.store.counts()}
    events.store.close()
    stored = b"".join(p.read_bytes() for p in _own_database.parent.glob("nakabot.sqlite3*"))
    assert b"1234-5678" not in stored


@pytest.mark.parametrize(("question", "item", "kind", "card"), [
    # Was "not handled" the wrong answer? The card offered under the topic's reply.
    ("パスポートの申請に戸籍謄本は必要ですか 090-1234-5678", 0, "related", "koseki-shomei"),
    # Was the card the wrong one of two? The close second offered under it.
    ("印鑑証明をコンビニで取りたい", 2, "instead", "konbini-kofu"),
])
def test_a_card_taken_under_an_answer_reaches_staff_as_its_own_kind(
        client, events, fake_line, capsys, monkeypatch, question, item, kind, card):
    post(client, body_of(text_event(question)))
    [answered] = fake_line.replies
    button = answered.body["messages"][0]["quickReply"]["items"][item]["action"]
    assert button["data"] == f"{TAPPED_KEYS[kind]}={card}:{mask(question)}"  # masked when built
    assert "090-1234-5678" not in button["data"]

    post(client, body_of(event("postback", postback={"data": button["data"]})))
    assert fake_line.replies[-1].body["messages"][0]["type"] == "flex"
    capsys.readouterr()

    _, out, _ = run(capsys, monkeypatch, "report", "--json")
    [group] = json.loads(out)["groups"]
    assert group["kinds"] == {kind: 1}  # the answer itself was confident: not kept
    assert [kind, card, 1] in group["answers"]
    assert ("tap", card) in {(c.kind, c.target) for c in events.store.counts()}


def test_a_forged_maybe_postback_is_masked_again(conversation):
    from bot.feedback import review_row

    forged = Incoming("postback", f"s=juminhyo:マイナンバーは{MY_NUMBER}")
    outcome = conversation.respond(forged)
    assert outcome.shown == "chosen:juminhyo"
    row = review_row(conversation, forged, outcome, "line")
    assert row is not None and (row["kind"], row["text"]) == ("chosen", "マイナンバーは［個人番号］")
    assert conversation.respond(Incoming("postback", "s=no-such-card:住民票")).shown == "menu"
    forged = Incoming("postback", f"o=juminhyo:マイナンバーは{MY_NUMBER}")
    row = review_row(conversation, forged, conversation.respond(forged), "line")
    assert row is not None and (row["kind"], row["text"]) == ("instead", "マイナンバーは［個人番号］")


def test_helpful_and_not_helpful_are_counted_per_procedure(client, events, fake_line):
    post(client, body_of(text_event("住民票がほしい")))
    card = fake_line.replies[-1]
    for label in ("役に立った", "役に立った", "役に立たなかった"):
        post(client, body_of(event("postback", postback={"data": quick_reply(card, label)["data"]})))

    counts = events.store.counts()
    said = {(c.kind, c.target): c.count for c in counts if c.kind in ("helpful", "unhelpful")}
    assert said == {("helpful", "juminhyo"): 2, ("unhelpful", "juminhyo"): 1}


def test_a_forged_feedback_postback_is_masked_again_and_an_unknown_card_ignored(conversation):
    from bot.feedback import review_row

    forged = Incoming("postback", f"f=n:juminhyo:マイナンバーは{MY_NUMBER}")
    outcome = conversation.respond(forged)
    row = review_row(conversation, forged, outcome, "line")
    assert row is not None and row["text"] == "マイナンバーは［個人番号］"

    unknown = conversation.respond(Incoming("postback", "f=n:no-such-card:住民票"))
    assert unknown.shown == "menu"
