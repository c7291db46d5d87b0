"""Answer -> LINE message dicts (Messaging API JSON), within LINE's limits.

The dicts are exactly what is sent: the webhook parses them with line-bot-sdk's
models, the simulator draws them, and `nakabot ask` prints them as text.
A reply depends only on the catalogue, so each is built and checked once and then
shared between requests and threads: callers read the messages, never change them.
LINE's limits (bot/limits.py) are checked here, because the SDK's models do not
check text length, labels, altText or bubble size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot import limits
from bot.catalogue import Catalogue, Category, Procedure
from bot.channels import CHANNEL_KINDS, DEFAULT_KIND
from bot.limits import utf16_length
from bot.matcher import INTENT_PREFIX, Answer

Message = dict[str, Any]

# Colours chosen for contrast on white (WCAG AA or better) and large default text.
INK = "#1A1A1A"
MUTED = "#4D4D4D"
ACCENT = "#0B6E3A"  # deep green, 6.6:1 on white
WARN = "#8A4B00"

ASK_CITY = "詳しくは市役所へ"


class LimitError(ValueError):
    """A message would break one of LINE's limits."""


# --- postback data: stateless, the data says it all ------------------------------------
def postback_for_procedure(procedure_id: str) -> str:
    return f"p={procedure_id}"


def postback_for_category(category_id: str) -> str:
    return f"c={category_id}"


POSTBACK_MENU = "m=menu"


def parse_postback(data: str) -> tuple[str, str]:
    """'p=juminhyo' -> ('p', 'juminhyo'); anything unknown -> ('', '')."""
    key, _, value = data.partition("=")
    return (key, value) if key in {"p", "c", "m"} and value else ("", "")


