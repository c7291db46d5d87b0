"""Residents who write in English get English (issue 16, item 6).

The language is chosen per message: a message with no kana or kanji and at least one
English word is English. It is matched against the procedures' `en:` blocks (same
Matcher, an English view of the catalogue) and answered with an English card built
from the same facts as the Japanese one: an unknown fee or opening hours sends the
resident to the city's main number, as in Japanese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.catalogue import Catalogue, EnglishTexts, Intent, Procedure
from bot.channels import DEFAULT_KIND
from bot.matcher import INTENT_PREFIX, OUTSIDE_PREFIX, THRESHOLDS, Answer, Candidate, Matcher, Thresholds
from bot.normalize import Forms
from bot.replies import (
    POSTBACK_MENU,
    LimitError,
    Message,
    call_item,
    fit_postback,
    limit_problems,
    postback_for_category,
    postback_for_procedure,
    postback_for_tap,
)
from bot.words import WordIndex

if TYPE_CHECKING:
    from bot.semantic import WhenUnsure

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words that say nothing about which procedure: dropped from questions and catalogue alike,
# so that the character bigrams compared are those of the words that matter.
STOP_WORDS = frozenset(re.findall(r"\S+", """
a about am an and any are as at be been can could did do does for from get got have has how i i'm
if in is it it's its just know me my of on or our please should so tell that the there this to us
want we what what's when where which who will with would you your need like do i'd i've
"""))
# Scores of words (bot/words.py), not letters: chosen on the English development sets
# (docs/matching.md, seventh round). Whole words often tie two cards closely (register a seal:
# registration and certificate), so only a card 5 points ahead is shown without asking.
ENGLISH_THRESHOLDS = replace(THRESHOLDS, answer=60.0, answer_if_ahead=50.0, ahead_by=10.0,
                             clarify_margin=5.0, suggest=40.0)


def content_of(text: str) -> str:
    """The words of an English text that are not STOP_WORDS, lower case."""
    words = [w for w in _WORDS.findall(text.lower()) if w not in STOP_WORDS]
    return " ".join(words) or text

# Follow-ups in English about the last card (see bot/followup.py for the Japanese ones).
FACT_WORDS = {
    "fee": ("fee", "cost", "how much", "price", "free of charge", "pay"),
    "prepare": ("what do i need", "what should i bring", "bring", "need to take", "documents", "required"),
    "when": ("deadline", "until when", "by when", "due"),
    "online": ("online", "internet", "from home", "smartphone", "website"),
    "hours": ("hours", "what time", "open", "opening", "weekend", "saturday", "sunday"),
    "where": ("where", "which office", "counter", "place", "address"),
    "phone": ("phone", "call", "telephone", "contact", "number"),
}
BACK_WORDS = ("that one", "the previous", "same one", "again", "it")


# Left when a follow-up's fact words are gone, these do not name a new topic.
_GENERIC = frozenset(re.findall(r"\S+", "apply do go get make use one much long take bring need it is "
                                        "there any also too then still ok okay"))


def asked_fact(text: str) -> tuple[str | None, bool, str]:
    """(the fact an English follow-up asks, or None; whether it refers back ("that one");
    the words left once fact, reference and common words are gone: a new topic if any)."""
    lowered = " " + " ".join(_WORDS.findall(text.lower())) + " "
    fact = next((f for f, words in FACT_WORDS.items() if any(f" {w} " in lowered for w in words)), None)
    rest = lowered
    said = {w for ws in FACT_WORDS.values() for w in ws} | set(BACK_WORDS)
    for word in sorted(said, key=len, reverse=True):
        rest = rest.replace(f" {word} ", " ")
    left = [w for w in rest.split() if w not in STOP_WORDS and w not in _GENERIC]
    return fact, any(f" {w} " in lowered for w in BACK_WORDS), " ".join(left)


def is_english(text: str) -> bool:
    """No kana or kanji, and at least one word of Latin letters."""
    return not _JAPANESE.search(text) and bool(_WORD.search(text))


def english_catalogue(catalogue: Catalogue) -> Catalogue:
    """The catalogue as an English reader sees it: only procedures with an `en:` block."""
    procedures = tuple(
        # legal_title=None: the matcher reads the legal name before the title, and the
        # Japanese one would bring its few Latin words (Web, QR, LINE) as an English title.
        replace(p, title=content_of(p.en.title), legal_title=None, label=content_of(p.en.label),
                keywords=tuple(content_of(k) for k in p.en.keywords),
                examples=tuple(content_of(e) for e in p.en.examples))
        for p in catalogue.procedures if p.en is not None)
    texts = catalogue.english
    reviewed, path = catalogue.city.reviewed, "intents/english.yaml"
    intents = tuple(Intent(id=name, title=name, reply=reply, keywords=tuple(map(content_of, words)),
                           examples=tuple(map(content_of, words)), source=("bot text",),
                           reviewed=reviewed, path=path)
                    for name, words, reply in texts.intents)
    # One intent per topic other offices handle: one holding every word would dilute its wording.
    intents += tuple(Intent(id=OUTSIDE_PREFIX + ("en" if topic == "general" else f"en-{topic}"),
                            title="not handled", reply="", keywords=tuple(map(content_of, words)),
                            examples=tuple(map(content_of, words)),
                            source=("bot text",), reviewed=reviewed, path=path)
                     for topic, words in texts.outside)
    return replace(catalogue, procedures=procedures, intents=intents, synonyms=())



class EnglishMatcher(Matcher):
    """The Matcher's decisions over the English view, its evidence counted in words
    (bot/words.py): which entry, whether to ask which one, to fall back or suggest.

    `when_unsure`: where the words leave it unsure, closeness in meaning may settle it
    (bot/semantic.py). Off: with words it lost on the development sets (docs/matching.md)."""

    def __init__(self, catalogue: Catalogue, thresholds: Thresholds = ENGLISH_THRESHOLDS,
                 when_unsure: WhenUnsure | None = None) -> None:
        super().__init__(catalogue, thresholds)
        self.when_unsure = when_unsure
        self.meaning = None
        if when_unsure:  # imported only then: numpy and the model stay out of the bot's workers
            from bot.semantic import Meaning

            self.meaning = Meaning([(e.id, [d.text for d in e.docs]) for e in self.entries])

    def _index(self) -> None:
        """The words of every entry, instead of the Matcher's character indexes (the rules
        that read those are worded in words below); ACT_WORDS are Japanese words."""
        self.words = WordIndex([[(d.role, d.text) for d in e.docs] for e in self.entries], STOP_WORDS)
        self._acts = set()

    def _names_unsaid(self, topic: Candidate, card: Candidate, forms: Forms) -> bool:
        """Whether one of `topic`'s keywords found has a word that `card`'s texts never use."""
        vocabulary = self.words.vocabulary[self._position[card.id]]
        return any(not self.words.words_in[keyword] <= vocabulary for keyword in topic.found)

    def _names_its_own(self, card: Candidate, topic: Candidate, forms: Forms) -> bool:
        """Whether one of `card`'s keywords found has a word that `topic`'s keywords lack."""
        topic_words = frozenset().union(*(self.words.words_in[keyword] for keyword in topic.found))
        return any(not self.words.words_in[keyword] <= topic_words for keyword in card.found)

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        forms = self.normalize(content_of(text))
        asked = self.words.read(text)
        t = self.thresholds
        found = self.words.found(asked)
        # The procedures' keywords the question contains, but those inside a longer one: what
        # it is about, for the rule that prefers a card speaking of all of them (Matcher.match).
        keywords = {k: ws for index, f in found.items()
                    if not self.entries[index].id.startswith(INTENT_PREFIX) for k, ws in f.keywords.items()}
        asked_about = {k: ws for k, ws in keywords.items()
                       if not any(ws < other for other in keywords.values())}
        scored = []
        for index, f in found.items():
            near = f.resemblance
            if near < t.resemblance_alone:
                near = min(near, max(f.keyword_points, f.shared) + t.resemblance_support)
            # The stronger of keywords and resemblance in full, the other and the shared words
            # in part: a question shares all its words with many entries' vocabularies.
            lead, other = max(near, f.keyword_points), min(near, f.keyword_points)
            score = (lead + t.support * (other + f.shared) / 2) / (1 + t.support)
            if score > 0:
                scored.append((round(score, 1), index, near, f))
        scored.sort(key=lambda row: (-row[0], row[1]))
        candidates = []
        for score, index, near, f in scored[:limit]:
            evidence = [f"例・題名「{f.closest}」に{near:.0f}点の近さ"] if f.closest else []
            if f.keywords:
                evidence.append(f"ことば {'・'.join(f.keywords)}（{f.keyword_points:.0f}点）")
            evidence.append(f"語の重なり{f.shared:.0f}点")
            vocabulary = self.words.vocabulary[index]
            unexplained = tuple(k for k, ws in asked_about.items() if not ws <= vocabulary)
            candidates.append(Candidate(self.entries[index].id, score, tuple(evidence), unexplained,
                                        tuple(f.keywords)))
        return forms, candidates

    def match(self, text: str) -> Answer:
        answer = super().match(text)
        if self.when_unsure and self.meaning:
            from bot.semantic import settle

            meaning = self.meaning
            answer = settle(answer, lambda: meaning.closeness(content_of(text)), self.when_unsure)
        return replace(answer, text=text)


@dataclass
class English:
    """The English matcher and replies for one catalogue."""

    catalogue: Catalogue
    matcher: Matcher = field(init=False)
    texts: EnglishTexts = field(init=False)

    def __post_init__(self) -> None:
        self.matcher = EnglishMatcher(english_catalogue(self.catalogue), ENGLISH_THRESHOLDS)
        self.texts = self.catalogue.english

    def _say(self, text: str) -> str:
        """One of intents/english.yaml's texts, the city's number filled in."""
        return self.texts.fill(text, self.catalogue.city)

    def _kind(self, kind: str) -> str:
        return self.texts.channels[kind][0]

    def _card(self, name: str, **values: str) -> str:
        """One of the English card's words, as staff wrote it in intents/english.yaml `card:`."""
        return self.texts.card_text(name, self.catalogue.city, **values)

    def _contact(self, p: Procedure) -> str:
        """Whom to call: the section's direct line when confirmed, else the city's main number."""
        if p.contact.phone:
            return self._card("section_contact", phone=p.contact.phone)
        return self._card("main_contact")

    def _fee(self, p: Procedure, ask: str) -> str:
        """The English fee; a fee confirmed in Japanese but not translated yet is shown as written."""
        if p.en is not None and p.en.fee:
            return p.en.fee
        return self._card("fee_in_japanese", fee=p.fee) if p.fee else ask

    def match(self, text: str) -> Answer:
        return self.matcher.match(text)

    # --- replies -----------------------------------------------------------------------
    def for_answer(self, answer: Answer) -> list[Message]:
        if answer.kind == "procedure" and answer.id and (p := self.catalogue.procedure(answer.id)):
            return self.procedure(p, answer.suggested, answer.text)
        if answer.kind == "intent" and answer.id:
            if answer.id.startswith(OUTSIDE_PREFIX):
                return self.not_handled(answer.suggested, answer.text)
            reply = next((r for name, _, r in self.texts.intents if name == answer.id), None)
            if reply:
                return [self._text(self._say(reply), self._menu())]
        if answer.kind == "clarify":
            return self.clarify([c.id for c in answer.candidates])
        return self.fallback(answer.suggested, answer.text)

    def procedure(self, p: Procedure, runners_up: Iterable[str] = (), question: str = "") -> list[Message]:
        """The English card; its quick replies offer the `runners_up` (close second answers,
        each carrying the `question`, masked), the related procedures and the menu."""
        en = p.en
        if en is None:  # no translation yet: the Japanese card, said so in English
            return [self._text(self._say(self.texts.no_english_yet), self._menu())]
        city = self.catalogue.city
        ask = self._card("ask")
        body: list[dict[str, Any]] = [_line(en.summary, size="md"), _separator()]
        kinds = [c.kind for c in p.channels]
        headline = self.texts.channels[kinds[0] if kinds else DEFAULT_KIND][1]
        if len(kinds) > 1:
            headline += "\n" + self._card("also", ways=", ".join(self._kind(k) for k in kinds[1:]))
        body.append(_line(headline, size="lg", weight="bold", color=ACCENT))
        for index, channel in enumerate(p.channels):
            detail = []
            if index < len(en.need) and en.need[index]:
                detail.append(f"{self._card('need')}: " + "; ".join(en.need[index]))
            if index < len(en.hours) and en.hours[index]:
                detail.append(f"{self._card('hours')}: {en.hours[index]}")
            body.append(_section(self._kind(channel.kind), detail))
        if en.when:  # a deadline missed costs money: on the card, as in Japanese
            body.append(_section(self._card("deadline"), [en.when]))
        body.append(_section(self._card("fee"), [self._fee(p, ask)]))
        # Counter hours are not confirmed for any procedure yet (naka-facts.md): in both languages.
        counter_hours = ask if not p.hours else self._card("ask_counter_hours")
        body.append(_section(self._card("counter_hours"), [counter_hours]))
        body.append(_section(self._card("contact"), [self._contact(p)]))
        footer: list[dict[str, Any]] = []
        online = next((c for c in p.channels if c.online and c.url), None)
        if online and online.url:
            apply = {"type": "uri", "uri": online.url}
            footer.append(_button(self._card("apply_button"), apply, primary=True))
        phone = p.contact.phone or city.phone
        footer.append(_button(self._card("call_button", phone=phone),
                              {"type": "uri", "uri": "tel:" + phone.replace("-", "")}, primary=not online))
        bubble = {
            "type": "bubble", "size": "giga",
            "header": {"type": "box", "layout": "vertical", "contents": [
                _line(self.texts.categories.get(p.category, ""), size="sm", color=MUTED),
                _line(en.title, size="xl", weight="bold")]},
            "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
            "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
        }
        close = [r for rid in runners_up if (r := self.catalogue.procedure(rid)) and r.en and r.id != p.id]
        related = [r for rid in p.related if (r := self.catalogue.procedure(rid)) and r.en and r not in close]
        items = [_item(r.en.label, postback_for_tap("instead", r.id, question)) for r in close if r.en]
        items += [_item(r.en.label, postback_for_procedure(r.id)) for r in related[:4 - len(items)] if r.en]
        items.append(_item(self.texts.menu_button, POSTBACK_MENU))
        card = {"type": "flex", "altText": f"{en.title}: {en.summary}"[:1500], "contents": bubble,
                "quickReply": {"items": items}}
        return _checked([card])

    def fact(self, p: Procedure, fact: str) -> list[Message]:
        """One fact of the English card, short, with a button for the whole card."""
        en = p.en
        if en is None:
            return self.procedure(p)
        ask = self._card("ask") + "."
        ways = ", ".join(self._kind(c.kind) for c in p.channels)
        lines: list[str]
        if fact == "prepare":
            pairs = zip(p.channels, en.need, strict=False)
            lines = [f"{self._kind(c.kind)}: " + "; ".join(need) for c, need in pairs if need] or [ask]
        elif fact == "fee":
            lines = [self._fee(p, ask)]
        elif fact == "online":
            online = [c for c in p.channels if c.online]
            lines = [self._card("online_yes", way=self._kind(c.kind), url=c.url or "").rstrip()
                     for c in online] or [self._card("online_no", ways=ways)]
        elif fact == "hours":
            lines = [f"{self._card('counter')}: {ask}"] + [
                f"{self._kind(c.kind)}: {h}" for c, h in zip(p.channels, en.hours, strict=False) if h]
        elif fact == "where":
            lines = [f"{self._card('where')}: {ways}", self._card("city_hall")]
        elif fact == "when":  # a deadline not translated yet is said to be in Japanese, never guessed
            if en.when:
                lines = [en.when]
            else:
                lines = [self._card("deadline_in_japanese") if p.when else self._card("no_deadline", ask=ask)]
        else:
            lines = [f"{self._card('contact')}: {self._contact(p)}"]
        items = [_item(en.label, postback_for_procedure(p.id)), _item(self.texts.menu_button, POSTBACK_MENU)]
        return _checked([self._text(f"[{en.title}]\n" + "\n".join(lines), items)])

    def clarify(self, ids: list[str]) -> list[Message]:
        items = []
        for entry_id in ids:
            if entry_id.startswith(INTENT_PREFIX):
                continue
            p = self.catalogue.procedure(entry_id)
            if p is not None and p.en is not None:
                items.append(_item(p.en.label, postback_for_procedure(p.id)))
        items.append(_item(self.texts.none_of_these_button, POSTBACK_MENU))
        return _checked([self._text(self._say(self.texts.clarify), items)])

    def fallback(self, suggested: Iterable[str] = (), question: str = "") -> list[Message]:
        """Nothing found for certain; "Did you mean" buttons for `suggested` procedures (each
        carrying the `question`, masked, as the Japanese ones do)."""
        maybe = [(p.id, p.en.label) for entry_id in suggested
                 if (p := self.catalogue.procedure(entry_id)) and p.en is not None]
        if not maybe:
            return _checked([self._text(self._say(self.texts.fallback), self._menu(call=True))])
        items = [_item(label, postback_for_tap("chosen", pid, question)) for pid, label in maybe]
        items += self._menu(call=True)
        return _checked([self._text(self._say(self.texts.maybe), items)])

    def not_handled(self, related: Iterable[str] = (), question: str = "") -> list[Message]:
        """Not handled here; the `related` procedures' cards first, as the Japanese reply does."""
        items = [_item(p.en.label, postback_for_tap("related", p.id, question)) for entry_id in related
                 if (p := self.catalogue.procedure(entry_id)) and p.en is not None]
        text = self._say(self.texts.not_handled)
        if items:
            text += "\n" + self._say(self.texts.related)
        return _checked([self._text(text, items + self._menu(call=True))])

    def menu(self) -> list[Message]:
        return _checked([self._text(self._say(self.texts.menu), self._menu())])

    def category(self, category_id: str) -> list[Message]:
        procedures = [p for p in self.catalogue.in_category(category_id) if p.en is not None]
        labels = [(p.id, p.en.label) for p in procedures if p.en is not None]
        buttons = [_button(label, {"type": "postback", "displayText": label,
                                   "data": POSTBACK_PREFIX + postback_for_procedure(pid)}, primary=False)
                   for pid, label in labels]
        name = self.texts.categories.get(category_id, category_id)
        header = [_line(name, size="lg", weight="bold"),
                  _line(self._say(self.texts.category), size="md", color=MUTED)]
        bubble = {"type": "bubble", "size": "giga",
                  "header": {"type": "box", "layout": "vertical", "contents": header},
                  "body": {"type": "box", "layout": "vertical", "spacing": "sm",
                           "contents": buttons or [_line(self._card("no_procedures"), size="md")]}}
        alt = f"{name}: " + ", ".join(label for _, label in labels)
        return _checked([{"type": "flex", "altText": alt[:1500], "contents": bubble,
                          "quickReply": {"items": [_item(self.texts.menu_button, POSTBACK_MENU)]}}])

    def _menu(self, call: bool = False) -> list[dict[str, Any]]:
        """The categories as quick replies; `call`: first a button that calls the city."""
        calls = [call_item(self.texts.call_button, self.catalogue.city.phone)] if call else []
        return calls + [_item(self.texts.categories.get(c.id, c.label), postback_for_category(c.id))
                        for c in self.catalogue.categories]

    @staticmethod
    def _text(text: str, items: list[dict[str, Any]]) -> Message:
        return {"type": "text", "text": text, "quickReply": {"items": items[:13]}}


