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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot import limits
from bot.catalogue import Catalogue, Category, Channel, Facet, Procedure
from bot.channels import CHANNEL_KINDS, DEFAULT_KIND
from bot.limits import utf16_length
from bot.matcher import INTENT_PREFIX, OUTSIDE_PREFIX, Answer
from bot.normalize import fold
from bot.privacy import mask

Message = dict[str, Any]

# Colours chosen for contrast on white (WCAG AA or better) and large default text.
INK = "#1A1A1A"
MUTED = "#4D4D4D"
ACCENT = "#0B6E3A"  # deep green, 6.6:1 on white
WARN = "#8A4B00"

# Phone numbers as the catalogue writes them (029-298-1111, 0120-95-0178): each gets a button.
PHONE_IN_TEXT = re.compile(r"(?<![0-9-])0\d{1,4}-\d{1,4}-\d{3,4}(?![0-9-])")
MAP_SEARCH = "https://www.google.com/maps/search/?api=1&query="


class LimitError(ValueError):
    """A message would break one of LINE's limits."""


# --- postback data: stateless, the data says it all ------------------------------------
def postback_for_procedure(procedure_id: str) -> str:
    return f"p={procedure_id}"


def postback_for_category(category_id: str) -> str:
    return f"c={category_id}"


def postback_for_detail(procedure_id: str, question: str = "") -> str:
    """'d=juminhyo:住民票 土日' — the question rides along, so the full card can ask about it."""
    return _within_limit(f"d={procedure_id}:", question)


# Buttons that carry the question to a card, by what their tap is kept as for staff: a
# 「もしかして」 choice (chosen), a close runner-up offered under a card (instead: the card
# shown was likely wrong), a card offered under a topic not handled (related: the topic may
# have been the wrong answer).
TAP_KEYS = {"chosen": "s", "instead": "o", "related": "r"}


def postback_for_tap(kind: str, procedure_id: str, question: str = "") -> str:
    """'s=juminhyo:住民票 土日' — a button of `kind` (TAP_KEYS): the question (masked) rides
    along, so that staff see which card a resident took for those words."""
    return _within_limit(f"{TAP_KEYS[kind]}={procedure_id}:", question)


def postback_for_feedback(helpful: bool, procedure_id: str, question: str) -> str:
    """'f=n:juminhyo:住民票 土日' — the question (masked) rides along, cut to LINE's 300."""
    return _within_limit(f"f={'y' if helpful else 'n'}:{procedure_id}:", question)


def _within_limit(head: str, question: str) -> str:
    return fit_postback(head + mask(question)[: limits.POSTBACK_DATA - len(head)])


def fit_postback(data: str) -> str:
    """`data` cut to LINE's postback limit, counted the strictest way (an emoji is 2): a
    button's data ends with the resident's question, which loses its tail."""
    while utf16_length(data) > limits.POSTBACK_DATA:
        data = data[:-1]
    return data


def parse_detail(value: str) -> tuple[str, str]:
    """The value of a 'd=', 's=', 'o=' or 'r=' postback: (procedure id, the question, masked
    again)."""
    procedure_id, _, question = value.partition(":")
    return procedure_id, mask(question)


POSTBACK_MENU = "m=menu"


def parse_postback(data: str) -> tuple[str, str]:
    """'p=juminhyo' -> ('p', 'juminhyo'); anything unknown -> ('', '')."""
    key, _, value = data.partition("=")
    return (key, value) if key in {"p", "c", "m", "d", "f", *TAP_KEYS.values()} and value else ("", "")


@dataclass(frozen=True)
class Feedback:
    helpful: bool
    procedure_id: str
    question: str  # masked again here: the data comes back from the resident's phone


