"""Personal data out before anything is stored: masking text, pseudonymous resident keys.

`mask` replaces what can be recognised by its shape: e-mail addresses, 12-digit My
Numbers, phone numbers, postal codes and any other long run of digits, written in
half- or full-width characters, with hyphens, spaces or neither.

Names cannot be found reliably: Japanese has no capitals or spaces to mark them, and
a surname is often an ordinary word (中村, 小林, 森). Nothing here tries; the bot asks
residents never to send personal data, and staff see only masked text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

MY_NUMBER = "［個人番号］"
PHONE = "［電話番号］"
EMAIL = "［メール］"
POSTAL = "［郵便番号］"
NUMBER = "［番号］"

# Matching runs on a same-length ASCII mirror of the text (full-width ０-９, Ａ-Ｚ, ＠, －
# and the dashes residents type become their ASCII forms), so a match's span is also
# its span in the original and everything that is not masked stays as written.
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ーｰ－"), ord("-"))
_MIRROR = {**_WIDE, **_DASHES, 0x3000: ord(" ")}

_SEP = r"[- ]?"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+-]+ ?@ ?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), EMAIL),
    (re.compile(rf"(?<![0-9])[0-9]{{4}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])"), MY_NUMBER),
    # 029-298-1111, 090 1234 5678, 029(298)1111, +81-90-1234-5678: 10 or 11 digits from 0.
    (re.compile(r"(?:\+81[- ]?|(?<![0-9]))\(?0?[0-9]{1,4}\)?[- ()]?[0-9]{1,4}\)?[- ]?[0-9]{3,4}(?![0-9])"),
     PHONE),
    (re.compile(rf"〒 ?[0-9]{{3}}{_SEP}[0-9]{{4}}(?![0-9])|(?<![0-9])[0-9]{{3}}-[0-9]{{4}}(?![0-9])"
                r"|(?<![0-9])[0-9]{7}(?![0-9])"), POSTAL),
    # Anything else this long is an account, card or insurance number more often than not.
    (re.compile(r"(?<![0-9])[0-9](?:[- ]?[0-9]){7,}(?![0-9])"), NUMBER),
)


def mask(text: str) -> str:
    """The text with personal data replaced by ［…］ placeholders; the rest unchanged."""
    mirror = text.translate(_MIRROR)
    spans: list[tuple[int, int, str]] = []
    for pattern, label in _PATTERNS:
        for found in pattern.finditer(mirror):
            start, end = found.span()
            if label == PHONE and not _is_phone(found.group()):
                continue
            if not any(start < e and s < end for s, e, _ in spans):
                spans.append((start, end, label))
    for start, end, label in sorted(spans, reverse=True):
        text = text[:start] + label + text[end:]
    return text


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
