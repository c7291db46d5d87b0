"""The procedure catalogue: load procedures/ and intents/, validate, give immutable objects.

Layout (see procedures/README.md for staff):
    procedures/city.yaml               the city hall's main contact
    procedures/categories.yaml         the menu categories, in menu order
    procedures/facets.yaml             words that show what a question asks (fee, deadline ...)
    procedures/facts/sections.yaml     city facts written once: the sections (係・課) ...
    procedures/facts/counters.yaml     ... the counters (hours, how to pay there) ...
    procedures/facts/fees.yaml         ... and the fee table; procedures refer to them by id
    procedures/<category>/<id>.yaml    one procedure per file
    intents/<name>.yaml                greeting, thanks, help, contact, ...
    intents/synonyms.yaml              resident words -> catalogue words

A value written as null (~) means "not confirmed yet": the bot then sends the
resident to the city's main contact, and `nakabot check --todo` lists it, a city
fact once with the number of procedures waiting on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot import limits
from bot.channels import CHANNEL_KINDS
from bot.yamlsource import Document, FieldPath, Problem, field_name, read_document

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# YAML's folded style (>-) joins lines with a space, which Japanese text does not want.
_JAPANESE = r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]"
_JOINED_SPACE = re.compile(rf"(?<={_JAPANESE})[ \t]+(?={_JAPANESE})")
# Japanese phone numbers: 0 + area/prefix, written with hyphens, 10 or 11 digits in all.
PHONE_PATTERN = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$")
NOT_INTENTS = {"synonyms.yaml", "texts.yaml", "english.yaml"}  # files in intents/ that hold no intent
# The fields of a procedure file (procedures/README.md lists them for staff; a test
# keeps the two the same).
PROCEDURE_FIELDS = ("id", "category", "title", "legal_title", "label", "summary", "who", "when", "urgent",
                    "answers", "city_page", "channels", "prepare", "fee", "payment", "counter", "processing",
                    "contact", "related", "keywords", "examples", "note", "source", "reviewed", "en")
CHANNEL_FIELDS = ("kind", "url", "url_source", "need", "hours", "note")
CITY_SITE = "https://www.city.naka.lg.jp/"
FACTS_DIR = "facts"  # procedures/facts/: city facts, not procedures
TOP_FILES = frozenset({"city.yaml", "categories.yaml", "facets.yaml"})
_BARE_NUMBER = re.compile(r"^[0-9０-９][0-9０-９,，.]*$")
# Text that still sends residents to the city hall for a fact the card now shows.
_PLEASE_ASK = "(ご確認ください|おたずねください|お問い合わせください)"
_ASKS_FOR = {
    "fee": re.compile(r"(手数料|金額)[^。]*?" + _PLEASE_ASK),
    "hours": re.compile(r"(受付時間|受付の時間)[^。]*?" + _PLEASE_ASK),
}
_FACT_WORDS = {"fee": "手数料", "hours": "受付時間"}
MIN_EXAMPLES = 8  # fewer is a warning: the matcher learns residents' words from these


@dataclass(frozen=True)
class Channel:
    """One way to do a procedure: online, at a store, by post or at the counter."""

    kind: str
    url: str | None = None
    # Where `url` is Naka's own page for this procedure: the source showing it is that page
    # and stays (None: `url` is a general page, and the button says so).
    url_source: str | None = None
    need: tuple[str, ...] = ()
    hours: str | None = None
    note: str | None = None

    @property
    def online(self) -> bool:
        return CHANNEL_KINDS[self.kind].online


@dataclass(frozen=True)
class Section:
    """A section (係・課) of the city hall, written once in procedures/facts/sections.yaml."""

    id: str
    role: str  # what it handles, in residents' words (known: it is what the procedures are about)
    name: str | None = None  # None: not confirmed for this city yet
    phone: str | None = None  # a direct line; None: residents call the main number
    floor: str | None = None

    @property
    def section(self) -> str | None:
        """The section's name, as the older `contact.section` said it."""
        return self.name


@dataclass(frozen=True)
class Counter:
    """A counter where residents go (本庁...): where, when, how they can pay there."""

    id: str
    name: str
    address: str
    hours: str | None = None
    payment: str | None = None


@dataclass(frozen=True)
class Fee:
    """One row of the fee table (procedures/facts/fees.yaml), or a procedure's own text."""

    id: str  # "" for a text written in the procedure itself
    name: str
    counter: str | None = None  # at the counter (or the procedure's own text)
    konbini: str | None = None  # at a convenience store; None: not known or not offered


@dataclass(frozen=True)
class Facet:
    """Something a question can ask about (fee, deadline ...) and the words that say it."""

    id: str
    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class English:
    """A procedure in English, translated from its Japanese entry (the `en:` block).

    The same facts: what to bring per channel (in the channels' order), the fee and the
    deadline are translations of the Japanese ones; a fact unknown in Japanese is unknown
    here too.
    """

    title: str
    label: str
    summary: str
    need: tuple[tuple[str, ...], ...]  # one list per channel, as `channels[i].need`
    hours: tuple[str | None, ...]  # one per channel, as `channels[i].hours`
    fee: str | None
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    when: str | None = None  # the deadline, as `when`