def parse_feedback(value: str) -> Feedback | None:
    """The value of an 'f=' postback, or None when it is not one of ours."""
    verdict, _, rest = value.partition(":")
    procedure_id, _, question = rest.partition(":")
    if verdict not in ("y", "n") or not procedure_id:
        return None
    return Feedback(verdict == "y", procedure_id, mask(question)[:limits.POSTBACK_DATA])


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
                return self.procedure(procedure, self.facet_of(answer), answer.text, answer.suggested)
        if answer.kind == "intent" and answer.id:
            return self.intent(answer.id, answer.suggested, answer.text)
        if answer.kind == "clarify":
            return self.clarify([c.id for c in answer.candidates])
        return self.fallback(answer.suggested, answer.text)

    def facet_of(self, answer: Answer) -> Facet | None:
        """What the question asks about (fee, deadline ...), from procedures/facets.yaml's words."""
        asked = fold(answer.text)
        surface = answer.forms.surface if answer.forms else ""
        for facet in self.catalogue.facets:
            if any((word := fold(w)) and (word in asked or word in surface) for w in facet.words):
                return facet
        return None

    def procedure(self, procedure: Procedure, facet: Facet | None = None,
                  question: str | None = None, runners_up: Iterable[str] = ()) -> list[Message]:
        """The short card, leading with `facet`; its quick replies ask whether it helped, then
        offer the `runners_up` (close second answers) and the card's related procedures.

        The card is built once per (procedure, facet); the quick replies carry the question
        (masked), so a "not helpful" can show staff what was asked without storing it here.
        """
        lead = facet.id if facet and self._lead(procedure, facet.id) else ""
        [card] = self._once(("procedure", procedure.id, lead), lambda: self._procedure(procedure, lead))
        asked = question if question is not None else f"（ボタン）{procedure.label}"
        more = postback_for_detail(procedure.id, asked)
        footer = [_with_data(b, more) if _is_more(b) else b for b in card["contents"]["footer"]["contents"]]
        contents = {**card["contents"], "footer": {**card["contents"]["footer"], "contents": footer}}
        quick = self._asked(procedure, asked, 3, runners_up)
        return _checked([{**card, "contents": contents, "quickReply": quick}])

    def procedure_detail(self, procedure: Procedure, question: str | None = None) -> list[Message]:
        """Everything about the procedure (the 「くわしく」 button), asking whether it helped."""
        [card] = self._once(("detail", procedure.id), lambda: self._detail(procedure))
        asked = question if question else f"（くわしく）{procedure.label}"
        return _checked([{**card, "quickReply": self._asked(procedure, asked, 3)}])

    def _asked(self, procedure: Procedure, asked: str, related_shown: int,
               runners_up: Iterable[str] = ()) -> dict[str, Any]:
        """Quick replies: 役に立った／役に立たなかった (with the question), the runners-up (with
        the question: staff see that another card was wanted), related, the menu."""
        texts = self.catalogue.texts
        items = [_postback_item(texts.helpful_button, postback_for_feedback(True, procedure.id, asked)),
                 _postback_item(texts.not_helpful_button, postback_for_feedback(False, procedure.id, asked))]
        close = [p for r in runners_up if (p := self.catalogue.procedure(r)) and p.id != procedure.id]
        related = [p for r in procedure.related if (p := self.catalogue.procedure(r)) and p not in close]
        items += [_postback_item(p.label, postback_for_tap("instead", p.id, asked))
                  for p in close[:related_shown]]
        items += [_postback_item(p.label, postback_for_procedure(p.id))
                  for p in related[:max(0, related_shown - len(close))]]
        items.append(_postback_item(self.catalogue.texts.menu_button, POSTBACK_MENU))
        return {"items": items}

    def _procedure(self, procedure: Procedure, lead: str) -> list[Message]:
        return [{"type": "flex", "altText": _alt_text(procedure),
                 "contents": self._short_bubble(procedure, lead)}]

    def _detail(self, procedure: Procedure) -> list[Message]:
        return [{"type": "flex", "altText": _alt_text(procedure), "contents": self._bubble(procedure)}]

    def thanks_for_feedback(self, helpful: bool) -> list[Message]:
        return self._with_menu("thanks_helpful" if helpful else "thanks_unhelpful", call=not helpful)

    def intent(self, intent_id: str, related: Iterable[str] = (), question: str = "") -> list[Message]:
        """The intent's reply. A topic not handled offers the `related` procedures' cards
        first (Answer.suggested), each button carrying the `question`, masked, as 「もしかして」
        buttons do: staff see which card residents took after being told "not handled"."""
        intent = self.catalogue.intent(intent_id)
        text = intent.reply if intent else ""
        # A topic the bot does not handle, or a resident asking for a person: one tap calls.
        call = intent_id.startswith(OUTSIDE_PREFIX) or intent_id == "contact"
        cards = [p for entry_id in related if (p := self.catalogue.procedure(entry_id))]
        if cards and intent_id.startswith(OUTSIDE_PREFIX):
            items = [_postback_item(p.label, postback_for_tap("related", p.id, question)) for p in cards]
            return _checked([_text(f"{text}\n{self._fixed('related')}",
                                   (items + self._menu_items(call))[:limits.QUICK_REPLIES])])
        return self._once(("intent", intent_id),
                          lambda: [_text(text, self._menu_items(call))])

    def clarify(self, ids: Iterable[str]) -> list[Message]:
        # Built each time: the candidates vary too much to keep every combination.
        items = []
        for entry_id in ids:
            if entry_id.startswith(INTENT_PREFIX):
                intent = self.catalogue.intent(entry_id.removeprefix(INTENT_PREFIX))
                if intent:
                    items.append(_message_item(_button_label(intent.title), intent.examples[0]))
            elif procedure := self.catalogue.procedure(entry_id):
                items.append(_postback_item(procedure.label, postback_for_procedure(procedure.id)))
        items.append(_postback_item(self.catalogue.texts.none_of_these_button, POSTBACK_MENU))
        return _checked([_text(self._fixed("clarify"), items)])

    def fallback(self, suggested: Iterable[str] = (), question: str = "") -> list[Message]:
        """Nothing found for certain; with `suggested` procedures, 「もしかして」 buttons for them
        first (the text asks whether it is one of them), then the call button and the menu.
        Each button carries the `question`, masked, for staff to see what was chosen for it."""
        maybe = [p for entry_id in suggested if (p := self.catalogue.procedure(entry_id))]
        if not maybe:
            return self._with_menu("fallback", call=True)
        items = [_postback_item(p.label, postback_for_tap("chosen", p.id, question)) for p in maybe]
        items += self._menu_items(call=True)
        return _checked([_text(self._fixed("maybe"), items[:limits.QUICK_REPLIES])])

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

    def _with_menu(self, name: str, call: bool = False) -> list[Message]:
        """A fixed text with the menu as quick replies; `call`: a button calling the city first."""
        return self._once((name,), lambda: [_text(self._fixed(name), self._menu_items(call))])

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
            "altText": self._say("category_alt", 分類=category.name) + "、".join(p.label for p in procedures),
            "contents": bubble,
            "quickReply": {"items": [_postback_item(self.catalogue.texts.back_to_menu_button,
                                                    POSTBACK_MENU)]},
        }
        return [card]

    def _menu_items(self, call: bool = False) -> list[dict[str, Any]]:
        """The categories as quick replies; `call`: first a button that calls the city."""
        calls = [call_item(self.catalogue.texts.call_button, self.catalogue.city.phone)] if call else []
        return calls + [_postback_item(c.label, postback_for_category(c.id))
                        for c in self.catalogue.categories]

    # --- the procedure card ------------------------------------------------------------
    def _say(self, name: str, **values: str) -> str:
        """One of the card's words, as staff wrote it in intents/texts.yaml `card:`."""
        return self.catalogue.texts.card_text(name, self.catalogue.city, **values)

    def _labelled(self, name: str, text: str) -> str:
        """「持ち物：…」: a card word as the head of a line."""
        return f"{self._say(name)}：{text}"

    def _ask_city(self) -> str:
        return self._say("ask_city")

    def _contact_line(self, p: Procedure) -> str:
        section = p.contact
        city = self.catalogue.city
        if section.name and section.phone:
            return f"{section.name}　{section.phone}"
        name = f"{section.name}（{section.role}）" if section.name else section.role
        if section.name and not section.phone:
            return self._say("tell_section", 係=section.name)
        return self._say("tell_section", 係=name) if name else f"{city.name}（代表）{city.phone}"

    def _phone(self, p: Procedure) -> str:
        return p.contact.phone or self.catalogue.city.phone

    def _fee_lines(self, p: Procedure) -> list[str]:
        if not p.fees:
            return [self._ask_city()]
        lines = []
        for fee in p.fees:
            name = f"{fee.name}：" if fee.name and len(p.fees) > 1 else ""
            if not fee.id:  # the procedure's own text
                lines.append(fee.counter or self._ask_city())
                continue
            at_store = fee.konbini if any(c.kind == "konbini" for c in p.channels) else None
            if fee.counter and at_store:
                lines.append(f"{name}窓口 {fee.counter}、コンビニ {at_store}")
            elif fee.counter:
                lines.append(f"{name}{fee.counter}")
            else:
                lines.append(f"{name}{self._ask_city()}")
        return lines

    def _lead(self, p: Procedure, facet: str) -> list[str]:
        """The lines that answer the facet asked, or [] when this procedure has nothing on it."""
        if facet in p.answers:
            return [p.answers[facet]]
        if facet == "urgent":
            return [p.urgent] if p.urgent else []
        if facet == "fee":
            return [self._labelled("fee", "／".join(self._fee_lines(p)))]
        if facet == "payment":
            pay = [CHANNEL_KINDS[c.kind].headline for c in p.channels if c.kind.startswith("pay-")]
            if p.payment:
                pay.append(self._labelled("payment", p.payment))
            return pay or [self._labelled("payment", self._ask_city())]
        if facet == "deadline":
            return [self._labelled("deadline", p.when)] if p.when else []
        if facet == "anytime":
            others = [c for c in p.channels if c.kind != "counter"]
            if not others:
                return [self._say("counter_only", 問い合わせ先=self._contact_line(p))]
            return [self._say("also_possible", 方法=CHANNEL_KINDS[c.kind].label)
                    + (f"（{c.hours}）" if c.hours else "") for c in others]
        return []

    def _short_bubble(self, p: Procedure, lead: str) -> dict[str, Any]:
        """What was asked, in the first lines: one screen of a phone at the standard text size."""
        body: list[dict[str, Any]] = []
        if p.urgent:
            body.append(_callout([p.urgent]))
        if lead and (lead != "urgent" or not p.urgent):
            body.append(_callout(self._lead(p, lead)))
        channels = _ordered(p.channels, lead)
        body.append(_line(_headline(p, channels), size="lg", weight="bold", color=ACCENT))
        first = channels[0] if channels else None
        need = first.need if first and first.need else ()
        if first and not need and first.kind == "counter":
            need = p.prepare
        if need:
            body.append(_line(self._labelled("bring", "、".join(need)), size="md"))
        if p.when and lead != "deadline":  # a deadline missed costs money: never behind くわしく
            body.append(_line(self._labelled("deadline", p.when), size="md", weight="bold", color=WARN))
        body.append(_line(self._labelled("contact", self._contact_line(p)), size="sm", color=MUTED))
        # One link at most on the short card: the online application, else the city's page.
        footer = self._link_buttons(p, channels[:1], city_page=False) or self._link_buttons(p, ())
        more = self.catalogue.texts.more_button
        footer.append(_button(more, {"type": "postback", "data": postback_for_detail(p.id),
                                     "displayText": f"{p.label}（{more}）"}, primary=False))
        footer += self._phone_buttons(p, body, primary=not footer[:-1])
        return _bubble(self._header(p), body, footer)

    def _header(self, p: Procedure) -> list[dict[str, Any]]:
        header = [_line(p.title, size="xl", weight="bold")]
        if p.legal_title:
            header.append(_line(p.legal_title, size="xs", color=MUTED))
        return header

    def _bubble(self, p: Procedure) -> dict[str, Any]:
        """The whole card (「くわしく」): every way, what to bring, fee, hours, where, whom."""
        body: list[dict[str, Any]] = []
        if p.urgent:
            body.append(_callout([p.urgent]))
        body += [_line(p.summary, size="md"), _separator(),
                 _line(_headline(p, p.channels), size="lg", weight="bold", color=ACCENT)]
        for channel in p.channels:
            detail = []
            if channel.need:
                detail.append(self._labelled("need", "、".join(channel.need)))
            if channel.hours:
                detail.append(self._labelled("time", channel.hours))
            if channel.note:
                detail.append(channel.note)
            if channel.url and not channel.url_source:
                detail.append(self._general_page_words(channel))
            body.append(_section(CHANNEL_KINDS[channel.kind].label, detail))
        if p.who:
            body.append(_section(self._say("who"), [p.who]))
        if p.when:
            body.append(_section(self._say("deadline"), [p.when]))
        if p.prepare:
            body.append(_section(self._say("bring"), ["・" + item for item in p.prepare]))
        body.append(_section(self._say("fee"), [*self._fee_lines(p),
                                                self._labelled("payment", p.payment or self._ask_city())]))
        shows_counter = any(c.kind == "counter" for c in p.channels)
        if shows_counter:
            counter = p.counter
            body.append(_section(self._say("counter"), [
                f"{counter.name}　{counter.address}",
                self._labelled("counter_hours", counter.hours or self._ask_city())]))
        if p.processing:
            body.append(_section(self._say("processing"), [p.processing]))
        if p.note:
            body.append(_section(self._say("note"), [p.note]))
        contact = [self._contact_line(p)]
        if p.contact.floor:
            contact.append(self._labelled("place", p.contact.floor))
        body.append(_section(self._say("contact"), contact))

        footer = self._link_buttons(p, p.channels)
        footer += self._phone_buttons(p, body, primary=not footer)
        if shows_counter and p.counter.address:
            where = {"type": "uri", "uri": MAP_SEARCH + quote(p.counter.address)}
            footer.append(_button(self._say("map_button"), where, primary=False))
        return _bubble(self._header(p), body, footer)

    def _link_buttons(self, p: Procedure, channels: Iterable[Channel],
                      city_page: bool = True) -> list[dict[str, Any]]:
        """The first online application among `channels` (Naka's page, or said plainly as the
        general search), then the city's own page about the procedure when `city_page`."""
        buttons = []
        online = next((c for c in channels if c.online and c.url), None)
        if online is not None and online.url is not None:
            action = {"type": "uri", "uri": online.url}
            buttons.append(_button(self._link_label(online), action, primary=True))
        if p.city_page and city_page:
            buttons.append(_button(self._say("city_page_button"), {"type": "uri", "uri": p.city_page},
                                   primary=not buttons))
        return buttons

    def _phone_buttons(self, p: Procedure, body: list[dict[str, Any]], primary: bool) -> list[dict[str, Any]]:
        """A call button for every phone number the card shows: an urgent one first (stop a
        lost card), then the section's (or the city's), then the rest."""
        numbers = PHONE_IN_TEXT.findall(p.urgent or "")[:1]
        for number in [self._phone(p)] + [n for text in _texts(body) for n in PHONE_IN_TEXT.findall(text)]:
            if number not in numbers:
                numbers.append(number)
        return [_button(self._say("call_button", 電話番号=number),
                        {"type": "uri", "uri": "tel:" + number.replace("-", "")},
                        primary=primary and index == 0)
                for index, number in enumerate(numbers)]

    def _link_label(self, channel: Channel) -> str:
        page = _page_kind(channel)
        return self._say(f"apply_{page}_button" if page else "apply_button")

    def _general_page_words(self, channel: Channel) -> str:
        """Said under an application button that opens a general page, not Naka's own."""
        page = _page_kind(channel)
        return self._say(f"{page}_page") if page and page != "naka" else ""