# --- building ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Replies:
    """Builds the messages for one catalogue."""

    catalogue: Catalogue
    _built: dict[tuple[str, ...], list[Message]] = field(default_factory=dict, compare=False, repr=False)

    def _once(self, key: tuple[str, ...], build: Callable[[], list[Message]]) -> list[Message]:
        """The messages under `key`, built and checked on first use (a race only builds twice)."""
        messages = self._built.get(key)
        if messages is None:
            messages = self._built[key] = _checked(build())
        return messages

    def for_answer(self, answer: Answer) -> list[Message]:
        if answer.kind == "procedure" and answer.id:
            procedure = self.catalogue.procedure(answer.id)
            if procedure is not None:
                return self.procedure(procedure)
        if answer.kind == "intent" and answer.id:
            return self.intent(answer.id)
        if answer.kind == "clarify":
            return self.clarify([c.id for c in answer.candidates])
        return self.fallback()

    def procedure(self, procedure: Procedure) -> list[Message]:
        return self._once(("procedure", procedure.id), lambda: self._procedure(procedure))

    def _procedure(self, procedure: Procedure) -> list[Message]:
        related = [p for r in procedure.related if (p := self.catalogue.procedure(r))]
        items = [_postback_item(p.label, postback_for_procedure(p.id)) for p in related[:4]]
        items.append(_postback_item(self.catalogue.texts.menu_button, POSTBACK_MENU))
        card = {
            "type": "flex",
            "altText": _alt_text(procedure),
            "contents": self._bubble(procedure),
            "quickReply": {"items": items},
        }
        return [card]

    def intent(self, intent_id: str) -> list[Message]:
        intent = self.catalogue.intent(intent_id)
        text = intent.reply if intent else ""
        return self._once(("intent", intent_id), lambda: [_text(text, self._menu_items())])

    def clarify(self, ids: Iterable[str]) -> list[Message]:
        # Built each time: the candidates vary too much to keep every combination.
        items = []
        for entry_id in ids:
            if entry_id.startswith(INTENT_PREFIX):
                intent = self.catalogue.intent(entry_id.removeprefix(INTENT_PREFIX))
                if intent:
                    items.append(_message_item(intent.title, intent.examples[0]))
            elif procedure := self.catalogue.procedure(entry_id):
                items.append(_postback_item(procedure.label, postback_for_procedure(procedure.id)))
        items.append(_postback_item(self.catalogue.texts.none_of_these_button, POSTBACK_MENU))
        return _checked([_text(self._fixed("clarify"), items)])

    def fallback(self) -> list[Message]:
        return self._with_menu("fallback")

    def welcome(self) -> list[Message]:
        return self._with_menu("welcome")

    def please_type(self) -> list[Message]:
        return self._with_menu("please_type")

    def menu(self) -> list[Message]:
        return self._with_menu("menu")

    def _fixed(self, name: str) -> str:
        """One of the fixed texts (intents/texts.yaml), the city's facts filled in."""
        texts = self.catalogue.texts
        return texts.fill(getattr(texts, name), self.catalogue.city)

    def _with_menu(self, name: str) -> list[Message]:
        return self._once((name,), lambda: [_text(self._fixed(name), self._menu_items())])

    def category(self, category: Category) -> list[Message]:
        """Every procedure of the category as a big button (quick replies hold only 13)."""
        return self._once(("category", category.id), lambda: self._category(category))

    def _category(self, category: Category) -> list[Message]:
        procedures = self.catalogue.in_category(category.id)
        buttons = [_button(p.label, {"type": "postback", "data": postback_for_procedure(p.id),
                                     "displayText": p.label}, primary=False)
                   for p in procedures]
        bubble = {
            "type": "bubble",
            "size": "giga",
            "header": {"type": "box", "layout": "vertical", "contents": [
                _line(category.name, size="lg", weight="bold"),
                _line(self._fixed("category"), size="md", color=MUTED),
            ]},
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons},
        }
        card = {
            "type": "flex",
            "altText": f"「{category.name}」の手続き：" + "、".join(p.label for p in procedures),
            "contents": bubble,
            "quickReply": {"items": [_postback_item(self.catalogue.texts.back_to_menu_button,
                                                    POSTBACK_MENU)]},
        }
        return [card]

    def _menu_items(self) -> list[dict[str, Any]]:
        return [_postback_item(c.label, postback_for_category(c.id)) for c in self.catalogue.categories]

    # --- the procedure card ------------------------------------------------------------
    def _bubble(self, p: Procedure) -> dict[str, Any]:
        category = self.catalogue.category(p.category)
        body: list[dict[str, Any]] = [
            _line(p.summary, size="md"),
            _separator(),
            _line(_headline(p), size="lg", weight="bold", color=ACCENT),
        ]
        for channel in p.channels:
            detail = []
            if channel.need:
                detail.append("必要なもの：" + "、".join(channel.need))
            if channel.hours:
                detail.append("時間：" + channel.hours)
            if channel.note:
                detail.append(channel.note)
            body.append(_section(CHANNEL_KINDS[channel.kind].label, detail))
        if p.who:
            body.append(_section("対象", [p.who]))
        if p.when:
            body.append(_section("期限", [p.when]))
        if p.prepare:
            body.append(_section("持ち物", ["・" + item for item in p.prepare]))
        body.append(_section("手数料", [p.fee or f"{ASK_CITY}（{self.catalogue.city.phone}）"]
                             + ([f"払い方：{p.payment}"] if p.payment else [])))
        body.append(_section("窓口の受付時間", [p.hours or f"{ASK_CITY}（{self.catalogue.city.phone}）"]))
        if p.processing:
            body.append(_section("かかる日数", [p.processing]))
        if p.note:
            body.append(_section("ご注意", [p.note]))
        section = p.contact.section or f"{self.catalogue.city.name}（代表）"
        body.append(_section("問い合わせ", [f"{section}　{p.contact.phone}"]))

        footer: list[dict[str, Any]] = []
        online = next((c for c in p.channels if c.online and c.url), None)
        if online:
            footer.append(_button("オンラインで申請する", {"type": "uri", "uri": online.url}, primary=True))
        footer.append(_button(f"電話する {p.contact.phone}",
                              {"type": "uri", "uri": "tel:" + p.contact.phone.replace("-", "")},
                              primary=not online))
        return {
            "type": "bubble",
            "size": "giga",
            "header": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    _line(category.name if category else "", size="sm", color=MUTED),
                    _line(p.title, size="xl", weight="bold"),
                ],
            },
            "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
            "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
        }


def _headline(p: Procedure) -> str:
    kinds = [c.kind for c in p.channels]
    best = CHANNEL_KINDS[kinds[0] if kinds else DEFAULT_KIND]
    others = [CHANNEL_KINDS[k].label for k in kinds[1:]]
    headline = best.headline
    if best.online:
        headline += f"（{best.label}）"
    if others:
        headline += "\nほかに：" + "・".join(others)
    return headline


def _alt_text(p: Procedure) -> str:
    headline = CHANNEL_KINDS[p.channels[0].kind].headline if p.channels else ""
    return f"{p.title}：{headline}。{p.summary}"[:limits.ALT_TEXT]


# --- LINE JSON pieces -----------------------------------------------------------------
def _text(text: str, quick_items: list[dict[str, Any]] | None = None) -> Message:
    message: Message = {"type": "text", "text": text}
    if quick_items:
        message["quickReply"] = {"items": quick_items[:limits.QUICK_REPLIES]}
    return message