def japanese_digest(title: str, summary: str, channels: tuple[Channel, ...], fee: str | None,
                    when: str | None = None) -> str:
    """8 hex digits over the Japanese facts an `en:` block translates (title, summary, the
    channels' kinds, needs and hours, the fee, and the deadline when it translates one): a
    changed fact changes the digest."""
    facts = [title, summary, fee or "~"] + [f"{c.kind}|{'|'.join(c.need)}|{c.hours or '~'}" for c in channels]
    if when is not None:
        facts.append(f"when|{when}")
    return hashlib.sha256("\n".join(facts).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Procedure:
    id: str
    category: str
    title: str
    label: str  # resident words for buttons, at most limits.QUICK_LABEL characters
    summary: str
    channels: tuple[Channel, ...]
    fees: tuple[Fee, ...]
    contact: Section
    counter: Counter
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    source: tuple[str, ...]
    reviewed: dt.date
    path: str
    who: str | None = None
    when: str | None = None
    prepare: tuple[str, ...] = ()
    processing: str | None = None
    related: tuple[str, ...] = ()
    note: str | None = None
    legal_title: str | None = None  # the name in law, shown small under the plain title
    urgent: str | None = None  # what to do first and at once (stop a lost card ...)
    own_payment: str | None = None  # how to pay for this procedure, when not as at the counter
    # Short answers that lead the card when the question asks about that facet
    # (facet id from procedures/facets.yaml -> text), e.g. payment: PayPayで払えます…
    answers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    city_page: str | None = None  # Naka's own page about this procedure (also in `source`)
    en: English | None = None  # for residents who write in English

    @property
    def hours(self) -> str | None:
        """The counter's hours (a city fact, written once)."""
        return self.counter.hours

    @property
    def payment(self) -> str | None:
        """The procedure's own way to pay, else the counter's (a city fact, written once)."""
        return self.own_payment or self.counter.payment

    @property
    def fee(self) -> str | None:
        """The fee in one line (None while not confirmed): the procedure's own text, or the
        fee table's rows it names."""
        known = [f for f in self.fees if f.counter or f.konbini]
        if not known:
            return None
        return "、".join(
            (f.counter or "") if not f.id else "".join(
                [f"{f.name}：" if len(self.fees) > 1 else "",
                 f"窓口 {f.counter or '未確認'}" if f.konbini else (f.counter or ""),
                 f"・コンビニ {f.konbini}" if f.konbini else ""])
            for f in known)

    @property
    def fee_known(self) -> bool:
        return any(f.counter or f.konbini for f in self.fees)


@dataclass(frozen=True)
class Intent:
    id: str
    title: str
    reply: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    source: tuple[str, ...]
    reviewed: dt.date
    path: str


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    label: str
    first: tuple[str, ...] = ()  # procedure ids listed first in the category's menu
    words: tuple[str, ...] = ()  # a message of only one of these words gets the category's list


@dataclass(frozen=True)
class City:
    name: str
    address: str
    phone: str
    hours: str | None
    website: str | None
    source: tuple[str, ...]
    reviewed: dt.date


# The fixed texts residents read (intents/texts.yaml, where each is explained for staff).
TEXT_FIELDS = ("welcome", "fallback", "maybe", "related", "please_type", "clarify", "menu", "category",
               "thanks_helpful", "thanks_unhelpful")
BUTTON_FIELDS = ("menu", "none_of_these", "back_to_menu", "more", "helpful", "not_helpful", "call")  # labels
# Placeholders a text may hold, filled from procedures/city.yaml (see Texts.fill).
PLACEHOLDERS = ("代表電話", "受付時間")
# The words of a procedure's card (texts.yaml `card:`), each with the placeholders it may hold
# (see Texts.card_text). Fields ending in _button are button labels.
CARD_FIELDS: dict[str, tuple[str, ...]] = {
    "ask_city": ("電話番号",), "tell_section": ("代表電話", "係"), "counter_only": ("問い合わせ先",),
    "also_possible": ("方法",), "category_alt": ("分類",),
    **dict.fromkeys(("bring", "deadline", "contact", "fee", "payment", "need", "time", "who", "counter",
                     "counter_hours", "processing", "note", "place"), ()),
    "map_button": (), "city_page_button": (), "call_button": ("電話番号",), "apply_naka_button": (),
    "apply_mynaportal_search_button": (), "apply_mynaportal_button": (), "apply_ibaraki_button": (),
    "apply_button": (),
    "mynaportal_search_page": (), "mynaportal_page": (), "ibaraki_page": (),
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Texts:
    """The fixed texts residents read, as staff wrote them in intents/texts.yaml."""

    welcome: str
    fallback: str
    maybe: str  # a fallback that offers the procedures it half found (「もしかして」)
    related: str  # after a topic not handled, above the buttons of the cards next to it
    please_type: str
    clarify: str
    menu: str
    category: str
    thanks_helpful: str
    thanks_unhelpful: str
    menu_button: str
    none_of_these_button: str
    back_to_menu_button: str
    more_button: str
    helpful_button: str
    not_helpful_button: str
    call_button: str  # a quick reply that calls the city's main number
    path: str
    card: Mapping[str, str] = field(default_factory=dict)  # CARD_FIELDS -> text as written
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)  # field -> line

    def fill(self, text: str, city: City) -> str:
        """The text with {代表電話} and {受付時間} replaced by the city's facts."""
        return _filled(text, _city_values(city))

    def card_text(self, name: str, city: City, **values: str) -> str:
        """One of the card's words (CARD_FIELDS), its placeholders filled: the city's
        {代表電話} and {電話番号} unless `values` gives them, the rest from `values`."""
        return _filled(self.card[name], {**_city_values(city), **values})


def _city_values(city: City) -> dict[str, str]:
    """What the city's placeholders in intents/texts.yaml stand for (procedures/city.yaml)."""
    return {"代表電話": f"{city.name}（代表）{city.phone}", "電話番号": city.phone,
            "受付時間": f"（受付 {city.hours}）" if city.hours else ""}


def _filled(text: str, values: Mapping[str, str]) -> str:
    """`text` with each {name} replaced by values[name] (the loader allowed only those)."""
    return _PLACEHOLDER.sub(lambda found: values[found.group(1)], text)


# What the bot says in English beside the procedures' en: blocks (intents/english.yaml).
ENGLISH_TEXT_FIELDS = ("fallback", "maybe", "not_handled", "related", "menu", "clarify", "category",
                       "no_english_yet")
ENGLISH_BUTTON_FIELDS = ("menu", "none_of_these", "call")
# The words of the English card (english.yaml `card:`) and the placeholders each may hold.
ENGLISH_CARD_FIELDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("need", "hours", "fee", "deadline", "counter_hours", "contact", "counter", "where",
                     "city_hall", "no_procedures", "apply_button"), ()),
    **dict.fromkeys(("ask", "ask_counter_hours", "section_contact", "main_contact", "deadline_in_japanese",
                     "call_button"), ("phone",)),
    "also": ("ways",), "online_no": ("ways",), "online_yes": ("way", "url"), "fee_in_japanese": ("fee",),
    "no_deadline": ("ask",),
}