def _is_more(button: dict[str, Any]) -> bool:
    """The 「くわしく」 button: the one whose postback asks for the detail card."""
    return str(button.get("action", {}).get("data", "")).startswith("d=")


def _with_data(button: dict[str, Any], data: str) -> dict[str, Any]:
    return {**button, "action": {**button["action"], "data": data}}


def _bubble(header: list[dict[str, Any]], body: list[dict[str, Any]],
            footer: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "bubble",
        "size": "giga",
        "header": {"type": "box", "layout": "vertical", "contents": header},
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
    }


def _ordered(channels: tuple[Channel, ...], lead: str) -> tuple[Channel, ...]:
    """The channels in the catalogue's order; for "I cannot go on weekdays", the counter last."""
    if lead == "anytime":
        return tuple(sorted(channels, key=lambda c: c.kind == "counter"))
    return channels


def _page_kind(channel: Channel) -> str:
    """The page an application button opens, as texts.yaml `card:` names it: Naka's own
    ("naka"), a general one to search in, or "" for any other."""
    if channel.url_source:
        return "naka"
    if channel.kind == "mynaportal":
        return "mynaportal_search" if _is_search(channel) else "mynaportal"
    return "ibaraki" if channel.kind == "ibaraki-e" else ""


def _is_search(channel: Channel) -> bool:
    return "/Application/search" in (channel.url or "")


