"""Issue 16 in the simulator: a follow-up, two procedures in one message, a topic not handled.

`make screenshots` runs this file too (NAKABOT_SCREENSHOTS=docs/screenshots).
"""

from __future__ import annotations

from browser import screenshot
from playwright.sync_api import expect
from test_browser import BOT_TEXT, CARD, ask, open_chat, tap


def test_a_follow_up_gets_the_fact_of_the_card_shown_before(page, demo_server, catalogue):
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, "住民票がほしい")
    ask(page, "必要なものは？")

    reply = page.locator(BOT_TEXT).last
    expect(reply).to_contain_text(catalogue.procedure("juminhyo").title)
    expect(reply).to_contain_text("本人確認書類")
    screenshot(page, "follow-up")


def test_two_procedures_in_one_message_get_two_cards(page, demo_server, catalogue):
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, "平日に市役所に行けない。住民票と印鑑証明がほしい")

    expect(page.locator(CARD).nth(-2)).to_contain_text(catalogue.procedure("juminhyo").title)
    expect(page.locator(CARD).last).to_contain_text(catalogue.procedure("inkan-shomei").title)
    naming = page.locator(BOT_TEXT).last
    expect(naming).to_contain_text("2つの手続き")
    naming.evaluate("node => node.scrollIntoView({block: 'start'})")
    screenshot(page, "two-procedures")


def test_a_topic_the_bot_does_not_handle_gets_where_to_ask(page, demo_server, catalogue):
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, "粗大ごみを出したい")

    reply = page.locator(BOT_TEXT).last
    expect(reply).to_contain_text("このボットではご案内していません")
    expect(reply).to_contain_text(catalogue.city.phone)
    expect(page.locator("#quick > *").first).to_have_text(catalogue.texts.call_button)

    # Next to a card it does handle, the topic offers that card first, then a person.
    ask(page, "パスポートの申請に戸籍謄本は必要ですか")
    expect(page.locator(BOT_TEXT).last).to_contain_text("パスポート")
    koseki = catalogue.procedure("koseki-shomei")
    expect(page.locator("#quick > *")).to_have_text([koseki.label, catalogue.texts.call_button]
                                                    + [c.label for c in catalogue.categories])
    screenshot(page, "not-handled")
    tap(page, page.locator("#quick button", has_text=koseki.label))
    expect(page.locator(CARD).last).to_contain_text(koseki.title)


def test_an_english_conversation(page, demo_server, catalogue):
    open_chat(page, demo_server)
    page.locator("#text").click()
    ask(page, "I need a residence certificate")

    card = page.locator(CARD).last
    expect(card).to_contain_text(catalogue.procedure("juminhyo").en.title)
    expect(card).to_contain_text("What you need")
    card.evaluate("node => node.scrollIntoView({block: 'start'})")
    screenshot(page, "english")