@dataclass(frozen=True)
class EnglishTexts:
    """intents/english.yaml: the fixed English texts, names and intents, as staff wrote them."""

    fallback: str
    maybe: str  # a fallback with "Did you mean" buttons
    not_handled: str
    related: str  # after not_handled, above the buttons of the cards next to the topic
    menu: str
    clarify: str
    category: str
    no_english_yet: str
    menu_button: str
    none_of_these_button: str
    call_button: str
    categories: Mapping[str, str]  # category id -> its English name
    channels: Mapping[str, tuple[str, str]]  # channel kind -> (label, headline)
    intents: tuple[tuple[str, tuple[str, ...], str], ...]  # (id, words, reply)
    outside: tuple[tuple[str, tuple[str, ...]], ...]  # (topic, words) other offices handle
    card: Mapping[str, str] = field(default_factory=dict)  # ENGLISH_CARD_FIELDS -> text as written

    def fill(self, text: str, city: City) -> str:
        """The text with {phone} replaced by the city's main number."""
        return _filled(text, {"phone": city.phone})

    def card_text(self, name: str, city: City, **values: str) -> str:
        """One of the English card's words, {phone} the city's main number unless given."""
        return _filled(self.card[name], {"phone": city.phone, **values})


@dataclass(frozen=True)
class Catalogue:
    city: City
    categories: tuple[Category, ...]
    procedures: tuple[Procedure, ...]
    intents: tuple[Intent, ...]
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]  # (catalogue word, resident words)
    texts: Texts
    english: EnglishTexts
    version: str
    facets: tuple[Facet, ...] = ()
    sections: tuple[Section, ...] = ()
    counters: tuple[Counter, ...] = ()
    fees: tuple[Fee, ...] = ()

    # Lookups by id, built once from the tuples above (not part of equality or repr).
    _procedures: dict[str, Procedure] = field(init=False, repr=False, compare=False)
    _intents: dict[str, Intent] = field(init=False, repr=False, compare=False)
    _categories: dict[str, Category] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_procedures", {p.id: p for p in self.procedures})
        object.__setattr__(self, "_intents", {i.id: i for i in self.intents})
        object.__setattr__(self, "_categories", {c.id: c for c in self.categories})

    def procedure(self, procedure_id: str) -> Procedure | None:
        return self._procedures.get(procedure_id)

    def intent(self, intent_id: str) -> Intent | None:
        return self._intents.get(intent_id)

    def category(self, category_id: str) -> Category | None:
        return self._categories.get(category_id)

    def in_category(self, category_id: str) -> tuple[Procedure, ...]:
        """The category's procedures, those named in its `first` list leading."""
        category = self.category(category_id)
        first = category.first if category else ()
        listed = [p for p in self.procedures if p.category == category_id]
        return tuple(sorted(listed, key=lambda p: first.index(p.id) if p.id in first else len(first)))


# In a keyword, 「…」 (or three dots) separates words that count when the question has them
# all, apart and in any order: 住民票…移 meets 住民票はいつまでに移せば (bot/matcher.py).
WORDS_APART = re.compile(r"…|\.\.\.")
# One kanji, the unified ideographs with extension A (the matcher checks written kanji with it).
KANJI = re.compile(r"[\u3400-\u9fff]")


def _word_apart(part: str) -> bool:
    """A word of a keyword written with 「…」: two characters or more, or one kanji (移 of 移す)."""
    return len(part) >= 2 or bool(KANJI.fullmatch(part))