def _texts(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if node.get("type") == "text":
            yield node.get("text", "")
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _callout(lines: list[str]) -> dict[str, Any]:
    """The answer to what was asked: bold, on a pale background, first in the card."""
    return {"type": "box", "layout": "vertical", "spacing": "xs", "paddingAll": "md",
            "backgroundColor": "#FFF4E0", "cornerRadius": "md",
            "contents": [_line(line, size="md", weight="bold", color=INK) for line in lines]}


def _headline(p: Procedure, channels: Iterable[Channel] | None = None) -> str:
    kinds = [c.kind for c in (p.channels if channels is None else channels)]
    best = CHANNEL_KINDS[kinds[0] if kinds else DEFAULT_KIND]
    others = [CHANNEL_KINDS[k].label for k in kinds[1:]]
    headline = best.headline
    if best.short:
        headline += f"（{best.short}）"
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


def call_item(label: str, phone: str) -> dict[str, Any]:
    """A quick reply that dials `phone` (LINE opens the phone app with the number)."""
    return {"type": "action",
            "action": {"type": "uri", "label": label, "uri": "tel:" + phone.replace("-", "")}}


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


def _button_label(title: str) -> str:
    """An intent's title as a button: 「ごみ・粗大ごみ（このボットの対象外）」 is cut to the
    part before its note in brackets when the whole is longer than a button holds."""
    if len(title) <= limits.QUICK_LABEL:
        return title
    short = title.split("（", 1)[0].strip() or title
    return short if len(short) <= limits.QUICK_LABEL else short[: limits.QUICK_LABEL - 1] + "…"
