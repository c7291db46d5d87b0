"""The ways to do a procedure (a channel's `kind` in procedures/*.yaml), in one table.

Each kind has the name a card gives it, the headline a card shows when it is the first
(recommended) way, and whether it is an application from home (its card links to it).
procedures/README.md lists the kinds for staff; a test keeps the two the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ChannelKind:
    label: str  # how a card names this way
    headline: str  # a card's headline when this is the first way
    online: bool = False  # an application from home, on the web
    short: str = ""  # the name in a headline's brackets, kept short for a one-screen card


CHANNEL_KINDS: Mapping[str, ChannelKind] = MappingProxyType({
    "mynaportal": ChannelKind("マイナポータル（ぴったりサービス）", "スマホで申請できます", online=True,
                              short="マイナポータル"),
    "ibaraki-e": ChannelKind("いばらき電子申請・届出サービス", "スマホで申請できます", online=True,
                             short="いばらき電子申請"),
    "konbini": ChannelKind("コンビニ", "コンビニで取れます"),
    "post": ChannelKind("郵送", "郵送でできます"),
    "counter": ChannelKind("市役所の窓口", "窓口での手続きです"),
    # Ways to pay a tax or fee (the cashless category): not applications.
    "pay-app": ChannelKind("スマホ決済アプリ", "スマホのアプリで払えます"),
    "pay-web": ChannelKind("地方税お支払サイト", "ネットで払えます"),
    "pay-konbini": ChannelKind("コンビニのレジ", "コンビニで払えます"),
})
DEFAULT_KIND = "counter"  # a procedure with no channel listed is done at the counter
