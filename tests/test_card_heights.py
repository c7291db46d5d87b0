"""Every procedure card drawn in the simulator on a 390×844 phone, at 標準 and 特大.

The heights go to var/card-heights.json (per card, and the median and maximum) for the
note; five cards are photographed when NAKABOT_SCREENSHOTS is set (`make screenshots`),
as card-<id>-standard-<tag>.png and card-<id>-large-<tag>.png, where the tag is
$NAKABOT_SCREENSHOT_TAG ("after" unless told: "before" for a picture of the old cards).
"""

from __future__ import annotations

import json
import os
import statistics

import pytest
from browser import REPO, screenshot
from playwright.sync_api import Page, expect

from bot.catalogue import Catalogue

VIEWPORT = {"width": 390, "height": 844}
SCALES = {"standard": "1", "large": "1.5"}  # 標準, 特大
# The lost-card entry once it exists; the card application (its stand-in before) as well.
PHOTOGRAPHED = ("juminhyo", "konbini-kofu", "shizei-smartphone", "mynumber-card-funshitsu",
                "mynumber-card-shinsei", "risai-shomeisho")
CARD = ".row.bot[data-type=flex]"


def show_card(page: Page, procedure_id: str, data: str = "p") -> None:
    """Ask for one card as its button would (a postback), and wait until it is drawn."""
    turns = int(page.locator("body").get_attribute("data-turns") or 0)
    page.evaluate("data => send({type: 'postback', data})", f"{data}={procedure_id}")
    expect(page.locator("body")).to_have_attribute("data-turns", str(turns + 1))


def card_height(page: Page) -> float:
    return float(page.locator(CARD).last.evaluate("card => card.getBoundingClientRect().height"))


def set_scale(page: Page, scale: str) -> None:
    page.locator("#scale").select_option(scale)


def test_every_card_is_measured_at_both_text_sizes(page: Page, demo_server: str, catalogue: Catalogue):
    page.set_viewport_size(VIEWPORT)
    page.goto(demo_server + "/")
    expect(page.locator("body")).to_have_attribute("data-turns", "1")
    log_height = float(page.locator("#log").evaluate("log => log.clientHeight"))  # the chat, less bars
    heights: dict[str, dict[str, float]] = {}
    details: dict[str, dict[str, float]] = {}
    for procedure in catalogue.procedures:
        for data, table in (("p", heights), ("d", details)):  # the card, and its 「くわしく」
            show_card(page, procedure.id, data)
            table[procedure.id] = {}
            for name, scale in SCALES.items():
                set_scale(page, scale)
                table[procedure.id][name] = card_height(page)
            set_scale(page, SCALES["standard"])
            page.locator(CARD).last.evaluate("card => card.remove()")  # keep the page light

    def summary(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return {name: {"median": statistics.median(h[name] for h in table.values()),
                       "max": max(h[name] for h in table.values()),
                       "screens_max": round(max(h[name] for h in table.values()) / VIEWPORT["height"], 2),
                       "over_one_screen": sum(h[name] > VIEWPORT["height"] for h in table.values()),
                       "over_the_chat_area": sum(h[name] > log_height for h in table.values())}
                for name in SCALES}

    out = REPO / "var" / "card-heights.json"
    out.parent.mkdir(exist_ok=True)
    result = {"viewport": VIEWPORT, "chat_area_height": log_height, "summary": summary(heights),
              "detail_summary": summary(details), "cards": heights, "details": details}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps({k: result[k] for k in ("chat_area_height", "summary", "detail_summary")},
                     ensure_ascii=False))
    assert len(heights) == len(catalogue.procedures)
    assert all(h["large"] > h["standard"] for h in heights.values())  # 特大 really is larger
    too_tall = {p: h["standard"] for p, h in heights.items() if h["standard"] > VIEWPORT["height"]}
    assert too_tall == {}, "at 標準 a card fits one screen; the rest belongs behind 「くわしく」"


def test_five_cards_are_photographed_at_both_text_sizes(page: Page, demo_server: str, catalogue: Catalogue):
    if not os.environ.get("NAKABOT_SCREENSHOTS"):
        pytest.skip("pictures only for `make screenshots`")
    tag = os.environ.get("NAKABOT_SCREENSHOT_TAG", "after")
    page.set_viewport_size(VIEWPORT)
    page.goto(demo_server + "/")
    expect(page.locator("body")).to_have_attribute("data-turns", "1")
    page.locator("#text").click()  # the keyboard closes the rich menu, as on LINE: the card shows whole
    for procedure_id in (p for p in PHOTOGRAPHED if catalogue.procedure(p)):
        show_card(page, procedure_id)
        card = page.locator(CARD).last
        for name, scale in SCALES.items():
            set_scale(page, scale)
            # A phone as tall as the card, so the picture shows all of it.
            height = max(VIEWPORT["height"], int(card_height(page)) + 420)
            page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
            page.locator("#log").evaluate(
                "(log, card) => { log.scrollTop += card.getBoundingClientRect().top"
                " - log.getBoundingClientRect().top - 12; }", card.element_handle())
            screenshot(page, f"card-{procedure_id}-{name}-{tag}")
            page.set_viewport_size(VIEWPORT)
        set_scale(page, SCALES["standard"])
