"""The rich menu: its definition (richmenu/menu.yaml), LINE's limits, its image, and creating it.

Plain Python. `load()` reads the definition, `problems()` says every way it breaks
LINE's limits (bot/limits.py) or points at something the bot
does not know, `request_body()` is the JSON LINE gets, `draw()` paints the image
from the same definition with Pillow, and `create()` sends both through line-bot-sdk
and makes the menu every resident's default.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw, ImageFont

from bot import limits
from bot.catalogue import Catalogue
from bot.config import DEFAULT_API_BASE_URL
from bot.content import DEFAULT_ROOT
from bot.replies import ACCENT, INK, MUTED, parse_postback

DEFAULT_PATH = DEFAULT_ROOT / "richmenu" / "menu.yaml"


# Japanese fonts from Debian's fonts-noto-cjk (installed by `make system`); index 0 is JP.
FONT_CANDIDATES = {
    "bold": ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"],
    "regular": ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"],
}


class RichMenuError(ValueError):
    """The definition, the font or LINE refused: the message says which and why."""


@dataclass(frozen=True)
class Area:
    x: int
    y: int
    width: int
    height: int
    title: str
    subtitle: str
    action: Mapping[str, Any]
    style: str = "normal"  # "normal" | "call"


@dataclass(frozen=True)
class Menu:
    name: str
    chat_bar_text: str
    selected: bool
    width: int
    height: int
    areas: tuple[Area, ...]


# --- the definition ------------------------------------------------------------------
def load(path: Path = DEFAULT_PATH) -> Menu:
    """Read the definition; RichMenuError names what is missing or of the wrong type."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        areas = tuple(
            Area(x=int(a["bounds"]["x"]), y=int(a["bounds"]["y"]),
                 width=int(a["bounds"]["width"]), height=int(a["bounds"]["height"]),
                 title=str(a["title"]), subtitle=str(a.get("subtitle") or ""),
                 action=dict(a["action"]), style=str(a.get("style", "normal")))
            for a in raw["areas"]
        )
        return Menu(name=str(raw["name"]), chat_bar_text=str(raw["chatBarText"]),
                    selected=bool(raw.get("selected", True)),
                    width=int(raw["size"]["width"]), height=int(raw["size"]["height"]), areas=areas)
    except (OSError, yaml.YAMLError) as error:
        raise RichMenuError(f"{path}: {error}") from error
    except (KeyError, TypeError, ValueError) as error:
        raise RichMenuError(f"{path}: missing or wrong field: {error}") from error


def problems(menu: Menu, catalogue: Catalogue | None = None) -> list[str]:
    """Every way `menu` breaks LINE's limits (and, given a catalogue, names what the bot lacks)."""
    found = []
    if not limits.MENU_MIN_WIDTH <= menu.width <= limits.MENU_MAX_WIDTH:
        found.append(f"size.width: {menu.width} (LINE: {limits.MENU_MIN_WIDTH}〜{limits.MENU_MAX_WIDTH})")
    if menu.height < limits.MENU_MIN_HEIGHT:
        found.append(f"size.height: {menu.height} (LINE: at least {limits.MENU_MIN_HEIGHT})")
    if menu.height and menu.width / menu.height < limits.MENU_MIN_ASPECT:
        found.append(f"size: width/height {menu.width / menu.height:.2f} "
                     f"(LINE: at least {limits.MENU_MIN_ASPECT})")
    if not 0 < len(menu.name) <= limits.MENU_NAME:
        found.append(f"name: {len(menu.name)} characters (1〜{limits.MENU_NAME})")
    if not 0 < len(menu.chat_bar_text) <= limits.MENU_CHAT_BAR_TEXT:
        found.append(f"chatBarText「{menu.chat_bar_text}」: {len(menu.chat_bar_text)} characters "
                     f"(1〜{limits.MENU_CHAT_BAR_TEXT})")
    if not 0 < len(menu.areas) <= limits.MENU_AREAS:
        found.append(f"areas: {len(menu.areas)} (1〜{limits.MENU_AREAS})")
    for index, area in enumerate(menu.areas):
        where = f"areas[{index}]「{area.title}」"
        if area.x < 0 or area.y < 0 or area.width < 1 or area.height < 1 \
                or area.x + area.width > menu.width or area.y + area.height > menu.height:
            found.append(f"{where}.bounds: outside the {menu.width}×{menu.height} image")
        for other in menu.areas[:index]:
            if _overlap(area, other):
                found.append(f"{where}.bounds: overlaps「{other.title}」")
        if area.style not in ("normal", "call"):
            found.append(f"{where}.style: {area.style} (normal or call)")
        if not area.title:
            found.append(f"{where}.title: empty")
        found += [f"{where}.action: {p}" for p in _action_problems(area.action, catalogue)]
    return found


