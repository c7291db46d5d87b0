"""The simulator in a real browser (Debian's Chromium): what a resident would see and tap on LINE.

`make screenshots` runs this file with NAKABOT_SCREENSHOTS=docs/screenshots.
"""

from __future__ import annotations

import re

import pytest
from browser import PHONE, screenshot
from playwright.sync_api import Page, expect

from bot.channels import CHANNEL_KINDS
from bot.conversation import Incoming

BOT = ".row.bot"
CARD = ".row.bot[data-type=flex]"
BOT_TEXT = ".row.bot[data-type=text]"


def ask(page: Page, text: str) -> None:
    turns = int(page.locator("body").get_attribute("data-turns") or 0)
    page.locator("#text").fill(text)
    page.locator("#text").press("Enter")
    expect(page.locator("body")).to_have_attribute("data-turns", str(turns + 1))


def tap(page: Page, locator) -> None:  # type: ignore[no-untyped-def]
    turns = int(page.locator("body").get_attribute("data-turns") or 0)
    locator.click()
    expect(page.locator("body")).to_have_attribute("data-turns", str(turns + 1))


def open_chat(page: Page, url: str) -> None:
    page.goto(url + "/")
    expect(page.locator("body")).to_have_attribute("data-turns", "1")  # the follow welcome
    expect(page.locator("#chatbar")).to_contain_text("手続きメニュー")  # the rich menu is loaded


def question_of_kind(conversation, kind: str, questions: list[str]) -> str:
    for question in questions:
        if conversation.respond(Incoming("text", question)).answer.kind == kind:
            return question
    pytest.fail(f"none of {questions} is answered with a {kind} any more: pick another example")


def test_a_question_gets_the_card_and_a_quick_reply_gets_the_next(page, demo_server, catalogue):
    open_chat(page, demo_server)
    page.locator("#text").click()  # the keyboard covers the rich menu, as on LINE
    ask(page, "住民票がほしい")

    juminhyo = catalogue.procedure("juminhyo")
    card = page.locator(CARD).last
    expect(card).to_contain_text(juminhyo.title)  # the plain title ...
    expect(card).to_contain_text(juminhyo.legal_title)  # ... with the legal name under it
    first_way = CHANNEL_KINDS[juminhyo.channels[0].kind]
    expect(card).to_contain_text(first_way.headline)  # can I do this from home?
    for need in juminhyo.channels[0].need:
        expect(card).to_contain_text(need)  # what to bring for the first way
    call = card.locator("a[data-action=uri]", has_text="電話する")
    expect(call).to_have_attribute("href", "tel:" + catalogue.city.phone.replace("-", ""))
    expect(page.locator("#quick button").first).to_have_text("役に立った")
    # A phone as tall as the card, so the picture shows all of it, buttons included.
    height = card.evaluate("card => card.getBoundingClientRect().height")
    page.set_viewport_size({"width": PHONE["width"], "height": int(height) + 420})
    page.locator("#log").evaluate(
        "(log, card) => { log.scrollTop += card.getBoundingClientRect().top"
        " - log.getBoundingClientRect().top - 12; }",
        card.element_handle())
    screenshot(page, "procedure-card")

    tap(page, card.locator("button", has_text="くわしく"))  # the rest of the card
    detail = page.locator(CARD).last
    for need in (item for channel in juminhyo.channels for item in channel.need):
        expect(detail).to_contain_text(need)  # every way's needs, the PIN's kind included
    expect(detail.locator("a[data-action=uri]", has_text="地図")).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/"))
    page.set_viewport_size(PHONE)

    first_related = catalogue.procedure(juminhyo.related[0])
    tap(page, page.locator("#quick button", has_text=first_related.label))

    expect(page.locator(".row.me").last).to_have_text(first_related.label)  # displayText, as LINE shows it
    expect(page.locator(CARD).last).to_contain_text(first_related.title)
    expect(page.locator(CARD)).to_have_count(3)


def test_a_card_with_an_online_application_links_to_it(page, demo_server, catalogue):
    procedure = next(p for p in catalogue.procedures if any(c.online and c.url for c in p.channels))
    open_chat(page, demo_server)
    ask(page, procedure.examples[0] if procedure.examples else procedure.title)
    if procedure.title not in page.locator(BOT).last.inner_text():  # the matcher may ask first
        pytest.skip(f"{procedure.id}'s first example does not go straight to its card")

    apply = page.locator(CARD).last.locator("a[data-action=uri]", has_text="で那珂市を選んで探す")
    expect(apply).to_have_attribute("href", re.compile(r"^https://"))
    expect(page.locator(CARD).last).to_contain_text("スマホで申請できます")


