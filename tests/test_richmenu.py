"""The rich menu: its definition within LINE's limits, its image in Japanese, created through the fake API."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import TOKEN
from linebot.v3.messaging import RichMenuRequest
from openapi import errors
from PIL import Image, ImageFont

from bot import limits, richmenu
from bot.cli import main
from bot.conversation import Incoming

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def menu() -> richmenu.Menu:
    return richmenu.load()


@pytest.fixture(scope="module")
def image(menu) -> bytes:
    return richmenu.png(menu)


def test_the_menu_in_the_repo_is_within_lines_limits(menu, catalogue):
    assert richmenu.problems(menu, catalogue) == []
    body = richmenu.request_body(menu)
    assert errors(body, "RichMenuRequest") == []
    assert RichMenuRequest.from_dict(body).to_dict() == body  # the SDK keeps every field


def test_every_tile_leads_where_the_bot_can_answer(menu, conversation, catalogue):
    shown = []
    for area in menu.areas:
        action = area.action
        incoming = (Incoming("postback", action["data"]) if action["type"] == "postback"
                    else Incoming("text", action["text"]))
        shown.append(conversation.respond(incoming).shown)
    # Every category, through the same postback format as the quick replies.
    assert {f"category:{c.id}" for c in catalogue.categories} <= set(shown)
    assert "intent:help" in shown and "intent:contact" in shown
    call = next(a for a in menu.areas if a.style == "call")
    assert catalogue.city.phone in call.subtitle  # the number on the tile is the city's


def test_a_tap_shows_in_the_chat_like_a_quick_reply(menu):
    body = richmenu.request_body(menu)
    postbacks = [a["action"] for a in body["areas"] if a["action"]["type"] == "postback"]
    assert all(a["displayText"] == a["label"] for a in postbacks)


def test_a_definition_that_line_would_refuse_is_caught(menu, catalogue):
    area = menu.areas[0]
    broken = replace(
        menu, width=3000, height=2500, chat_bar_text="とても長いチャットバーの文字です",
        areas=(*menu.areas, replace(area, x=10),
               replace(area, x=0, y=2400, action={"type": "postback", "data": "c=nothing", "label": "x"}),
               replace(area, x=2000, y=2000, width=100, height=100,
                       action={"type": "postback", "data": "hello", "label": "あ" * 21}),
               replace(area, x=2200, y=2200, width=100, height=100, action={"type": "uri", "uri": "http://x"})),
    )
    found = "\n".join(richmenu.problems(broken, catalogue))
    assert "size.width: 3000" in found
    assert "width/height 1.20" in found
    assert "chatBarText" in found
    assert "overlaps「証明書」" in found
    assert "outside the 3000×2500 image" in found
    assert "no category nothing" in found
    assert "not the bot's postback format" in found
    assert "21 characters" in found
    assert "https:// or tel:" in found
    with pytest.raises(richmenu.RichMenuError):
        richmenu.check(broken, catalogue)
    too_many = replace(menu, areas=tuple(replace(area, x=i * 100, width=100, height=100) for i in range(21)))
    assert "areas: 21 (1〜20)" in richmenu.problems(too_many)


def test_the_image_is_the_menus_size_and_small_enough(menu, image):
    assert len(image) <= limits.MENU_IMAGE_BYTES
    with Image.open(io.BytesIO(image)) as picture:
        assert picture.format == "PNG"
        assert picture.size == (menu.width, menu.height)
        grey = picture.convert("L")
        for area in menu.areas:  # every tile has large dark (or, on the call tile, white) letters
            tile = grey.crop((area.x + 40, area.y + 60, area.x + area.width - 40, area.y + area.height - 40))
            counts = tile.histogram()
            ink = sum(counts[201:]) if area.style == "call" else sum(counts[:80])
            assert ink > 0.03 * tile.width * tile.height, area.title


def test_the_labels_are_drawn_in_a_japanese_font_not_tofu(menu):
    text = "".join(a.title + a.subtitle for a in menu.areas)
    for weight in ("bold", "regular"):
        font = richmenu.find_font(weight)
        assert "JP" in font.getname()[0]
        assert richmenu.missing_glyphs(font, text) == ""


def test_the_tofu_check_would_notice_a_font_without_japanese():
    if not DEJAVU.is_file():
        pytest.skip("DejaVu Sans not installed")
    latin = ImageFont.truetype(str(DEJAVU), 100)
    assert richmenu.missing_glyphs(latin, "証明書 ABC") == "証明書"


def test_create_uploads_the_image_and_makes_it_the_default(fake_line, menu, image):
    rich_menu_id = richmenu.create(menu, image, TOKEN, fake_line.url)

    calls = fake_line.rich_menu_calls
    assert [c.path for c in calls] == [
        "/v2/bot/richmenu/validate",
        "/v2/bot/richmenu",
        f"/v2/bot/richmenu/{rich_menu_id}/content",
        f"/v2/bot/user/all/richmenu/{rich_menu_id}",
    ]
    assert all(c.problems == [] for c in calls)
    assert all(c.headers["Authorization"] == f"Bearer {TOKEN}" for c in calls)
    assert calls[1].body == richmenu.request_body(menu)
    assert calls[2].headers["Content-Type"] == "image/png"
    assert fake_line.rich_menu_images[rich_menu_id] == image
    assert fake_line.default_rich_menu == rich_menu_id


def test_a_refusal_from_line_is_reported_with_the_step(fake_line, menu):
    wrong_size = io.BytesIO()
    Image.new("RGB", (800, 270), "white").save(wrong_size, format="PNG")

    with pytest.raises(richmenu.RichMenuError, match=r"upload image.*HTTP 400.*not the menu size"):
        richmenu.create(menu, wrong_size.getvalue(), TOKEN, fake_line.url)
    assert fake_line.default_rich_menu is None


def test_the_command_refuses_clearly_without_credentials(monkeypatch, capsys):
    monkeypatch.delenv("LINE_CHANNEL_SECRET", raising=False)
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)

    assert main(["richmenu", "create"]) == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN" in capsys.readouterr().err


def test_the_command_creates_the_menu_at_line_api_base_url(monkeypatch, capsys, fake_line, tmp_path):
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "secret")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE_URL", fake_line.url)

    assert main(["richmenu", "create"]) == 0
    assert fake_line.default_rich_menu in capsys.readouterr().out
    assert main(["richmenu", "check"]) == 0
    assert main(["richmenu", "image", str(tmp_path / "menu.png")]) == 0
    assert (tmp_path / "menu.png").read_bytes()[:4] == b"\x89PNG"
