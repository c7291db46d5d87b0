"""The procedure catalogue: load procedures/ and intents/, validate, give immutable objects.

Layout (see procedures/README.md for staff):
    procedures/city.yaml               the city hall's main contact
    procedures/categories.yaml         the menu categories, in menu order
    procedures/<category>/<id>.yaml    one procedure per file
    intents/<name>.yaml                greeting, thanks, help, contact, ...
    intents/synonyms.yaml              resident words -> catalogue words

A value written as null (~) means "not confirmed yet": the bot then sends the
resident to the city's main contact, and `nakabot check --todo` lists it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.yamlsource import Document, FieldPath, Problem, field_name, read_document

CHANNEL_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "mynaportal": "マイナポータル（ぴったりサービス）",
        "ibaraki-e": "いばらき電子申請・届出サービス",
        "konbini": "コンビニ",
        "post": "郵送",
        "counter": "市役所の窓口",
        # Ways to pay a tax or fee (the cashless category): not applications.
        "pay-app": "スマホ決済アプリ",
        "pay-web": "地方税お支払サイト",
        "pay-konbini": "コンビニのレジ",
    }
)
ONLINE_KINDS = frozenset({"mynaportal", "ibaraki-e"})

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# YAML's folded style (>-) joins lines with a space, which Japanese text does not want.
_JAPANESE = r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]"
_JOINED_SPACE = re.compile(rf"(?<={_JAPANESE})[ \t]+(?={_JAPANESE})")
# Japanese phone numbers: 0 + area/prefix, written with hyphens, 10 or 11 digits in all.
PHONE_PATTERN = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$")
MIN_EXAMPLES = 8  # fewer is a warning: the matcher learns residents' words from these
LABEL_MAX = 20  # LINE quick-reply label limit; the label is what residents tap


@dataclass(frozen=True)
class Channel:
    """One way to do a procedure: online, at a store, by post or at the counter."""

    kind: str
    url: str | None = None
    need: tuple[str, ...] = ()
    hours: str | None = None
    note: str | None = None

    @property
    def online(self) -> bool:
        return self.kind in ONLINE_KINDS


@dataclass(frozen=True)
class Contact:
    section: str | None  # None: not confirmed for this city yet
    phone: str


@dataclass(frozen=True)
class English:
    """A procedure in English, translated from its Japanese entry (the `en:` block).

    The same facts: what to bring per channel (in the channels' order) and the fee are
    translations of the Japanese ones; a fact unknown in Japanese is unknown here too.
    """

    title: str
    label: str
    summary: str
    need: tuple[tuple[str, ...], ...]  # one list per channel, as `channels[i].need`
    hours: tuple[str | None, ...]  # one per channel, as `channels[i].hours`
    fee: str | None
    keywords: tuple[str, ...]
    examples: tuple[str, ...]


def japanese_digest(title: str, summary: str, channels: tuple[Channel, ...], fee: str | None) -> str:
    """8 hex digits over the Japanese facts an `en:` block translates (title, summary, the
    channels' kinds, needs and hours, the fee): a changed fact changes the digest."""
    facts = [title, summary, fee or "~"] + [f"{c.kind}|{'|'.join(c.need)}|{c.hours or '~'}" for c in channels]
    return hashlib.sha256("\n".join(facts).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Procedure:
    id: str
    category: str
    title: str
    label: str  # resident words for buttons, at most 20 characters
    summary: str
    channels: tuple[Channel, ...]
    fee: str | None
    hours: str | None
    contact: Contact
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    source: tuple[str, ...]
    reviewed: dt.date
    path: str
    who: str | None = None
    when: str | None = None
    prepare: tuple[str, ...] = ()
    payment: str | None = None
    processing: str | None = None
    related: tuple[str, ...] = ()
    note: str | None = None
    en: English | None = None  # for residents who write in English (issue 16)


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


@dataclass(frozen=True)
class City:
    name: str
    address: str
    phone: str
    hours: str | None
    website: str | None
    source: tuple[str, ...]
    reviewed: dt.date


@dataclass(frozen=True)
class Catalogue:
    city: City
    categories: tuple[Category, ...]
    procedures: tuple[Procedure, ...]
    intents: tuple[Intent, ...]
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]  # (catalogue word, resident words)
    version: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_procedures", {p.id: p for p in self.procedures})
        object.__setattr__(self, "_intents", {i.id: i for i in self.intents})
        object.__setattr__(self, "_categories", {c.id: c for c in self.categories})

    def procedure(self, procedure_id: str) -> Procedure | None:
        return self._procedures.get(procedure_id)  # type: ignore[attr-defined]

    def intent(self, intent_id: str) -> Intent | None:
        return self._intents.get(intent_id)  # type: ignore[attr-defined]

    def category(self, category_id: str) -> Category | None:
        return self._categories.get(category_id)  # type: ignore[attr-defined]

    def in_category(self, category_id: str) -> tuple[Procedure, ...]:
        """The category's procedures, those named in its `first` list leading."""
        category = self.category(category_id)
        first = category.first if category else ()
        listed = [p for p in self.procedures if p.category == category_id]
        return tuple(sorted(listed, key=lambda p: first.index(p.id) if p.id in first else len(first)))


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
    owner: str  # procedure or intent id


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
        city = self._read_city(procedures_dir / "city.yaml")
        categories = self._read_categories(procedures_dir / "categories.yaml")
        category_ids = {c.id for c in categories}

        procedures: list[Procedure] = []
        for path in sorted(procedures_dir.glob("*/*.yaml")):
            procedure = self._read_procedure(path, category_ids)
            if procedure is not None:
                procedures.append(procedure)
        for path in sorted(procedures_dir.glob("*.yaml")):
            if path.name not in {"city.yaml", "categories.yaml"}:
                self._problem_at(path, 1, "(ファイル全体)",
                                 "手続きのファイルは procedures/<分類>/<id>.yaml に置いてください")

        intents = [
            intent
            for path in sorted(intents_dir.glob("*.yaml"))
            if path.name != "synonyms.yaml" and (intent := self._read_intent(path)) is not None
        ]
        synonyms = self._read_synonyms(intents_dir / "synonyms.yaml")

        self._check_across(procedures, intents)
        ids = {p.id for p in procedures}
        for index, category in enumerate(categories):
            for position, procedure_id in enumerate(category.first):
                if procedure_id not in ids:
                    self._problem_at(procedures_dir / "categories.yaml", None,
                                     ("categories", index, "first", position),
                                     f"「{procedure_id}」という手続きはありません")
        catalogue = None
        if city is not None and not any(p.severity == "error" for p in self.problems):
            catalogue = Catalogue(
                city=city,
                categories=tuple(categories),
                procedures=tuple(procedures),
                intents=tuple(intents),
                synonyms=synonyms,
                version=self.digest.hexdigest()[:12],
            )
        return Report(catalogue, tuple(self.problems), tuple(self.gaps))

    def _open(self, path: Path) -> Document | None:
        shown_as = str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
        if not path.exists():
            self.problems.append(Problem(shown_as, 1, "(ファイル全体)", "ファイルがありません"))
            return None
        self.digest.update(shown_as.encode())
        self.digest.update(path.read_bytes())
        document, problems = read_document(path, shown_as)
        self.problems.extend(problems)
        if document is not None and not isinstance(document.data, dict):
            self._problem((), "「項目: 値」の形で書いてください")
            return None
        self.doc = document
        return document

    # --- files ------------------------------------------------------------------------
    def _read_city(self, path: Path) -> City | None:
        if self._open(path) is None:
            return None
        self.owner = "city"
        self._known_fields({"name", "address", "phone", "hours", "website", "source", "reviewed"})
        city = City(
            name=self._text(("name",)) or "",
            address=self._text(("address",)) or "",
            phone=self._phone(("phone",)) or "",
            hours=self._text(("hours",), nullable=True),
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
                    label=self._text((*at, "label"), max_length=LABEL_MAX) or "",
                    first=self._texts((*at, "first")),
                )
            )
        self._unique([c.id for c in categories], "categories", "id")
        return categories

    def _read_procedure(self, path: Path, category_ids: set[str]) -> Procedure | None:
        if self._open(path) is None:
            return None
        self.owner = path.stem
        self._known_fields(
            {"id", "category", "title", "label", "summary", "who", "when", "channels", "prepare",
             "fee", "payment", "hours", "processing", "contact", "related", "keywords", "examples",
             "note", "source", "reviewed", "en"}
        )
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
            self._problem(("fee",), "必須です（わからないときは ~ と書きます）")
        if self._has(("hours",)) is False:
            self._problem(("hours",), "必須です（わからないときは ~ と書きます）")
        examples = self._texts(("examples",), required=True)
        if 0 < len(examples) < MIN_EXAMPLES:
            self._problem(("examples",), f"例文は{MIN_EXAMPLES}個以上あると答えやすくなります"
                                         f"（いま{len(examples)}個）", severity="warning")
        channels = self._channels()
        fee = self._text(("fee",), required=False, nullable=True)
        return Procedure(
            id=procedure_id,
            category=category,
            title=self._text(("title",)) or "",
            label=self._text(("label",), max_length=LABEL_MAX) or "",
            summary=self._text(("summary",)) or "",
            who=self._text(("who",), required=False, nullable=True),
            when=self._text(("when",), required=False, nullable=True),
            channels=channels,
            prepare=self._texts(("prepare",)),
            fee=fee,
            payment=self._text(("payment",), required=False, nullable=True),
            hours=self._text(("hours",), required=False, nullable=True),
            processing=self._text(("processing",), required=False, nullable=True),
            contact=self._contact(),
            related=self._texts(("related",)),
            keywords=self._texts(("keywords",), required=True),
            examples=examples,
            note=self._text(("note",), required=False, nullable=True),
            source=self._sources(),
            reviewed=self._reviewed(),
            path=self.doc.path if self.doc else str(path),
            en=self._english(channels, fee) if self._has(("en",)) else None,
        )

    def _english(self, channels: tuple[Channel, ...], fee: str | None) -> English | None:
        """The `en:` block: title, label, summary, need and hours per channel, fee, keywords.

        `translated_from` holds a short digest of the Japanese facts it was translated from
        (japanese_digest): when the Japanese changes, check warns until the English follows.
        """
        self._known_fields({"title", "label", "summary", "channels", "fee", "keywords", "examples",
                            "translated_from"}, ("en",))
        digest = japanese_digest(self._text(("title",)) or "", self._text(("summary",)) or "", channels, fee)
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
        if (fee_en is None) != (fee is None):
            self._problem(("en", "fee"), "日本語の fee があるときだけ書いてください（同じ内容の英訳）")
        return English(
            title=self._text(("en", "title")) or "",
            label=self._text(("en", "label"), max_length=LABEL_MAX) or "",
            summary=self._text(("en", "summary")) or "",
            need=tuple(need),
            hours=tuple(hours),
            fee=fee_en,
            keywords=self._texts(("en", "keywords"), required=True),
            examples=self._texts(("en", "examples")),
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
            keywords=self._texts(("keywords",)),
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

    # --- parts of a procedure ---------------------------------------------------------
    def _channels(self) -> tuple[Channel, ...]:
        channels = []
        for index, _ in enumerate(self._list(("channels",), required=True)):
            at: FieldPath = ("channels", index)
            self._known_fields({"kind", "url", "need", "hours", "note"}, at)
            kind = self._text((*at, "kind")) or ""
            if kind and kind not in CHANNEL_KINDS:
                self._problem((*at, "kind"), f"「{kind}」は使えません（{', '.join(CHANNEL_KINDS)} のどれか）")
            channels.append(
                Channel(
                    kind=kind,
                    url=self._url((*at, "url"), required=False),
                    need=self._texts((*at, "need")),
                    hours=self._text((*at, "hours"), required=False, nullable=True),
                    note=self._text((*at, "note"), required=False, nullable=True),
                )
            )
        return tuple(channels)

    def _contact(self) -> Contact:
        self._known_fields({"section", "phone"}, ("contact",))
        if self._has(("contact", "section")) is False:
            self._problem(("contact", "section"), "必須です（わからないときは ~ と書きます）")
        return Contact(
            section=self._text(("contact", "section"), required=False, nullable=True),
            phone=self._phone(("contact", "phone")) or "",
        )

    def _sources(self) -> tuple[str, ...]:
        sources = self._texts(("source",), required=True)
        for index, source in enumerate(sources):
            if re.match(r"^[a-z]+://", source) and not source.startswith("https://"):
                self._problem(("source", index), "アドレスは https:// で始まるものにしてください")
        return sources

    def _reviewed(self) -> dt.date:
        value = self._value(("reviewed",))
        if not isinstance(value, dt.date):
            self._problem(("reviewed",), "確認した日を 2026-11-24 の形で書いてください")
            return dt.date.min
        age = (self.today - value).days
        if age > self.max_age_days:
            self._problem(("reviewed",), f"{age}日前の確認です。今も正しいか確かめて日付を更新してください",
                          severity="warning")
        if age < 0:
            self._problem(("reviewed",), "未来の日付になっています")
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

    def _known_fields(self, allowed: set[str], at: FieldPath = ()) -> None:
        value = self._value(at)
        if at and value is not None and not isinstance(value, dict):
            self._problem(at, "「項目: 値」の形で書いてください")
            return
        for key in (value or {}):
            if key not in allowed:
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
        for item in [*procedures, *intents]:
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
