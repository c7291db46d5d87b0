"""Resident text -> matching text.

Two forms are made of every text, the same way for questions and for the catalogue:
- the *surface* form keeps kanji (住民票), so written words match written words;
- the *reading* form is all katakana (ジュウミンヒョウ), so a question typed in kana
  alone (じゅうみんひょう) still meets a title written in kanji.
Both are folded: NFKC (half-width kana, full-width digits), katakana, large kana for
small ones, no long-vowel marks, no spaces or punctuation, polite filler removed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sudachipy import Dictionary, PosMatcher, SplitMode, Tokenizer

_HIRAGANA = "".join(chr(c) for c in range(ord("ぁ"), ord("ゖ") + 1))
_KATAKANA = "".join(chr(c) for c in range(ord("ァ"), ord("ヶ") + 1))
_TO_KATAKANA = str.maketrans(_HIRAGANA, _KATAKANA)
_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_LONG_VOWEL_MARKS = "ー〜~"
# The two tables and the long-vowel marks' removal as one table: str.translate looks each
# character up in a dict (about 2 µs for a question), and doing it once instead of twice is
# the same text, since a character each table changes is one the later steps do not change
# again (kana -> katakana -> large katakana; no table makes or changes a long-vowel mark).
_FOLD_KANA = ({c: _TO_LARGE.get(k, k) for c, k in _TO_KATAKANA.items()} | _TO_LARGE
              | dict.fromkeys(map(ord, _LONG_VOWEL_MARKS)))
# Invisible and formatting characters that residents' phones insert (zero-width, BOM, ...).
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f]")
_NOT_WORD = re.compile(r"[^\w]|_", re.UNICODE)

# Words that carry no meaning for finding a procedure; removed from both forms.
FILLER_WORDS = (
    "すみません", "すいません", "教えてください", "教えて下さい", "教えて", "お願いします",
    "お願い", "ください", "下さい", "知りたいです", "知りたい", "したいのですが", "したいんですが",
    "のですが", "んですが", "ですか", "ますか", "でしょうか", "について", "どうすればいい",
    "どうしたらいい", "どうすれば", "どうしたら", "どうやって", "方法", "やり方", "とは",
)


def fold(text: str) -> str:
    """The character-level folding shared by every form (no dictionary look-ups)."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).lower().translate(_FOLD_KANA)
    return _NOT_WORD.sub("", text)


@dataclass(frozen=True)
class Forms:
    surface: str
    reading: str


class Normalizer:
    """Resident text -> Forms, with the synonym table of intents/synonyms.yaml."""

    def __init__(self, synonyms: Iterable[tuple[str, Sequence[str]]] = (),
                 normalized_forms: bool = False) -> None:
        # normalized_forms: the surface form is made of SudachiDict's normalised forms
        # (引越し -> 引っ越し, 申込み -> 申し込み). Compared in bench/matching_methods.py.
        self.normalized_forms = normalized_forms
        table = [(word, tuple(variants)) for word, variants in synonyms]
        self._surface = _Replacer({fold(v): fold(w) for w, vs in table for v in vs})
        self._reading = _Replacer({fold(reading_of(v)): fold(reading_of(w)) for w, vs in table for v in vs})
        self._filler_surface = _pattern(fold(w) for w in FILLER_WORDS)
        self._filler_reading = _pattern(fold(reading_of(w)) for w in FILLER_WORDS)

    def __call__(self, text: str) -> Forms:
        return self.read(text)[0]

    def read(self, text: str) -> tuple[Forms, list[tuple[str, str]]]:
        """The Forms of `text`, and its words as SudachiPy cut them (surface, reading; pass
        them to `fold_parts`): the matcher looks at the words too, and cutting a question
        once instead of twice is a good part of what matching it costs."""
        parts = _surface_reading_parts(text)
        surface = fold(normalized_text(text) if self.normalized_forms else text)
        reading = fold("".join(r for _, r in parts))
        # Where each word starts, worked out only if a short kana synonym is met (_Replacer).
        surface = self._surface(surface, None if self.normalized_forms
                                else lambda: _starts(surface, [s for s, _ in parts]))
        reading = self._reading(reading, lambda: _starts(reading, [r for _, r in parts]))
        return Forms(_strip(self._filler_surface, surface), _strip(self._filler_reading, reading)), parts