def _overlap(a: Area, b: Area) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


def _action_problems(action: Mapping[str, Any], catalogue: Catalogue | None) -> list[str]:
    found = []
    kind = action.get("type")
    label = str(action.get("label", ""))
    if not 0 < len(label) <= limits.MENU_LABEL:
        found.append(f"label「{label}」{len(label)} characters (1〜{limits.MENU_LABEL})")
    if kind == "postback":
        data = str(action.get("data", ""))
        key, value = parse_postback(data)
        if not 0 < len(data) <= limits.POSTBACK_DATA:
            found.append(f"data: {len(data)} characters (1〜{limits.POSTBACK_DATA})")
        elif not key:
            found.append(f"data「{data}」is not the bot's postback format (c=…, p=…, m=menu)")
        elif catalogue is not None and key == "c" and catalogue.category(value) is None:
            found.append(f"data「{data}」: no category {value} in procedures/categories.yaml")
        elif catalogue is not None and key == "p" and catalogue.procedure(value) is None:
            found.append(f"data「{data}」: no procedure {value}")
    elif kind == "message":
        if not 0 < len(str(action.get("text", ""))) <= limits.MESSAGE_ACTION_TEXT:
            found.append(f"text: 1〜{limits.MESSAGE_ACTION_TEXT} characters")
    elif kind == "uri":
        uri = str(action.get("uri", ""))
        if not uri.startswith(("https://", "tel:")) or len(uri) > limits.URI:
            found.append(f"uri「{uri[:50]}」: https:// or tel:, at most {limits.URI} characters")
    else:
        found.append(f"type: {kind} (postback, message or uri)")
    return found


def check(menu: Menu, catalogue: Catalogue | None = None) -> Menu:
    found = problems(menu, catalogue)
    if found:
        raise RichMenuError("\n".join(found))
    return menu


def request_body(menu: Menu) -> dict[str, Any]:
    """The RichMenuRequest JSON (LINE's OpenAPI `RichMenuRequest`)."""
    return {
        "size": {"width": menu.width, "height": menu.height},
        "selected": menu.selected,
        "name": menu.name,
        "chatBarText": menu.chat_bar_text,
        "areas": [
            {"bounds": {"x": a.x, "y": a.y, "width": a.width, "height": a.height},
             "action": _line_action(a.action)}
            for a in menu.areas
        ],
    }


