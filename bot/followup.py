"""Follow-ups: 「必要なものは？」「いつまで？」「それ」 after a procedure card.

The last procedure card shown to a resident is remembered for a short time (the store's
recent_topics, by pseudonymous key; `LocalMemory` for the terminal and evaluation). A
message that asks one of its facts, and names no other topic, gets that fact in a short
message with a button to the whole card. The facts are the card's own (same catalogue
fields, same unknowns: a fact not confirmed yet sends the resident to the city).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from bot.catalogue import Catalogue, Procedure
from bot.channels import CHANNEL_KINDS
from bot.logs import log_event
from bot.normalize import fold
from bot.replies import POSTBACK_MENU, Message, postback_for_procedure

log = logging.getLogger(__name__)

TOPIC_SECONDS = 30 * 60

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# What a follow-up asks, in the order tried (「いつもらえる」 is processing before 「いつ」 a
# deadline; 「何時まで」 is hours).
FACT_WORDS: dict[str, tuple[str, ...]] = {
    "processing": _words("何日かかる 時間がかかる 時間かかる 日数 どのくらいかかる"
                         " どれくらいかかる いつもらえる いつ届く すぐもらえる 即日 当日"),
    "when": _words("いつまで 期限 締め切り 締切 しめきり 期日 何日まで いつ"),
    "fee": _words("手数料 いくら 料金 費用 値段 お金 金額 無料 有料 何円"),
    "prepare": _words("必要なもの 必要な物 持ち物 もちもの 持っていく 持って行く 持参"
                      " 何がいる 何が要る 何が必要 必要書類 必要な書類 書類 いるもの 要るもの 用意"
                      " 準備するもの 何を持って"),
    "online": _words("オンライン ネットで インターネット スマホで スマートフォンで"
                     " 電子申請 パソコン 家から 自宅から 家で 自宅で 行かずに 行かないで"),
    "hours": _words("何時 受付時間 時間 開いて あいてる 土日 土曜 日曜 休日 夜 営業"),
    "where": _words("どこで どこに どこへ どこ 場所 窓口 何階 住所 郵送 郵便"),
    "phone": _words("電話 問い合わせ 問合せ 連絡先 担当 番号"),
}
# 「それ」「さっきの」: the card itself again (or, with a fact word, that fact).
BACK_WORDS = _words("それ さっきの 先ほどの さきほどの さっき 今の その手続き これ 同じの"
                    " もう一度 もういちど")
# Left when the fact and reference words are gone, these do not name a new topic.
_QUESTION_WORDS = _words("について までに まで から ってある できる できますか 出来る ありますか"
                         " ある ですか ますか ですが ので けど だけど の は を が に で って も と"
                         " か ね よ な 教えて ください 知りたい わかる ほしい いい 要る いる する"
                         " します 必要 何 どう どんな なに")

_FACT_PATTERNS = {fact: re.compile("|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True)))
                  for fact, words in FACT_WORDS.items()}
_BACK_PATTERN = re.compile("|".join(re.escape(fold(w)) for w in sorted(BACK_WORDS, key=len, reverse=True)))
_ALL_WORDS = [fold(w) for words in FACT_WORDS.values() for w in words] + [fold(w) for w in BACK_WORDS]
_STRIP_PATTERN = re.compile("|".join(re.escape(w) for w in sorted(set(_ALL_WORDS), key=len, reverse=True)))


class Memory(Protocol):
    """Where the last procedure shown to each resident is kept."""

    def recall(self, resident: str) -> str | None: ...
    def remember(self, resident: str, procedure_id: str) -> None: ...


@dataclass(frozen=True)
class Asked:
    fact: str | None  # a key of FACT_WORDS, or None
    back: bool  # refers to the card shown before (それ, さっきの)
    rest: str  # the message without those words: a new topic, if it names one


def asked(text: str) -> Asked:
    """What a message asks about the last card, from its wording alone."""
    folded = fold(text)
    fact = next((f for f, pattern in _FACT_PATTERNS.items() if pattern.search(folded)), None)
    back = bool(_BACK_PATTERN.search(folded))
    rest = _STRIP_PATTERN.sub(" ", folded)
    for word in sorted((fold(w) for w in _QUESTION_WORDS), key=len, reverse=True):
        rest = rest.replace(word, " ")
    return Asked(fact, back, "".join(rest.split()))


def fact_message(catalogue: Catalogue, procedure: Procedure, fact: str) -> Message:
    """One fact of the card, short, with a button for the whole card."""
    text = f"【{procedure.title}】\n" + "\n".join(fact_lines(catalogue, procedure, fact))
    items = [_postback_item(procedure.label, postback_for_procedure(procedure.id)),
             _postback_item(catalogue.texts.menu_button, POSTBACK_MENU)]
    return {"type": "text", "text": text, "quickReply": {"items": items}}


def fact_lines(catalogue: Catalogue, p: Procedure, fact: str) -> list[str]:
    city = catalogue.city
    ask = f"詳しくは{city.name}（代表）{city.phone} へおたずねください。"
    online = [c for c in p.channels if c.online]
    if fact == "prepare":
        lines = []
        if p.prepare:
            lines += ["窓口に持っていくもの："] + ["・" + item for item in p.prepare]
        for channel in p.channels:
            if channel.need:
                lines.append(f"{_kind(channel.kind)}で必要なもの：" + "、".join(channel.need))
        return lines or [f"必要なものは、まだ確認できていません。{ask}"]
    if fact == "fee":
        if not p.fee:
            return [f"手数料は、まだ確認できていません。{ask}"]
        return [f"手数料：{p.fee}"] + ([f"払い方：{p.payment}"] if p.payment else [])
    if fact == "when":
        return [f"期限：{p.when}"] if p.when else [f"期限は、このボットではご案内できません。{ask}"]
    if fact == "processing":
        if p.processing:
            return [f"かかる日数：{p.processing}"]
        return [f"かかる日数は、まだ確認できていません。{ask}"]
    if fact == "online":
        if not online:
            ways = "・".join(_kind(c.kind) for c in p.channels) or "市役所の窓口"
            return [f"この手続きは、オンラインではご案内できるものがありません。（{ways}）"]
        return [f"オンラインでできます（{_kind(c.kind)}）：{c.url}" if c.url
                else f"オンラインでできます（{_kind(c.kind)}）" for c in online]
    if fact == "hours":
        lines = [f"窓口の受付時間：{p.hours}" if p.hours
                 else f"窓口の受付時間は、まだ確認できていません。{ask}"]
        lines += [f"{_kind(c.kind)}：{c.hours}" for c in p.channels if c.hours]
        return lines
    if fact == "where":
        ways = "・".join(_kind(c.kind) for c in p.channels)
        section = p.contact.name or city.name
        where = p.counter.address or city.address
        return ([f"できるところ：{ways}"] if ways else []) + [f"窓口：{section}（{where}）"]
    # phone (and anything else): whom to call; the main number while a section's is unknown
    if p.contact.name and p.contact.phone:
        return [f"問い合わせ：{p.contact.name}　{p.contact.phone}"]
    ask_for = p.contact.name or p.contact.role
    named = f"（「{ask_for}」とお伝えください）" if ask_for else ""
    return [f"問い合わせ：{city.name}（代表）{city.phone}{named}"]


def _kind(kind: str) -> str:
    """How residents call a way of doing a procedure (コンビニ, 市役所の窓口 ...)."""
    return CHANNEL_KINDS[kind].label


def _postback_item(label: str, data: str) -> dict[str, Any]:
    return {"type": "action",
            "action": {"type": "postback", "label": label, "data": data, "displayText": label}}


# --- memories -----------------------------------------------------------------------------
class StoreMemory:
    """The store's recent_topics: every worker and instance sees the same topic.

    A store that fails costs the follow-up, never the reply: errors are logged, and the
    message is then answered as a new question.
    """

    def __init__(self, store: Any) -> None:
        self.store = store

    def recall(self, resident: str) -> str | None:
        try:
            return self.store.recall_topic(resident)
        except Exception as error:  # StoreError, or anything a broken store raises
            log_event(log, "topic_recall_failed", logging.WARNING, error=str(error))
            return None

    def remember(self, resident: str, procedure_id: str) -> None:
        try:
            self.store.remember_topic(resident, procedure_id)
        except Exception as error:
            log_event(log, "topic_remember_failed", logging.WARNING, error=str(error))


class LocalMemory:
    """In one process only (the terminal chat, evaluation, tests): same expiry as the store."""

    def __init__(self, seconds: float = TOPIC_SECONDS, clock: Any = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._topics: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def recall(self, resident: str) -> str | None:
        with self._lock:
            topic = self._topics.get(resident)
        if topic is None or self.clock() - topic[1] > self.seconds:
            return None
        return topic[0]

    def remember(self, resident: str, procedure_id: str) -> None:
        with self._lock:
            now = self.clock()
            self._topics = {k: v for k, v in self._topics.items() if now - v[1] <= self.seconds}
            self._topics[resident] = (procedure_id, now)