def _starts(folded: str, words: list[str]) -> set[int] | None:
    """Where each word starts in `folded` (the words folded one by one), or None when
    folding word by word does not give the same text (then no word is known to start)."""
    starts, at = set(), 0
    for word in words:
        starts.add(at)
        at += len(fold(word))
    return starts if at == len(folded) else None


class _Replacer:
    """Replace resident words in one pass, longest first, so nothing is replaced twice.

    The catalogue words themselves are in the pattern too (replaced by themselves), so a
    variant inside its own word is left alone: ケアマネ -> ケアマネジャー must not turn
    ケアマネジャー into ケアマネジャージャー.
    """

    def __init__(self, pairs: dict[str, str]) -> None:
        variants = {v: w for v, w in pairs.items() if v and v != w}
        self._pairs = {w: w for w in variants.values()} | variants
        self._pattern = _pattern(self._pairs) if variants else None
        # A short word in kana is often the end of another: ケータイ (ケタイ once folded) is
        # in 預けたい, 受けたい. Such a variant is replaced only where a word starts.
        self._at_word_start = {v for v in variants if len(v) <= _SHORT_KANA and _KATAKANA_ONLY.match(v)}

    def __call__(self, folded: str, word_starts: Callable[[], set[int] | None] | None = None) -> str:
        if self._pattern is None:
            return folded
        known: list[set[int] | None] = []  # the word starts, worked out once, when first needed

        def replace(found: re.Match[str]) -> str:
            word = found.group(0)
            if word in self._at_word_start and word_starts is not None:
                if not known:
                    known.append(word_starts())
                if known[0] is not None and found.start() not in known[0]:
                    return word
            return self._pairs[word]

        return self._pattern.sub(replace, folded)


_SHORT_KANA = 3
_KATAKANA_ONLY = re.compile(r"[\u30a0-\u30ff]+$")


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None


def _strip(pattern: re.Pattern[str] | None, folded: str) -> str:
    """Drop filler, unless the filler was all there was."""
    stripped = pattern.sub("", folded) if pattern else folded
    return stripped or folded


# --- readings ---------------------------------------------------------------------------
_local = threading.local()
_SKIP_POS = {"補助記号", "空白"}
_KANJI_CHAR = re.compile(r"[\u3400-\u9fff々]")
_HONORIFICS = ("さん", "様", "さま", "君", "くん", "ちゃん", "氏")
_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _dictionary() -> Dictionary:
    return Dictionary(dict="core")


@lru_cache(maxsize=1)
def _skipped() -> PosMatcher:
    # Symbols and spaces have no reading. A PosMatcher tests a morpheme's part-of-speech
    # id in Rust; reading part_of_speech() built a tuple of six strings per morpheme.
    return _dictionary().pos_matcher(lambda pos: pos[0] in _SKIP_POS)


def _tokenizer() -> Tokenizer:
    # Sudachi tokenizers are not safe to share between threads: one per thread.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return tokenizer


