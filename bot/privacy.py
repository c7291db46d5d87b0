"""Personal data out before anything is stored: masking text, pseudonymous resident keys.

`mask` replaces what can be recognised by its shape: e-mail addresses, 12-digit My
Numbers, phone numbers, postal codes and any other long run of digits, written in
half- or full-width characters or kanji digits (一二三…〇), with hyphens, dots, slashes,
middle dots (・), spaces or neither; addresses also as "taro(at)example.com", with
spaces around "@" and ".", or with a Japanese full stop (。) for the dot. It runs in
time linear in the text's length, whatever the text (see PATTERNS).

Names are found by SudachiDict, whose entries mark family and given names (山田, 太郎,
佐藤さん): a name it knows becomes ［名前］. Japanese has no capitals or spaces to mark
names, so one it does not know (まゆみ, a rare surname) is left as written, and a place
that is also a surname (長野) is masked too: the bot asks residents never to send
personal data, and staff see only masked text. A name in any script is masked also by
the words that give it: 「…と申します」, 「名前は…です」, "my name is …", "Ms. …".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator

from bot.normalize import person_names

MY_NUMBER = "［個人番号］"
PHONE = "［電話番号］"
EMAIL = "［メール］"
POSTAL = "［郵便番号］"
NUMBER = "［番号］"
NAME = "［名前］"

# Matching runs on a same-length mirror of the text, so a match's span is also its span
# in the original and everything that is not masked stays as written. In the mirror:
# full-width ０-９, Ａ-Ｚ, ＠, （ and the like are ASCII; the dashes residents type are "-";
# kanji digits 〇一二…九 are 0-9; the dots 。｡・･ are "."; 〜 is "~"; ideographic space " ".
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ーｰ－﹣"), ord("-"))
_KANJI_DIGITS = {ord(k): ord(d) for k, d in zip("〇一二三四五六七八九零", "01234567890", strict=True)}
_DOTS = dict.fromkeys(map(ord, "。｡・･"), ord("."))
_MIRROR = {**_WIDE, **_DASHES, **_KANJI_DIGITS, **_DOTS,
           0x3000: ord(" "), ord("〜"): ord("~"), ord("﹫"): ord("@")}

# Every pattern has a bounded width (no unbounded repeat), so one attempt at one place
# costs a bounded number of steps and masking is linear in the text's length
# (bench/mask_speed.py; tests/test_privacy.py checks the widths).
#
# Between the digit groups of a My Number or a phone number: a separator character with
# up to two spaces either side ("1234 - 5678", "090.1234.5678", "1234・5678"), or spaces.
_SEP = r" {0,2}[-./:_,~*#=|]? {0,2}"
# An e-mail address is found from its "@" (or "(at)", "アットマーク"): the domain is read
# forwards from there and the local part backwards, each a bounded match, so a long run
# of letters or dashes with no "@" costs nothing (the "@" search is one linear scan).
_AT = re.compile(r" {0,2}(?:@|\((?i:at)\)|\[(?i:at)\]|<(?i:at)>|アットマ-ク|あっとま-く) {0,2}")
_DOT = r" {0,2}(?:\.|\((?i:dot)\)|\[(?i:dot)\]) {0,2}"
_LABEL = r"[A-Za-z0-9-]{1,63}"
_DOMAIN = re.compile(rf"{_LABEL}(?:{_DOT}{_LABEL}){{1,8}}")
# The local part, matched on the reversed mirror: ASCII, or kana/kanji (たろう@example.jp;
# at most 16 such characters, so a sentence written straight before it is not swallowed).
_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9._%+-]{1,64}|[\u3040-\u30ff\u3400-\u9fff々-]{1,16}")
# A name as written after or before the words that introduce it: any script but the
# marks that end a phrase (the mirror has 。 as "."), and not の (那珂市在住の…).
_NAME_CHARS = r"(?!何|なに|なん)[^\s.,!?、，「」()（）:;の]"
_NAME_PHRASE = rf"{_NAME_CHARS}(?:{_NAME_CHARS}| ){{0,19}}?"  # a name, given words apart or not
_NAME_WORD = "(?:名前|氏名|なまえ|フルネ-ム)"  # ー is "-" in the mirror
_I = "(?:私|わたし|わたくし|僕|ぼく)"
# One word of a Latin-letter name, not an English word that follows a name (and, from…).
_LATIN_NAME = (r"(?!(?i:and|from|in|i|im|i'm|living|live|who|but|my|we|the|a|to|need|want|would|"
               r"have|am|is)\b)[A-Za-z][A-Za-z'-]{0,30}")
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"(?<![0-9])[0-9]{{4}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])"), MY_NUMBER),
    # 029-298-1111, 090 1234 5678, 029(298)1111, +81-90-1234-5678: 10 or 11 digits from 0.
    (re.compile(rf"(?:\+81 ?-? ?|(?<![0-9]))\(?0?[0-9]{{1,4}}\)?{_SEP}\(?[0-9]{{1,4}}\)?{_SEP}"
                rf"[0-9]{{3,4}}(?![0-9])"), PHONE),
    (re.compile(r"〒 ?[0-9]{3}[- ]?[0-9]{4}(?![0-9])|(?<![0-9])[0-9]{3}-[0-9]{4}(?![0-9])"
                r"|(?<![0-9])[0-9]{7}(?![0-9])"), POSTAL),
    # Anything else this long is an account, card or insurance number more often than not.
    # Up to 64 digits a match; a longer run is several matches, joined into one placeholder.
    (re.compile(r"[0-9](?:[- ]?[0-9]){7,63}"), NUMBER),
    # Names the dictionary cannot know (kana, Latin, rare kanji), found by how people give
    # them: 「やまだはなこと申します」「名前は タナカ です」 "My name is John Smith", "Ms. Brown".
    # Only the name is masked; a little too much (那珂市在住のやまだ stops at の) is kept
    # masked rather than a name shown.
    (re.compile(rf"(?:{_I}(?:は|、| ))?(?P<name>{_NAME_CHARS}{{1,20}}?) ?"
                r"(?:と申します|ともうします|と申す者)"), NAME),
    (re.compile(rf"{_I}(?:は|、| )(?P<name>{_NAME_CHARS}{{1,20}}?) ?"
                r"(?:といいます|と言います|とゆいます)"), NAME),
    (re.compile(rf"{_NAME_WORD}は ?(?P<name>{_NAME_PHRASE}) ?"
                r"(?:です|でございます|と申|といい|と言い)"), NAME),
    (re.compile(rf"(?:{_NAME_WORD}|(?i:name)) ?: ?(?P<name>{_NAME_PHRASE}) ?(?:です|でございます|\.|,|、|$)"),
     NAME),
    (re.compile(rf"(?i:\bmy name is|\bmy name's|\bi am called|\bi'm called) {{1,2}}"
                rf"(?P<name>{_LATIN_NAME}(?: {_LATIN_NAME}){{0,2}})"), NAME),
    (re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.? "
                r"(?P<name>[A-Z][A-Za-z'-]{1,30}(?: [A-Z][A-Za-z'-]{1,30})?)"), NAME),
)


def mask(text: str) -> str:
    """The text with personal data replaced by ［…］ placeholders; the rest unchanged."""
    mirror = text.translate(_MIRROR)
    taken = bytearray(len(text))  # 1 where a span was already masked: overlaps in linear time
    spans: list[tuple[int, int, str]] = []
    for pattern, label in ((None, EMAIL), *PATTERNS, (None, NAME)):
        if pattern is not None:
            group = "name" if "name" in pattern.groupindex else 0  # a name: not the words around it
            found: Iterator[tuple[int, int]] = (match.span(group) for match in pattern.finditer(mirror))
        else:
            found = _emails(mirror) if label == EMAIL else person_names(text)
        for start, end in found:
            if label == PHONE and not _is_phone(mirror[start:end]):
                continue
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                spans.append((start, end, label))
    if not spans:
        return text
    pieces: list[str] = []
    at = 0
    for start, end, label in sorted(spans):
        if start == at and pieces and pieces[-1] == label:  # one long number, matched in parts
            at = end
            continue
        pieces += [text[at:start], label]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _emails(mirror: str) -> Iterator[tuple[int, int]]:
    reversed_mirror = None
    for at in _AT.finditer(mirror):
        domain = _DOMAIN.match(mirror, at.end())
        if domain is None:
            continue
        reversed_mirror = reversed_mirror or mirror[::-1]
        local = _LOCAL_REVERSED.match(reversed_mirror, len(mirror) - at.start())
        if local is not None:
            yield at.start() - len(local.group()), domain.end()


def _is_phone(candidate: str) -> bool:
    digits = re.sub(r"[^0-9]", "", candidate)
    if candidate.startswith("+81"):
        digits = "0" + digits[2:].lstrip("0")
    return digits.startswith("0") and 10 <= len(digits) <= 11


def pseudonym(user_id: str, secret: str) -> str:
    """A stable key for one resident that cannot be turned back into the LINE user id."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def random_secret() -> str:
    """A per-process secret for demo mode: keys are then stable only until a restart."""
    return secrets.token_hex(32)