POSTBACK_PREFIX = "en:"  # a button tapped in an English reply answers in English too


def _item(label: str, data: str) -> dict[str, Any]:
    return {"type": "action", "action": {"type": "postback", "label": label[:20],
                                         "data": fit_postback(POSTBACK_PREFIX + data),
                                         "displayText": label[:20]}}


# --- flex pieces (the Japanese card's look; kept here so the card layout can change apart) ---
INK = "#1A1A1A"
MUTED = "#4D4D4D"
ACCENT = "#0B6E3A"


def _line(text: str, **style: str) -> dict[str, Any]:
    return {"type": "text", "text": text or " ", "wrap": True, "color": INK, "scaling": True, **style}


def _separator() -> dict[str, Any]:
    return {"type": "separator"}


def _section(title: str, lines: list[str]) -> dict[str, Any]:
    return {"type": "box", "layout": "vertical", "spacing": "xs",
            "contents": [_line(title, size="sm", weight="bold", color=MUTED)]
            + [_line(line, size="md") for line in lines]}


def _button(label: str, action: dict[str, Any], primary: bool) -> dict[str, Any]:
    return {"type": "button", "style": "primary" if primary else "secondary", "height": "md",
            "scaling": True, **({"color": ACCENT} if primary else {}), "action": {**action, "label": label}}


def _checked(messages: list[Message]) -> list[Message]:
    problems = limit_problems(messages)
    if problems:
        raise LimitError("; ".join(problems))
    return messages

