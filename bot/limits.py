"""LINE's limits, in one place: the catalogue's checks, the replies and the rich menu use these.

Source: LINE's Messaging API reference and line/line-openapi (see the research notes
behind docs; section numbers below are those of line-api.md). The SDK checks only a
few of them (message count, quick-reply items, postback data), so the bot checks the
rest itself, before anything is sent.
"""

from __future__ import annotations

# --- a reply (2.1, 2.3) -------------------------------------------------------------
MESSAGES = 5  # messages in one reply (at least 1)
TEXT_UTF16 = 5000  # a text message's text, counted in UTF-16 code units (an emoji is 2)
ALT_TEXT = 1500  # a Flex message's altText
QUICK_REPLIES = 13  # quick-reply items under one message
QUICK_LABEL = 20  # a quick-reply button's label: what residents tap
BUTTON_LABEL = 40  # a Flex button's label
POSTBACK_DATA = 300  # a postback action's data
BUBBLE_BYTES = 30_000  # one Flex bubble's JSON, UTF-8

# --- the rich menu (5.1) --------------------------------------------------------------
MENU_MIN_WIDTH, MENU_MAX_WIDTH = 800, 2500  # image width, pixels
MENU_MIN_HEIGHT = 250  # image height, pixels
MENU_MIN_ASPECT = 1.45  # width / height
MENU_AREAS = 20  # tappable areas
MENU_NAME = 300  # the menu's name (not shown to residents)
MENU_CHAT_BAR_TEXT = 14  # the text on the bar that opens the menu
MENU_IMAGE_BYTES = 1024 * 1024
MENU_LABEL = 20  # an area action's label (read aloud by accessibility tools)
MESSAGE_ACTION_TEXT = 300  # a message action's text
URI = 1000  # a URI action's address, as this bot allows it (LINE's own limit is unknown)


def utf16_length(text: str) -> int:
    """Length as LINE counts a text message: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