def _line_action(action: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(action)
    if out.get("type") == "postback":
        out.setdefault("displayText", out["label"])  # the tap shows in the chat, as a quick reply does
    return out


# --- the image ---------------------------------------------------------------------------
BACKGROUND = "#FFFFFF"
GRID = "#8C8C8C"
CALL_BACKGROUND = ACCENT  # white on deep green: 6.6:1
STRIPE = ACCENT


def find_font(weight: str = "bold") -> ImageFont.FreeTypeFont:
    """A Japanese font at size 100, or RichMenuError saying how to install one (never tofu)."""
    paths = [os.environ[k] for k in ("NAKABOT_FONT",) if os.environ.get(k)] + FONT_CANDIDATES[weight]
    for path in paths:
        if Path(path).is_file():
            font = ImageFont.truetype(path, 100, index=0)
            if not missing_glyphs(font, "住民票の証明書マイナンバー子育て介護"):
                return font
    raise RichMenuError("no Japanese font found: install Debian's fonts-noto-cjk (make system) "
                        "or set NAKABOT_FONT to a .ttf/.otf/.ttc with Japanese glyphs")


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> str:
    """The characters of `text` that `font` would draw as tofu (its .notdef box)."""
    notdef = _glyph(font, "\U0010fffd")  # a private-use code point no font maps
    return "".join(ch for ch in dict.fromkeys(text) if not ch.isspace() and _glyph(font, ch) == notdef)


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> tuple[tuple[int, int, int, int] | None, bytes]:
    mask = font.getmask(ch)
    return mask.getbbox(), bytes(mask)


def draw(menu: Menu) -> Image.Image:
    """The menu's picture: one tile per area, its title large, drawn from the definition."""
    bold, regular = find_font("bold"), find_font("regular")
    text = "".join(a.title + a.subtitle for a in menu.areas)
    for font in (bold, regular):
        if missing := missing_glyphs(font, text):
            raise RichMenuError(f"font {font.getname()[0]} has no glyph for: {missing}")
    image = Image.new("RGB", (menu.width, menu.height), BACKGROUND)
    pen = ImageDraw.Draw(image)
    for area in menu.areas:
        box = (area.x, area.y, area.x + area.width - 1, area.y + area.height - 1)
        call = area.style == "call"
        pen.rectangle(box, fill=CALL_BACKGROUND if call else BACKGROUND, outline=GRID, width=4)
        if not call:  # a coloured bar on top so tiles read as buttons
            pen.rectangle((box[0] + 2, box[1] + 2, box[2] - 2, box[1] + 22), fill=STRIPE)
        ink, soft = ("#FFFFFF", "#FFFFFF") if call else (INK, MUTED)
        margin = area.width // 12
        title = _fit(bold, area.title, area.width - 2 * margin, int(area.height * 0.30))
        sub = _fit(regular, area.subtitle, area.width - 2 * margin, int(area.height * 0.13)) \
            if area.subtitle else None
        gap = area.height // 16
        heights = [_height(title, area.title)] + ([_height(sub, area.subtitle)] if sub else [])
        top = area.y + 11 + (area.height - 11 - sum(heights) - (gap if sub else 0)) // 2
        centre = area.x + area.width // 2
        pen.text((centre, top), area.title, font=title, fill=ink, anchor="mt")
        if sub:
            pen.text((centre, top + heights[0] + gap), area.subtitle, font=sub, fill=soft, anchor="mt")
    return image


def _fit(font: ImageFont.FreeTypeFont, text: str, width: int, size: int) -> ImageFont.FreeTypeFont:
    """The font at `size`, smaller only as much as `text` needs to fit `width`."""
    sized = font.font_variant(size=size)
    while size > 20 and sized.getlength(text) > width:
        size -= 4
        sized = font.font_variant(size=size)
    return sized


def _height(font: ImageFont.FreeTypeFont, text: str) -> int:
    _, top, _, bottom = font.getbbox(text, anchor="mt")
    return round(bottom - top)


def png(menu: Menu) -> bytes:
    """The image as PNG bytes, within LINE's 1 MB."""
    out = io.BytesIO()
    draw(menu).save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > limits.MENU_IMAGE_BYTES:
        raise RichMenuError(f"image is {len(data)} bytes (LINE: at most {limits.MENU_IMAGE_BYTES})")
    return data


# --- creating it on LINE ----------------------------------------------------------------
def create(menu: Menu, image: bytes, access_token: str, base_url: str = DEFAULT_API_BASE_URL,
           timeout: tuple[float, float] = (5.0, 30.0), make_default: bool = True) -> str:
    """Create the menu, upload its image, set it as the default; return its richMenuId."""
    from linebot.v3.messaging import (
        ApiClient,
        ApiException,
        Configuration,
        MessagingApi,
        MessagingApiBlob,
        RichMenuRequest,
    )

    request = RichMenuRequest.from_dict(request_body(menu))
    # With LINE's own base URL leave host unset, so the SDK sends each call to its own host
    # (api.line.me, and api-data.line.me for the image); a test base URL takes every call.
    host = None if base_url.rstrip("/") == DEFAULT_API_BASE_URL else base_url.rstrip("/")
    step = "validate"
    try:
        with ApiClient(Configuration(access_token=access_token, host=host)) as client:
            api, blob = MessagingApi(client), MessagingApiBlob(client)
            api.validate_rich_menu_object(request, _request_timeout=timeout)
            step = "create"
            rich_menu_id = api.create_rich_menu(request, _request_timeout=timeout).rich_menu_id
            step = "upload image"
            blob.set_rich_menu_image(rich_menu_id, image, _headers={"Content-Type": _image_type(image)},
                                     _request_timeout=timeout)
            if make_default:
                step = "set default"
                api.set_default_rich_menu(rich_menu_id, _request_timeout=timeout)
            return rich_menu_id
    except ApiException as error:
        raise RichMenuError(f"LINE refused ({step}): HTTP {error.status} {error.body}") from error


def _image_type(image: bytes) -> str:
    return "image/png" if image.startswith(b"\x89PNG") else "image/jpeg"


def summary(menu: Menu) -> Sequence[str]:
    """One line per area, for the command line."""
    return [f"({a.x},{a.y} {a.width}×{a.height}) {a.title}: {a.action.get('type')} "
            f"{a.action.get('data') or a.action.get('text') or a.action.get('uri')}" for a in menu.areas]