def _no_lone_surrogates(text: str) -> str:
    """SudachiPy takes UTF-8 only: a lone surrogate (JSON's "\\ud800") becomes U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# Where a message names several things: 住民票と印鑑証明, 児童手当や保育園, 住民票、印鑑証明.
_AND_PARTICLES = {"と", "や", "とか"}
_AND_WORDS = {"及び", "および", "並びに", "and", "&", "＆"}
_LIST_COMMAS = {"、", "，", ","}
_NOUNS = {"名詞", "接尾辞", "接頭辞"}


# 「…じゃなくて」: what follows is what the resident means. Not 「じゃなくても」 (even if not).
_NOT_THIS = re.compile(r"(?:じゃなくて|ではなくて|じゃなく|ではなく|でなくて|でなく)(?![てっ]?も)")


def meant_part(text: str) -> str:
    """What `text` asks about once the resident has said what they do not mean: 「子どもの
    医療費じゃなくて保育の認定を受けたい」 is about 保育の認定. Unchanged when nothing is set
    aside, or too little follows to match on (4 characters)."""
    parts = _NOT_THIS.split(text)
    rest = parts[-1].strip(" 、,。")
    return rest if len(parts) > 1 and len(rest) >= 4 else text


def coordinated_parts(text: str) -> list[str]:
    """`text` cut where it names one more thing: at 「と」「や」 after a noun, at 「及び」
    「and」, at a comma between two nouns. Parts are as written; a message naming one
    thing is one part. Sentences are not cut: 「行けない。住民票と…」 is context."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", _no_lone_surrogates(text)))[:2000]
    if not text.strip():
        return []
    morphemes = [(m.surface(), m.part_of_speech()) for m in _tokenizer().tokenize(text)]
    words = [(surface, pos[0]) for surface, pos in morphemes]
    parts: list[str] = []
    current: list[str] = []
    for index, (surface, pos) in enumerate(words):
        before = words[index - 1][1] if index else ""
        after = words[index + 1][1] if index + 1 < len(words) else ""
        cut = (surface.lower() in _AND_WORDS
               or (surface in _AND_PARTICLES and pos == "助詞" and before in _NOUNS)
               or (surface in _LIST_COMMAS and before in _NOUNS and after in _NOUNS
                   and not _acts_on_topic(morphemes[index + 1:index + 3])))
        if cut:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(surface)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _acts_on_topic(following: list[tuple[str, tuple[str, ...]]]) -> bool:
    """Whether the words after a comma are a verbal noun used as a verb (再発行できますか,
    申請したい): then the comma set a topic apart (負担割合証、再発行できますか), it did
    not list a second thing."""
    return (len(following) == 2 and following[0][1][2] == "サ変可能"
            and following[1][1][0] == "動詞")


def person_names(text: str, window: int = 2000) -> Iterator[tuple[int, int]]:
    """Where `text` holds a name SudachiDict knows as a person's, written in kanji (山田,
    太郎; one kanji only before さん, 様 …: 林さん): (start, end) of each, in `text`'s own
    positions. Kana and Latin words it tags so are mostly not names (マイナ, ローソン, any
    unknown English word), nor a lone kanji (申, 福). Read in windows: Sudachi takes a
    bounded input."""
    for offset in range(0, len(text), window):
        piece = text[offset:offset + window]
        for morpheme in _tokenizer().tokenize(piece):
            surface = morpheme.surface()
            if (morpheme.part_of_speech()[1:3] == ("固有名詞", "人名") and _KANJI_CHAR.search(surface)
                    and (len(surface) > 1 or piece.startswith(_HONORIFICS, morpheme.end()))):
                yield offset + morpheme.begin(), offset + morpheme.end()


def normalized_text(text: str) -> str:
    """`text` with each word in SudachiDict's normalised form (申込み -> 申し込み)."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", _no_lone_surrogates(text)))[:2000]
    return "".join(m.normalized_form() for m in _tokenizer().tokenize(text)) if text.strip() else text


def word_readings(text: str) -> list[str]:
    """The folded katakana reading of each word of `text`, in order (see `reading_of`)."""
    return [folded for part in _reading_parts(text) if (folded := fold(part))]


def word_parts(text: str) -> list[tuple[str, str]]:
    """(surface as written, folded katakana reading) of each word of `text`, in order."""
    return fold_parts(_surface_reading_parts(text))


def fold_parts(parts: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """`word_parts` of a text already cut into words (`Normalizer.read`)."""
    return [(surface, folded) for surface, part in parts if (folded := fold(part))]


def reading_of(text: str) -> str:
    """Katakana reading of `text` (kanji read by SudachiPy's dictionary; kana kept)."""
    return "".join(_reading_parts(text))


def _reading_parts(text: str) -> list[str]:
    return [reading for _, reading in _surface_reading_parts(text)]


def _surface_reading_parts(text: str) -> list[tuple[str, str]]:
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", _no_lone_surrogates(text)))[:2000]
    if not text.strip():
        return []
    parts = []
    skipped = _skipped()
    for morpheme in _tokenizer().tokenize(text):
        if skipped(morpheme):
            continue
        surface = morpheme.surface()
        # Latin letters and digits have no useful reading: keep them as written.
        parts.append((surface, morpheme.reading_form() or surface if _KANA_OR_KANJI.search(surface)
                      else surface))
    return parts