def _postback_item(label: str, data: str) -> dict[str, Any]:
    return {"type": "action",
            "action": {"type": "postback", "label": label, "data": data, "displayText": label}}


def _message_item(label: str, text: str) -> dict[str, Any]:
    return {"type": "action", "action": {"type": "message", "label": label, "text": text}}


def _line(text: str, **style: str) -> dict[str, Any]:
    # scaling: follow the resident's LINE font-size setting (large text for poor eyesight).
    return {"type": "text", "text": text or " ", "wrap": True, "color": INK, "scaling": True, **style}


def _separator() -> dict[str, Any]:
    return {"type": "separator"}


def _section(title: str, lines: list[str]) -> dict[str, Any]:
    return {
        "type": "box",
        "layout": "vertical",
        "spacing": "xs",
        "contents": [_line(title, size="sm", weight="bold", color=MUTED)]
        + [_line(line, size="md") for line in lines],
    }


def _button(label: str, action: dict[str, Any], primary: bool) -> dict[str, Any]:
    return {
        "type": "button",
        "style": "primary" if primary else "secondary",
        "height": "md",
        "scaling": True,
        **({"color": ACCENT} if primary else {}),
        "action": {**action, "label": label},
    }


# --- limits ---------------------------------------------------------------------------
def limit_problems(messages: list[Message]) -> list[str]:
    """Every way `messages` break LINE's limits, in words (empty when all is well)."""
    problems = []
    if not 1 <= len(messages) <= limits.MESSAGES:
        problems.append(f"messages: {len(messages)} (1〜{limits.MESSAGES})")
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if message["type"] == "text" and not 0 < utf16_length(message["text"]) <= limits.TEXT_UTF16:
            problems.append(f"{where}.text: {utf16_length(message['text'])} UTF-16 units")
        if message["type"] == "flex":
            if not 0 < len(message["altText"]) <= limits.ALT_TEXT:
                problems.append(f"{where}.altText: {len(message['altText'])} characters")
            size = len(json.dumps(message["contents"], ensure_ascii=False).encode())
            if size > limits.BUBBLE_BYTES:
                problems.append(f"{where}.contents: {size} bytes (>{limits.BUBBLE_BYTES})")
            for action in _actions(message["contents"]):
                problems += _action_problems(action, limits.BUTTON_LABEL, where)
        items = message.get("quickReply", {}).get("items", [])
        if len(items) > limits.QUICK_REPLIES:
            problems.append(f"{where}.quickReply: {len(items)} items")
        for item in items:
            problems += _action_problems(item["action"], limits.QUICK_LABEL, where + ".quickReply")
    return problems


def _action_problems(action: dict[str, Any], max_label: int, where: str) -> list[str]:
    problems = []
    label = action.get("label", "")
    if not 0 < len(label) <= max_label:
        problems.append(f"{where}: label「{label}」{len(label)} characters (1〜{max_label})")
    if len(action.get("data", "")) > limits.POSTBACK_DATA:
        problems.append(f"{where}: postback data over {limits.POSTBACK_DATA}")
    if action.get("type") == "uri" and not str(action.get("uri", "")).startswith(("https://", "tel:")):
        problems.append(f"{where}: uri must be https:// or tel:")
    return problems


def _actions(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("action"), dict):
            yield node["action"]
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value)


def _checked(messages: list[Message]) -> list[Message]:
    problems = limit_problems(messages)
    if problems:
        raise LimitError("; ".join(problems))
    return messages


# --- as a resident reads it (command line) -----------------------------------------------
def as_text(messages: list[Message]) -> str:
    """Plain-text rendering of messages, for `nakabot ask` and `nakabot chat`."""
    out: list[str] = []
    for message in messages:
        if message["type"] == "text":
            out.append(message["text"])
        elif message["type"] == "flex":
            out.extend(_flex_lines(message["contents"]))
        items = message.get("quickReply", {}).get("items", [])
        if items:
            out.append("［ボタン］ " + " ｜ ".join(i["action"]["label"] for i in items))
    return "\n".join(out)


def _flex_lines(node: Any) -> list[str]:
    if isinstance(node, list):
        return [line for child in node for line in _flex_lines(child)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "text":
        return [node["text"]]
    if node.get("type") == "button":
        action = node["action"]
        return [f"［{action['label']}］ {action.get('uri', '')}".rstrip()]
    if node.get("type") == "separator":
        return ["―" * 10]
    lines: list[str] = []
    for key in ("header", "body", "footer", "contents"):
        if key in node:
            lines += _flex_lines(node[key])
    return lines
