"""One resident event -> the Answer and the messages to send back.

The single path shared by the webhook, `nakabot chat` and the simulator, so what a
staff member sees in the demo is what a resident gets on LINE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.catalogue import Catalogue, Category
from bot.matcher import Answer, Matcher
from bot.replies import Message, Replies, parse_detail, parse_feedback, parse_postback

EventKind = Literal["text", "postback", "follow", "other"]


@dataclass(frozen=True)
class Incoming:
    """What the resident did, stripped of everything LINE-specific."""

    kind: EventKind
    text: str = ""  # the message text (kind "text") or the postback data (kind "postback")
    # Who, as a pseudonymous key (bot/privacy.py): the LINE user id itself never gets this far.
    resident: str | None = None


@dataclass(frozen=True)
class Outcome:
    messages: list[Message]
    answer: Answer | None = None  # set when a question went through the matcher
    shown: str = ""  # what was shown, for logs: "procedure:ID", "category:ID", "menu", ...


class Conversation:
    """A catalogue, its matcher and its reply builder, built once and shared."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.matcher = Matcher(catalogue)
        self.replies = Replies(catalogue)
        # A question that is only a category's name (子育て, 介護) gets that category's list;
        # one of the words of its name or button (税金, 保育) does too, unless a procedure
        # answers it (マイナンバーカード is a category word and a procedure).
        self._category_names: dict[str, Category] = {}
        self._category_words: dict[str, Category] = {}
        for category in catalogue.categories:
            self._index(self._category_names, category.name, category)
            for word in re.split(r"[・、]", f"{category.name}・{category.label}"):
                if len(word) >= 2:
                    self._index(self._category_words, word, category)

    def _index(self, table: dict[str, Category], word: str, category: Category) -> None:
        forms = self.matcher.normalize(word)
        table[forms.surface] = table[forms.reading] = category

    def respond(self, incoming: Incoming) -> Outcome:
        if incoming.kind == "text":
            answer = self.matcher.match(incoming.text)
            category = self._category_asked(answer)
            if category is not None:
                return Outcome(self.replies.category(category), answer, f"category:{category.id}")
            shown = f"{answer.kind}:{answer.id}" if answer.id else answer.kind
            return Outcome(self.replies.for_answer(answer), answer, shown)
        if incoming.kind == "postback":
            return self._postback(incoming.text)
        if incoming.kind == "follow":
            return Outcome(self.replies.welcome(), shown="welcome")
        return Outcome(self.replies.please_type(), shown="please_type")

    def _category_asked(self, answer: Answer) -> Category | None:
        if answer.forms is None:
            return None
        tables = [self._category_names] + ([self._category_words] if answer.kind == "fallback" else [])
        for table in tables:
            category = table.get(answer.forms.surface) or table.get(answer.forms.reading)
            if category is not None:
                return category
        if answer.kind == "fallback":
            # A story no procedure answers but that names one category (母が転んで歩けない。
            # 介護の手続きは？) gets that category's list rather than "not found". Words are
            # looked for in the question as written: a kana word in a kana question, a kanji
            # word in kanji (a reading could hide inside another word's reading).
            named = {c.id: c for word, c in self._category_words.items() if word in answer.forms.surface}
            if len(named) == 1:
                return next(iter(named.values()))
        return None

    def _postback(self, data: str) -> Outcome:
        key, value = parse_postback(data)
        if key == "p" and (procedure := self.catalogue.procedure(value)):
            return Outcome(self.replies.procedure(procedure), shown=f"procedure:{procedure.id}")
        detail_id, question = parse_detail(value) if key == "d" else ("", "")
        if detail_id and (procedure := self.catalogue.procedure(detail_id)):
            return Outcome(self.replies.procedure_detail(procedure, question), shown=f"detail:{procedure.id}")
        if key == "f" and (said := parse_feedback(value)) and self.catalogue.procedure(said.procedure_id):
            verdict = "helpful" if said.helpful else "unhelpful"
            return Outcome(self.replies.thanks_for_feedback(said.helpful),
                           shown=f"{verdict}:{said.procedure_id}")
        if key == "c" and (category := self.catalogue.category(value)):
            return Outcome(self.replies.category(category), shown=f"category:{category.id}")
        # The menu, and buttons from an older catalogue whose target is gone.
        return Outcome(self.replies.menu(), shown="menu")