def test_a_clarify_offers_procedures_in_resident_words(page, demo_server, conversation, catalogue):
    question = question_of_kind(conversation, "clarify", ["印鑑", "コンビニ", "手当", "申請したい", "カード"])
    expected = conversation.respond(Incoming("text", question)).messages[0]["quickReply"]["items"]
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, question)

    expect(page.locator(BOT_TEXT).last).to_contain_text("どの手続きのことですか")
    labels = [item["action"]["label"] for item in expected]
    expect(page.locator("#quick > *")).to_have_text(labels)
    first = conversation.respond(Incoming("text", question)).answer.candidates[0].id
    assert labels[0] == catalogue.procedure(first).label  # resident words, not the official title
    screenshot(page, "clarify")

    tap(page, page.locator("#quick button").first)
    expect(page.locator(CARD).last).to_contain_text(catalogue.procedure(first).title)


def test_a_question_it_cannot_answer_gets_an_example_the_menu_and_the_phone(page, demo_server, catalogue):
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, "ほげほげふがふが")

    reply = page.locator(BOT_TEXT).last
    expect(reply).to_contain_text("見つかりませんでした")
    expect(reply).to_contain_text("「住民票がほしい」")
    expect(reply).to_contain_text(catalogue.city.phone)
    # One tap calls the city (a tel: link), then the menu.
    expect(page.locator("#quick > *")).to_have_text([catalogue.texts.call_button]
                                                    + [c.label for c in catalogue.categories])
    call = "tel:" + catalogue.city.phone.replace("-", "")
    expect(page.locator("#quick a").first).to_have_attribute("href", call)
    screenshot(page, "fallback")

    kaigo = next(c for c in catalogue.categories if c.id == "kaigo")
    tap(page, page.locator("#quick button", has_text=kaigo.label))
    expect(page.locator(CARD).last).to_contain_text(kaigo.name)
    tap(page, page.locator(CARD).last.locator("button").first)
    expect(page.locator(CARD).last).to_contain_text(catalogue.in_category("kaigo")[0].title)


def test_a_question_half_understood_offers_what_it_might_be(page, demo_server, conversation, catalogue):
    question = "家の中の段差がつらい"
    [suggested] = conversation.respond(Incoming("text", question)).answer.suggested
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, question)

    reply = page.locator(BOT_TEXT).last
    expect(reply).to_contain_text("もしかして")
    expect(reply).to_contain_text(catalogue.city.phone)
    procedure = catalogue.procedure(suggested)
    expect(page.locator("#quick > *")).to_have_text([procedure.label, catalogue.texts.call_button]
                                                    + [c.label for c in catalogue.categories])
    screenshot(page, "maybe")

    tap(page, page.locator("#quick button", has_text=procedure.label))
    expect(page.locator(CARD).last).to_contain_text(procedure.title)


def test_the_rich_menu_opens_categories_and_the_phone_number(page, demo_server, catalogue):
    open_chat(page, demo_server)
    expect(page.locator(BOT_TEXT).first).to_contain_text("マイナンバーや暗証番号をおたずねすることもありません")
    expect(page.locator("#richmenu-image")).to_be_visible()
    page.wait_for_function("document.getElementById('richmenu-image').naturalWidth === 2500")
    expect(page.locator("#chatbar")).to_contain_text("手続きメニュー")
    screenshot(page, "menu")

    tap(page, page.locator(".richmenu-area[aria-label=住民票などの証明書]"))
    expect(page.locator(CARD).last).to_contain_text("証明書・コンビニ交付")
    labels = [p.label for p in catalogue.in_category("shomeisho")]
    expect(page.locator(CARD).last.locator("button")).to_have_text(labels)

    tap(page, page.locator(".richmenu-area[aria-label=電話で相談]"))
    expect(page.locator(".row.me").last).to_have_text("電話番号を教えて")
    expect(page.locator(BOT_TEXT).last).to_contain_text(catalogue.city.phone)

    page.locator("#chatbar").click()  # the chat bar closes and opens it, as on LINE
    expect(page.locator("#richmenu-image")).to_be_hidden()
    page.locator("#chatbar").click()
    expect(page.locator("#richmenu-image")).to_be_visible()


def test_the_larger_font_setting_enlarges_the_card(page, demo_server):
    open_chat(page, demo_server)
    ask(page, "住民票がほしい")
    title = page.locator(CARD).last.locator("[data-fx=text]").first
    before = float(title.evaluate("n => parseFloat(getComputedStyle(n).fontSize)"))

    page.locator("#scale").select_option("1.5")

    after = float(title.evaluate("n => parseFloat(getComputedStyle(n).fontSize)"))
    assert after == pytest.approx(before * 1.5)
    assert before == 22  # Flex "xl", as LINE draws it


def test_every_message_of_the_flows_is_drawn(page, demo_server):
    open_chat(page, demo_server)
    for question in ["住民票がほしい", "こんにちは", "ありがとう", "証明書", "ほげほげ", "介護認定の申請"]:
        ask(page, question)
    expect(page.locator(".unsupported")).to_have_count(0)