class CatalogueError(Exception):
    """The catalogue has errors; `problems` says where, for staff."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors))


@dataclass(frozen=True)
class Gap:
    """A fact written as null: not confirmed yet, so residents are sent to the city."""

    path: str
    line: int
    field: str
    owner: str  # procedure or intent id, or the fact's "sections:ID", "counters:ID", "fees:ID"
    waiting: tuple[str, ...] = ()  # for a city fact: the procedures whose cards need it

    @property
    def is_fact(self) -> bool:
        return ":" in self.owner


@dataclass(frozen=True)
class Report:
    """Everything `nakabot check` needs: the catalogue (if usable), problems, and gaps."""

    catalogue: Catalogue | None
    problems: tuple[Problem, ...]
    gaps: tuple[Gap, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


def load(root: Path, today: dt.date | None = None, max_age_days: int = 365) -> Catalogue:
    """Load and validate the catalogue under `root`; raise CatalogueError on any error."""
    report = inspect(root, today=today, max_age_days=max_age_days)
    if report.errors or report.catalogue is None:
        raise CatalogueError(list(report.problems))
    return report.catalogue


def inspect(root: Path, today: dt.date | None = None, max_age_days: int = 365) -> Report:
    """Read every file under `root`, collecting problems and gaps instead of stopping."""
    reader = _Reader(root, today or dt.date.today(), max_age_days)
    return reader.read()


class _Reader:
    """Validates one catalogue tree. Each `_field`-style call records problems with lines."""

    def __init__(self, root: Path, today: dt.date, max_age_days: int) -> None:
        self.root = root
        self.today = today
        self.max_age_days = max_age_days
        self.problems: list[Problem] = []
        self.gaps: list[Gap] = []
        self.digest = hashlib.sha256()
        self.doc: Document | None = None
        self.owner = ""

    # --- the whole tree -------------------------------------------------------------
    def read(self) -> Report:
        procedures_dir = self.root / "procedures"
        intents_dir = self.root / "intents"
        facts_dir = procedures_dir / FACTS_DIR
        city = self._read_city(procedures_dir / "city.yaml")
        categories = self._read_categories(procedures_dir / "categories.yaml")
        category_ids = {c.id for c in categories}
        sections = self._read_sections(facts_dir / "sections.yaml")
        counters = self._read_counters(facts_dir / "counters.yaml")
        fees = self._read_fees(facts_dir / "fees.yaml")
        facets = self._read_facets(procedures_dir / "facets.yaml")
        facts = _Facts({s.id: s for s in sections}, {c.id: c for c in counters}, {f.id: f for f in fees})

        procedures: list[Procedure] = []
        for path in sorted(procedures_dir.glob("*/*.yaml")):
            if path.parent.name == FACTS_DIR:
                continue
            procedure = self._read_procedure(path, category_ids, facts, [f.id for f in facets])
            if procedure is not None:
                procedures.append(procedure)
        for path in sorted(procedures_dir.glob("*.yaml")):
            if path.name not in TOP_FILES:
                self._problem_at(path, 1, "(ファイル全体)",
                                 "手続きのファイルは procedures/<分類>/<id>.yaml に置いてください")

        intents = [
            intent
            for path in sorted(intents_dir.glob("*.yaml"))
            if path.name not in NOT_INTENTS and (intent := self._read_intent(path)) is not None
        ]
        synonyms = self._read_synonyms(intents_dir / "synonyms.yaml")
        texts = self._read_texts(intents_dir / "texts.yaml")
        english = self._read_english(intents_dir / "english.yaml", category_ids)

        self._check_across(procedures, intents)
        ids = {p.id for p in procedures}
        for index, category in enumerate(categories):
            for position, procedure_id in enumerate(category.first):
                if procedure_id not in ids:
                    self._problem_at(procedures_dir / "categories.yaml", None,
                                     ("categories", index, "first", position),
                                     f"「{procedure_id}」という手続きはありません")
        self.gaps = [replace(g, waiting=_waiting(g, procedures)) if g.is_fact else g for g in self.gaps]
        catalogue = None
        if (city is not None and texts is not None and english is not None and counters
                and not any(p.severity == "error" for p in self.problems)):
            catalogue = Catalogue(
                city=replace(city, hours=counters[0].hours),  # the main counter's hours, written once
                categories=tuple(categories),
                procedures=tuple(procedures),
                intents=tuple(intents),
                synonyms=synonyms,
                texts=texts,
                english=english,
                version=self.digest.hexdigest()[:12],
                facets=tuple(facets),
                sections=tuple(sections),
                counters=tuple(counters),
                fees=tuple(fees),
            )
        return Report(catalogue, tuple(self.problems), tuple(self.gaps))

    def _open(self, path: Path) -> Document | None:
        shown_as = str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
        if not path.exists():
            self.problems.append(Problem(shown_as, 1, "(ファイル全体)", "ファイルがありません"))
            return None
        document, problems = read_document(path, shown_as)  # refuses a file too large to read
        self.problems.extend(problems)
        if document is None:
            self.doc = None
            return None
        self.digest.update(shown_as.encode())
        self.digest.update(path.read_bytes())
        if not isinstance(document.data, dict):
            self._problem((), "「項目: 値」の形で書いてください")
            return None
        self.doc = document
        return document

    # --- files ------------------------------------------------------------------------
    def _read_city(self, path: Path) -> City | None:
        if self._open(path) is None:
            return None
        self.owner = "city"
        self._known_fields({"name", "address", "phone", "website", "source", "reviewed"},
                           moved={"hours": "procedures/facts/counters.yaml"})
        city = City(
            name=self._text(("name",)) or "",
            address=self._text(("address",)) or "",
            phone=self._phone(("phone",)) or "",
            hours=None,  # from the main counter (procedures/facts/counters.yaml)
            website=self._url(("website",), required=False),
            source=self._sources(),
            reviewed=self._reviewed(),
        )
        return city

    def _read_categories(self, path: Path) -> list[Category]:
        if self._open(path) is None:
            return []
        self.owner = "categories"
        categories = []
        for index, _ in enumerate(self._list(("categories",), required=True)):
            at: FieldPath = ("categories", index)
            categories.append(
                Category(
                    id=self._identifier((*at, "id")) or "",
                    name=self._text((*at, "name")) or "",
                    label=self._text((*at, "label"), max_length=limits.QUICK_LABEL) or "",
                    first=self._texts((*at, "first")),
                    words=self._texts((*at, "words")),
                )
            )
        self._unique([c.id for c in categories], "categories", "id")
        owner: dict[str, str] = {}
        for index, category in enumerate(categories):
            for position, word in enumerate(category.words):
                if owner.setdefault(word, category.id) != category.id:
                    self._problem(("categories", index, "words", position),
                                  f"「{word}」は分類「{owner[word]}」の words にもあります")
        return categories

    def _entries(self, path: Path, key: str, owner: str, fields: set[str]) -> list[FieldPath]:
        """The entries of a facts file (`key:` a list of mappings), each with its own owner."""
        if self._open(path) is None:
            return []
        self.owner = owner
        self._known_fields({key})
        entries = []
        for index, _ in enumerate(self._list((key,), required=True)):
            at: FieldPath = (key, index)
            self._known_fields(fields | {"id", "source", "reviewed"}, at)
            entries.append(at)
        return entries

    def _fact_owner(self, kind: str, at: FieldPath) -> str:
        fact_id = self._identifier((*at, "id")) or ""
        self.owner = f"{kind}:{fact_id}"
        self._sources(at)
        self._reviewed(at)
        return fact_id

    def _read_sections(self, path: Path) -> list[Section]:
        sections = []
        for at in self._entries(path, "sections", "sections", {"role", "name", "phone", "floor"}):
            section_id = self._fact_owner("sections", at)
            for key in ("name", "phone", "floor"):
                if self._has((*at, key)) is False:
                    self._problem((*at, key), "必須です（わからないときは ~ と書きます）")
            phone = self._value((*at, "phone"))
            sections.append(Section(
                id=section_id,
                role=self._text((*at, "role")) or "",
                name=self._text((*at, "name"), nullable=True),
                phone=self._phone((*at, "phone")) if phone is not None else self._text(
                    (*at, "phone"), nullable=True),
                floor=self._text((*at, "floor"), nullable=True),
            ))
        self._unique([s.id for s in sections], "sections", "id")
        return sections

    def _read_counters(self, path: Path) -> list[Counter]:
        counters = []
        for at in self._entries(path, "counters", "counters", {"name", "address", "hours", "payment"}):
            counter_id = self._fact_owner("counters", at)
            for key in ("hours", "payment"):
                if self._has((*at, key)) is False:
                    self._problem((*at, key), "必須です（わからないときは ~ と書きます）")
            counters.append(Counter(
                id=counter_id,
                name=self._text((*at, "name")) or "",
                address=self._text((*at, "address")) or "",
                hours=self._text((*at, "hours"), nullable=True),
                payment=self._text((*at, "payment"), nullable=True),
            ))
        self._unique([c.id for c in counters], "counters", "id")
        return counters

    def _read_fees(self, path: Path) -> list[Fee]:
        fees = []
        for at in self._entries(path, "fees", "fees", {"name", "counter", "konbini"}):
            fee_id = self._fact_owner("fees", at)
            if self._has((*at, "counter")) is False:
                self._problem((*at, "counter"), "必須です（わからないときは ~ と書きます）")
            fees.append(Fee(
                id=fee_id,
                name=self._text((*at, "name")) or "",
                counter=self._money((*at, "counter"), nullable=True),
                # Written only where a store can issue it; ~ there means "not confirmed".
                konbini=self._money((*at, "konbini"), required=False, nullable=True),
            ))
        self._unique([f.id for f in fees], "fees", "id")
        return fees

    def _read_facets(self, path: Path) -> list[Facet]:
        facets = []
        for at in self._entries(path, "facets", "facets", {"name", "words"}):
            self.owner = "facets"
            facets.append(Facet(
                id=self._identifier((*at, "id")) or "",
                name=self._text((*at, "name")) or "",
                words=self._texts((*at, "words"), required=True),
            ))
        self._unique([f.id for f in facets], "facets", "id")
        return facets

    def _read_procedure(self, path: Path, category_ids: set[str], facts: _Facts,
                        facet_ids: Iterable[str] = ()) -> Procedure | None:
        if self._open(path) is None:
            return None
        self.owner = path.stem
        self._known_fields(set(PROCEDURE_FIELDS), moved={"hours": "procedures/facts/counters.yaml"})
        procedure_id = self._identifier(("id",)) or path.stem
        if procedure_id != path.stem:
            self._problem(("id",), f"ファイル名（{path.stem}.yaml）と同じidにしてください")
        self.owner = procedure_id
        category = self._text(("category",)) or ""
        if category and category not in category_ids:
            self._problem(("category",), f"「{category}」という分類はありません"
                                         f"（{', '.join(sorted(category_ids))} のどれか）")
        elif category and path.parent.name != category:
            self._problem(("category",), f"procedures/{category}/ フォルダに置いてください")
        if self._has(("fee",)) is False:
            self._problem(("fee",), "必須です（手数料表のid、文章、わからないときは ~ と書きます）")
        examples = self._texts(("examples",), required=True)
        if 0 < len(examples) < MIN_EXAMPLES:
            self._problem(("examples",), f"例文は{MIN_EXAMPLES}個以上あると答えやすくなります"
                                         f"（いま{len(examples)}個）", severity="warning")
        procedure = Procedure(
            id=procedure_id,
            category=category,
            title=self._text(("title",)) or "",
            legal_title=self._text(("legal_title",), required=False),
            label=self._text(("label",), max_length=limits.QUICK_LABEL) or "",
            summary=self._text(("summary",)) or "",
            who=self._text(("who",), required=False, nullable=True),
            when=self._text(("when",), required=False, nullable=True),
            urgent=self._text(("urgent",), required=False),
            channels=self._channels(),
            prepare=self._texts(("prepare",)),
            fees=self._fees(facts),
            own_payment=self._text(("payment",), required=False),
            answers=self._answers(facet_ids),
            city_page=self._city_page(),
            counter=self._counter(facts),
            processing=self._text(("processing",), required=False, nullable=True),
            contact=self._contact(facts),
            related=self._texts(("related",)),
            keywords=self._keywords(("keywords",), required=True),
            examples=examples,
            note=self._text(("note",), required=False, nullable=True),
            source=self._sources(),
            reviewed=self._reviewed(),
            path=self.doc.path if self.doc else str(path),
        )
        if self._has(("en",)):
            procedure = replace(procedure, en=self._english(procedure))
        self._no_stale_asking(procedure)
        return procedure

    def _no_stale_asking(self, p: Procedure) -> None:
        """A card must not say 「手数料は市役所でご確認ください」 under the fee it shows."""
        known = {"fee": p.fee, "hours": p.hours}
        texts: list[tuple[FieldPath, str | None]] = [(("note",), p.note), (("summary",), p.summary)]
        texts += [(("channels", i, "note"), c.note) for i, c in enumerate(p.channels)]
        for fact, pattern in _ASKS_FOR.items():
            if not known[fact]:
                continue
            for at, text in texts:
                if text and (found := pattern.search(text)):
                    self._problem(at, f"「{found.group(0)}」とありますが、{_FACT_WORDS[fact]}はもう"
                                      f"わかっています（カードに出ます）。この文を直してください",
                                  severity="warning")

    def _english(self, procedure: Procedure) -> English | None:
        """The `en:` block: title, label, summary, need and hours per channel, fee, keywords.

        `translated_from` holds a short digest of the Japanese facts it was translated from
        (japanese_digest): when the Japanese changes, check warns until the English follows.
        """
        self._known_fields({"title", "label", "summary", "channels", "fee", "when", "keywords", "examples",
                            "translated_from"}, ("en",))
        channels, fee = procedure.channels, procedure.fee
        when_en = self._text(("en", "when"), required=False)
        digest = japanese_digest(procedure.title, procedure.summary, channels, fee,
                                 procedure.when if when_en is not None else None)
        if self._text(("en", "translated_from"), required=False) != digest:
            self._problem(("en", "translated_from"),
                          f"日本語が翻訳のあとで変わっています。英語（en:）を日本語に合わせて直し、"
                          f"translated_from: {digest} と書いてください", severity="warning")
        listed = self._list(("en", "channels"))
        if len(listed) != len(channels):
            self._problem(("en", "channels"), f"channels と同じ数（{len(channels)}）にしてください")
        need, hours = [], []
        for index, channel in enumerate(channels):
            at: FieldPath = ("en", "channels", index)
            if index < len(listed):
                self._known_fields({"need", "hours"}, at)
            translated = self._texts((*at, "need")) if index < len(listed) else ()
            if len(translated) != len(channel.need):
                self._problem((*at, "need"), f"日本語の need と同じ数（{len(channel.need)}）にしてください")
            need.append(translated)
            hour = self._text((*at, "hours"), required=False) if index < len(listed) else None
            if (hour is None) != (channel.hours is None):
                self._problem((*at, "hours"), "日本語の hours があるときだけ書いてください")
            hours.append(hour)
        fee_en = self._text(("en", "fee"), required=False)
        if fee_en is not None and fee is None:  # an English fact with no Japanese one behind it
            self._problem(("en", "fee"), "日本語の fee があるときだけ書いてください（同じ内容の英訳）")
        elif fee_en is None and fee is not None:  # a fee just confirmed (often once, in facts/)
            self._problem(("en", "fee"),
                          "日本語の手数料がわかりました。英語の fee も書いてください"
                          "（それまで英語の答えは日本語の手数料を出します）", severity="warning")
        if when_en is not None and procedure.when is None:
            self._problem(("en", "when"), "日本語の when があるときだけ書いてください（同じ内容の英訳）")
        elif when_en is None and procedure.when is not None:
            self._problem(("en", "when"), "日本語に期限（when）があります。英語の when も書いてください"
                                          "（それまで英語の答えは「日本語の案内をご覧ください」と言います）",
                          severity="warning")
        return English(
            title=self._text(("en", "title")) or "",
            label=self._text(("en", "label"), max_length=limits.QUICK_LABEL) or "",
            summary=self._text(("en", "summary")) or "",
            need=tuple(need),
            hours=tuple(hours),
            fee=fee_en,
            keywords=self._texts(("en", "keywords"), required=True),
            examples=self._texts(("en", "examples")),
            when=when_en,
        )

    def _read_intent(self, path: Path) -> Intent | None:
        if self._open(path) is None:
            return None
        self.owner = path.stem
        self._known_fields({"id", "title", "reply", "keywords", "examples", "source", "reviewed"})
        intent_id = self._identifier(("id",)) or path.stem
        if intent_id != path.stem:
            self._problem(("id",), f"ファイル名（{path.stem}.yaml）と同じidにしてください")
        return Intent(
            id=intent_id,
            title=self._text(("title",)) or "",
            reply=self._text(("reply",)) or "",
            keywords=self._keywords(("keywords",)),
            examples=self._texts(("examples",), required=True),
            source=self._sources(),
            reviewed=self._reviewed(),
            path=self.doc.path if self.doc else str(path),
        )

    def _read_synonyms(self, path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if self._open(path) is None or self.doc is None:
            return ()
        self.owner = "synonyms"
        self._known_fields({"synonyms"})
        table = self.doc.data.get("synonyms")
        if not isinstance(table, dict):
            self._problem(("synonyms",), "「ことば: [言いかえ, ...]」の形で書いてください")
            return ()
        entries = []
        seen: dict[str, str] = {}
        for word in table:
            variants = self._texts(("synonyms", word), required=True)
            for variant in variants:
                if variant in seen and seen[variant] != word:
                    self._problem(("synonyms", word), f"「{variant}」は「{seen[variant]}」にもあります")
                seen[variant] = str(word)
            entries.append((str(word), variants))
        return tuple(entries)

    def _read_texts(self, path: Path) -> Texts | None:
        if self._open(path) is None or self.doc is None:
            return None
        self.owner = "texts"
        self._known_fields({*TEXT_FIELDS, "buttons", "card", "source", "reviewed"})
        self._known_fields(set(BUTTON_FIELDS), ("buttons",))
        self._known_fields(set(CARD_FIELDS), ("card",))
        found: dict[str, str] = {}
        lines: dict[str, int] = {}
        for name in TEXT_FIELDS:
            text = self._text((name,)) or ""
            for placeholder in _PLACEHOLDER.findall(text):
                if placeholder not in PLACEHOLDERS:
                    allowed = "・".join(f"{{{p}}}" for p in PLACEHOLDERS)
                    self._problem((name,), f"「{{{placeholder}}}」は使えません（使えるのは {allowed}）")
            found[name], lines[name] = text, self._line((name,))
        for name in BUTTON_FIELDS:
            at: FieldPath = ("buttons", name)
            found[f"{name}_button"] = self._text(at, max_length=limits.QUICK_LABEL) or ""
            lines[f"{name}_button"] = self._line(at)
        card = self._card(CARD_FIELDS)
        self._sources()
        self._reviewed()
        return Texts(**found, path=self.doc.path, card=card, lines=lines)

    def _card(self, fields: Mapping[str, tuple[str, ...]]) -> Mapping[str, str]:
        """A `card:` section: every field required, a placeholder only where it can be filled,
        a field ending in _button a label within LINE's limit for a Flex button."""
        self._known_fields(set(fields), ("card",))
        card: dict[str, str] = {}
        for name, holds in fields.items():
            at: FieldPath = ("card", name)
            text = self._text(at, max_length=limits.BUTTON_LABEL if name.endswith("_button") else None) or ""
            for placeholder in _PLACEHOLDER.findall(text):
                if placeholder not in holds:
                    usable = "・".join(f"{{{p}}}" for p in holds) or "なし"
                    self._problem(at, f"「{{{placeholder}}}」は使えません（使えるのは {usable}）")
            card[name] = text
        return MappingProxyType(card)

    def _read_english(self, path: Path, category_ids: set[str]) -> EnglishTexts | None:
        if self._open(path) is None or self.doc is None:
            return None
        self.owner = "english"
        self._known_fields({"texts", "buttons", "categories", "channels", "intents", "not_handled",
                            "card", "source", "reviewed"})
        self._known_fields(set(ENGLISH_TEXT_FIELDS), ("texts",))
        self._known_fields(set(ENGLISH_BUTTON_FIELDS), ("buttons",))
        found: dict[str, str] = {}
        for name in ENGLISH_TEXT_FIELDS:
            text = self._text(("texts", name)) or ""
            for placeholder in _PLACEHOLDER.findall(text):
                if placeholder != "phone":
                    self._problem(("texts", name),
                                  f"「{{{placeholder}}}」は使えません（使えるのは {{phone}}）")
            found[name] = text
        for name in ENGLISH_BUTTON_FIELDS:
            found[f"{name}_button"] = self._text(("buttons", name), max_length=limits.QUICK_LABEL) or ""
        self._known_fields(category_ids, ("categories",))
        categories = {c: self._text(("categories", c), max_length=limits.QUICK_LABEL) or c
                      for c in sorted(category_ids)}
        self._known_fields(set(CHANNEL_KINDS), ("channels",))
        channels = {}
        for kind in CHANNEL_KINDS:
            self._known_fields({"label", "headline"}, ("channels", kind))
            channels[kind] = (self._text(("channels", kind, "label")) or kind,
                              self._text(("channels", kind, "headline")) or "")
        intents = []
        for name in self._mapping(("intents",)):
            self._known_fields({"words", "reply"}, ("intents", name))
            intents.append((str(name), self._texts(("intents", name, "words"), required=True),
                            self._text(("intents", name, "reply")) or ""))
        outside = [(str(name), self._texts(("not_handled", name), required=True))
                   for name in self._mapping(("not_handled",))]
        card = self._card(ENGLISH_CARD_FIELDS)
        self._sources()
        self._reviewed()
        return EnglishTexts(**found, categories=MappingProxyType(categories),
                            channels=MappingProxyType(channels), intents=tuple(intents),
                            outside=tuple(outside), card=card)

    def _mapping(self, at: FieldPath) -> list[Any]:
        """The keys of a required mapping (「名前: 値」 lines), in the file's order."""
        value = self._value(at)
        if not isinstance(value, dict) or not value:
            self._problem(at, "「名前: 値」の形で1つ以上書いてください")
            return []
        return list(value)

    # --- parts of a procedure ---------------------------------------------------------
    def _channels(self) -> tuple[Channel, ...]:
        channels = []
        for index, _ in enumerate(self._list(("channels",), required=True)):
            at: FieldPath = ("channels", index)
            self._known_fields(set(CHANNEL_FIELDS), at)
            kind = self._text((*at, "kind")) or ""
            if kind and kind not in CHANNEL_KINDS:
                self._problem((*at, "kind"), f"「{kind}」は使えません（{', '.join(CHANNEL_KINDS)} のどれか）")
            channels.append(
                Channel(
                    kind=kind,
                    url=self._url((*at, "url"), required=False),
                    url_source=self._url_source(at),
                    need=self._texts((*at, "need")),
                    hours=self._text((*at, "hours"), required=False, nullable=True),
                    note=self._text((*at, "note"), required=False, nullable=True),
                )
            )
        return tuple(channels)

    def _answers(self, facet_ids: Iterable[str]) -> Mapping[str, str]:
        value = self._value(("answers",))
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, dict):
            self._problem(("answers",),
                          "「手数料などの種類のid: 答え」の形で書いてください（例: fee: 無料です）")
            return MappingProxyType({})
        known = list(facet_ids)
        answers = {}
        for key in value:
            if key not in known:
                self._problem(("answers", key), f"「{key}」という種類はありません"
                                                f"（procedures/facets.yaml の id: {', '.join(known)}）")
            elif (text := self._text(("answers", key))) is not None:
                answers[str(key)] = text
        return MappingProxyType(answers)

    def _city_page(self) -> str | None:
        url = self._url(("city_page",), required=False)
        if url is None:
            return None
        if not url.startswith(CITY_SITE):
            self._problem(("city_page",), f"那珂市のページ（{CITY_SITE} で始まるアドレス）を書いてください")
        if url not in self._texts(("source",)):
            self._problem(("city_page",), "このアドレスを source にも書いてください（根拠として）")
        return url

    def _url_source(self, at: FieldPath) -> str | None:
        source = self._text((*at, "url_source"), required=False)
        if source is not None and self._value((*at, "url")) is None:
            self._problem((*at, "url_source"), "url（那珂市の申請ページのアドレス）も書いてください")
        return source

    def _reference(self, at: FieldPath, table: Mapping[str, Any], what: str, file: str) -> Any:
        """The fact named at `at` (an id), or None with an error naming the field and the file."""
        name = self._value(at)
        if not isinstance(name, str) or not ID_PATTERN.match(name):
            self._problem(at, f"{what}のid（{file} の id）で書いてください（例: {next(iter(table), 'xxx')}）")
            return None
        fact = table.get(name)
        if fact is None:
            self._problem(at, f"「{name}」という{what}はありません（{file} の id: {', '.join(table)}）")
        return fact

    def _contact(self, facts: _Facts) -> Section:
        if self._has(("contact",)) is False:
            self._problem(("contact",),
                          "必須です（係のid。わからないときも係のidを書き、係の名前を ~ にします）")
            return _NO_SECTION
        return self._reference(("contact",), facts.sections, "係",
                               "procedures/facts/sections.yaml") or _NO_SECTION

    def _counter(self, facts: _Facts) -> Counter:
        if self._has(("counter",)):
            found = self._reference(("counter",), facts.counters, "窓口", "procedures/facts/counters.yaml")
            if found is not None:
                return found
        return next(iter(facts.counters.values()), _NO_COUNTER)  # the main counter

    def _fees(self, facts: _Facts) -> tuple[Fee, ...]:
        """`fee:` a fee-table id, a list of them, a text of this procedure's own, or ~."""
        value = self._value(("fee",))
        if value is None:
            self._text(("fee",), required=False, nullable=True)  # records the gap
            return ()
        if isinstance(value, list):
            found = [self._reference(("fee", i), facts.fees, "手数料", "procedures/facts/fees.yaml")
                     for i in range(len(value))]
            return tuple(f for f in found if f is not None)
        if isinstance(value, str) and ID_PATTERN.match(value.strip()):
            fee = self._reference(("fee",), facts.fees, "手数料", "procedures/facts/fees.yaml")
            return (fee,) if fee is not None else ()
        text = self._money(("fee",))
        return (Fee(id="", name="", counter=text),) if text else ()

    def _money(self, at: FieldPath, required: bool = True, nullable: bool = False) -> str | None:
        """A fee as residents read it: a bare number (300) says neither yen nor what for."""
        text = self._text(at, required=required, nullable=nullable)
        if text is not None and _BARE_NUMBER.match(text):
            self._problem(at, f"金額には「円」をつけてください（例: {text}円）")
        return text

    def _sources(self, at: FieldPath = ()) -> tuple[str, ...]:
        sources = self._texts((*at, "source"), required=True)
        for index, source in enumerate(sources):
            if re.match(r"^[a-z]+://", source) and not source.startswith("https://"):
                self._problem((*at, "source", index), "アドレスは https:// で始まるものにしてください")
        return sources

    def _reviewed(self, at: FieldPath = ()) -> dt.date:
        value = self._value((*at, "reviewed"))
        if not isinstance(value, dt.date):
            self._problem((*at, "reviewed"), "確認した日を 2026-11-24 の形で書いてください")
            return dt.date.min
        age = (self.today - value).days
        if age > self.max_age_days:
            self._problem((*at, "reviewed"),
                          f"{age}日前の確認です。今も正しいか確かめて日付を更新してください",
                          severity="warning")
        if age < 0:
            self._problem((*at, "reviewed"), "未来の日付になっています")
        return value

    # --- typed field readers ----------------------------------------------------------
    def _value(self, at: FieldPath) -> Any:
        value: Any = self.doc.data if self.doc else None
        for part in at:
            if isinstance(value, dict) and isinstance(part, str):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
        return value

    def _has(self, at: FieldPath) -> bool | None:
        """Whether the key is written at all (None when its parent is not a mapping)."""
        parent = self._value(at[:-1])
        return at[-1] in parent if isinstance(parent, dict) else None

    def _text(self, at: FieldPath, required: bool = True, nullable: bool = False,
              max_length: int | None = None) -> str | None:
        value = self._value(at)
        if value is None:
            if self._has(at) and nullable:
                self.gaps.append(Gap(self.doc.path if self.doc else "", self._line(at),
                                     field_name(at), self.owner))
            elif required and not (self._has(at) and nullable):
                self._problem(at, "必須です" if not self._has(at) else "空になっています")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
            self._problem(at, "文字で書いてください")
            return None
        text = _JOINED_SPACE.sub("", str(value).strip())
        if not text:
            self._problem(at, "空になっています")
            return None
        if max_length is not None and len(text) > max_length:
            self._problem(at, f"{max_length}文字以内にしてください（いま{len(text)}文字）")
        return text

    def _texts(self, at: FieldPath, required: bool = False) -> tuple[str, ...]:
        items = self._list(at, required=required)
        texts = [t for index, _ in enumerate(items) if (t := self._text((*at, index)))]
        self._unique(texts, *at)
        return tuple(texts)

    def _keywords(self, at: FieldPath, required: bool = False) -> tuple[str, ...]:
        keywords = self._texts(at, required=required)
        for index, keyword in enumerate(keywords):
            parts = WORDS_APART.split(keyword)
            if len(parts) > 1 and not all(_word_apart(part.strip()) for part in parts):
                self._problem((*at, index), "「…」の前とあとには、2文字以上のことばか"
                                            "漢字1字を書いてください（例: 住民票…移）")
        return keywords

    def _list(self, at: FieldPath, required: bool = False) -> list[Any]:
        value = self._value(at)
        if value is None:
            if required:
                self._problem(at, "必須です（1つ以上書いてください）")
            return []
        if not isinstance(value, list):
            self._problem(at, "「- 」で始まる箇条書きにしてください")
            return []
        if required and not value:
            self._problem(at, "1つ以上書いてください")
        return value

    def _identifier(self, at: FieldPath) -> str | None:
        text = self._text(at)
        if text is not None and not ID_PATTERN.match(text):
            self._problem(at, "idは半角英小文字・数字・ハイフンだけで書いてください")
        return text

    def _phone(self, at: FieldPath) -> str | None:
        text = self._text(at)
        if text is None:
            return None
        digits = text.replace("-", "")
        if not PHONE_PATTERN.match(text) or len(digits) not in (10, 11):
            self._problem(at, f"電話番号は 029-298-1111 の形で書いてください（いま「{text}」）")
        return text

    def _url(self, at: FieldPath, required: bool = True) -> str | None:
        text = self._text(at, required=required, nullable=not required)
        if text is not None and not re.match(r"^https://[^\s/]+\.[^\s]+$", text):
            self._problem(at, "アドレスは https:// で始まる正しい形にしてください")
        return text

    def _known_fields(self, allowed: set[str], at: FieldPath = (),
                      moved: Mapping[str, str] | None = None) -> None:
        value = self._value(at)
        if at and value is not None and not isinstance(value, dict):
            self._problem(at, "「項目: 値」の形で書いてください")
            return
        for key in (value or {}):
            if moved and key in moved:
                self._problem((*at, key),
                              f"この項目は {moved[key]} に1回だけ書きます（ここからは消してください）")
            elif key not in allowed:
                self._problem((*at, key), f"知らない項目です（使える項目: {', '.join(sorted(allowed))}）")

    def _unique(self, values: Iterable[str], *at: str | int) -> None:
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value in seen:
                self._problem((*at, index), f"「{value}」が重複しています")
            seen.add(value)

    # --- across files -----------------------------------------------------------------
    def _check_across(self, procedures: list[Procedure], intents: list[Intent]) -> None:
        ids = {p.id for p in procedures}
        first_owner: dict[str, tuple[str, str]] = {}
        for procedure in procedures:
            for index, related in enumerate(procedure.related):
                if related not in ids:
                    self._problem_at(procedure.path, None, ("related", index),
                                     f"「{related}」という手続きはありません")
        items: list[Procedure | Intent] = [*procedures, *intents]
        for item in items:
            for index, example in enumerate(item.examples):
                key = example.strip()
                if key in first_owner and first_owner[key][0] != item.id:
                    other, other_path = first_owner[key]
                    self._problem_at(item.path, None, ("examples", index),
                                     f"例文「{example}」は {other}（{other_path}）にもあります")
                first_owner.setdefault(key, (item.id, item.path))
        seen: dict[str, str] = {}
        for procedure in procedures:
            if procedure.id in seen:
                self._problem_at(procedure.path, None, ("id",),
                                 f"idが {seen[procedure.id]} と重複しています")
            seen[procedure.id] = procedure.path

    # --- recording --------------------------------------------------------------------
    def _line(self, at: FieldPath) -> int:
        return self.doc.line(at) if self.doc else 1

    def _problem(self, at: FieldPath, message: str, severity: str = "error") -> None:
        path = self.doc.path if self.doc else ""
        self.problems.append(Problem(path, self._line(at), field_name(at), message, severity))

    def _problem_at(self, path: Path | str, line: int | None, at: FieldPath | str,
                    message: str) -> None:
        shown = str(path.relative_to(self.root)) if isinstance(path, Path) else path
        if isinstance(at, tuple):
            line = line or self._line_in(shown, at)
            at = field_name(at)
        self.problems.append(Problem(shown, line or 1, at, message))

    def _line_in(self, shown: str, at: FieldPath) -> int:
        document, _ = read_document(self.root / shown, shown)
        return document.line(at) if document else 1


@dataclass(frozen=True)
class _Facts:
    sections: Mapping[str, Section]
    counters: Mapping[str, Counter]
    fees: Mapping[str, Fee]


_NO_SECTION = Section(id="", role="")
_NO_COUNTER = Counter(id="", name="", address="")


def _waiting(gap: Gap, procedures: Iterable[Procedure]) -> tuple[str, ...]:
    """The procedures whose cards show the city fact `gap` is about."""
    kind, _, fact_id = gap.owner.partition(":")
    field = gap.field.rsplit(".", 1)[-1]
    waiting = []
    for p in procedures:
        if kind == "sections":
            uses = p.contact.id == fact_id
        elif kind == "counters":
            uses = p.counter.id == fact_id and any(c.kind == "counter" for c in p.channels)
        elif kind == "fees":
            uses = any(f.id == fact_id and (field != "konbini" or _at_store(p)) for f in p.fees)
        else:
            uses = False
        if uses:
            waiting.append(p.id)
    return tuple(waiting)


def _at_store(p: Procedure) -> bool:
    return any(c.kind == "konbini" for c in p.channels)
