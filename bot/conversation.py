"""One resident event -> the Answer and the messages to send back.

The single path shared by the webhook, `nakabot chat` and the simulator, so what a
staff member sees in the demo is what a resident gets on LINE. `decide` is that path
without the messages built: what would be shown ("procedure:juminhyo", "several:…"),
which the admin's preview asks of every known question (bot/preview.py); `respond`
is `decide` and then the messages it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.catalogue import Catalogue, Category
from bot.english import POSTBACK_PREFIX as ENGLISH_POSTBACK
from bot.english import English, asked_fact, is_english
from bot.followup import Memory, asked, fact_message
from bot.matcher import OUTSIDE_PREFIX, Answer, Matcher
from bot.replies import TAP_KEYS, Message, Replies, parse_detail, parse_feedback, parse_postback
from bot.several import EXPLAINED_ENGLISH, several

# What the tap of a button carrying the question to a card is shown as (replies.TAP_KEYS):
# postback key -> kind, each reviewed by staff apart.
TAPPED = {key: kind for kind, key in TAP_KEYS.items()}

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
    topic: str | None = None  # the procedure a follow-up would now be about (the last card shown)


@dataclass(frozen=True)
class Decision:
    """What an event is answered with, before any message is built: `build` makes them."""

    build: Callable[[], list[Message]]
    answer: Answer | None = None
    shown: str = ""
    topic: str | None = None

    def outcome(self) -> Outcome:
        return Outcome(self.build(), self.answer, self.shown, self.topic)


class Conversation:
    """A catalogue, its matcher and its reply builder, built once and shared."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.matcher = Matcher(catalogue)
        self.replies = Replies(catalogue)
        self.english = English(catalogue)  # a message in English is answered in English
        # A question that is only a category's name (子育て, 介護) gets that category's list;
        # one of the words of its name or button (税金, 保育, 証明書) does too, unless a
        # procedure answers it (マイナンバーカード is a category word and a procedure): the
        # resident named a whole category, not a topic not handled (保育 → 保育料) or one of
        # a few cards to choose from.
        # So does a word staff list for it (categories.yaml `words`: 手当, スマホ), which
        # residents send alone without naming the category, even where a card would answer.
        self._category_names: dict[str, Category] = {}
        for category in catalogue.categories:
            for word in (category.name, *category.words):
                self._index(self._category_names, word, category)

    def _index(self, table: dict[str, Category], word: str, category: Category) -> None:
        forms = self.matcher.normalize(word)
        table[forms.surface] = table[forms.reading] = category

    def respond(self, incoming: Incoming, memory: Memory | None = None) -> Outcome:
        """The reply to one event. With a `memory`, the last procedure card shown to this
        resident is kept there, and a follow-up about it (「手数料は？」) gets that fact."""
        outcome = self.decide(incoming, memory).outcome()
        if memory is not None and incoming.resident and outcome.topic:
            memory.remember(incoming.resident, outcome.topic)
        return outcome

    def shown(self, text: str) -> str:
        """What a question with no earlier card is shown (as respond's Outcome.shown), without
        building the messages: "procedure:juminhyo", "en:clarify", "several:juminhyo+inkan" ..."""
        return self.decide(Incoming("text", text)).shown

    def decide(self, incoming: Incoming, memory: Memory | None = None) -> Decision:
        """What respond answers, its messages not built yet (memory is only read here)."""
        if incoming.kind == "text" and is_english(incoming.text):
            topic = memory.recall(incoming.resident) if memory is not None and incoming.resident else None
            return self._english(incoming.text, topic)
        if incoming.kind == "postback" and incoming.text.startswith(ENGLISH_POSTBACK):
            return self._english_postback(incoming.text.removeprefix(ENGLISH_POSTBACK))
        if incoming.kind == "text":
            answer = self.matcher.match(incoming.text)
            answers = several(self.matcher, answer)
            if answers:  # 住民票と印鑑証明: one card (or clarify) per topic, clarifies last
                shown = "several:" + "+".join(a.id or "clarify" for a in answers)
                cards = [a.id for a in answers if a.kind == "procedure" and a.id]
                return Decision(lambda: [self._naming(answers)] + [m for a in answers
                                                                   for m in self.replies.for_answer(a)],
                                answer, shown, topic=cards[-1] if cards else None)
            topic = memory.recall(incoming.resident) if memory is not None and incoming.resident else None
            if topic is not None and (followed := self._follow_up(incoming.text, answer, topic)):
                return followed
            category = self._category_asked(answer)
            if category is not None:
                return Decision(lambda: self.replies.category(category), answer, f"category:{category.id}")
            shown = f"{answer.kind}:{answer.id}" if answer.id else answer.kind
            return Decision(lambda: self.replies.for_answer(answer), answer, shown,
                            topic=answer.id if answer.kind == "procedure" else None)
        if incoming.kind == "postback":
            return self._postback(incoming.text)
        if incoming.kind == "follow":
            return Decision(self.replies.welcome, shown="welcome")
        return Decision(self.replies.please_type, shown="please_type")

    def _english(self, text: str, topic: str | None = None) -> Decision:
        english = self.english
        answer = english.match(text)
        fact, back, rest = asked_fact(text)
        procedure = self.catalogue.procedure(topic) if topic else None
        # "How much is it?" after a card; a question naming another procedure is a new topic
        # (named by its words, as in Japanese: a likeness alone names none).
        elsewhere = (answer.kind == "procedure" and answer.id != topic and bool(rest)
                     and any(english.matcher.names_a_thing(c) for c in answer.candidates[:1]))
        if procedure is not None and (fact or back) and not elsewhere:
            if fact is None:
                return Decision(lambda: english.procedure(procedure), None, f"en:procedure:{topic}",
                                topic=topic)
            return Decision(lambda: english.fact(procedure, fact), None, f"en:fact:{topic}:{fact}",
                            topic=topic)
        answers = several(english.matcher, answer, EXPLAINED_ENGLISH)
        if answers:  # "a residence certificate and a seal certificate"
            cards = [a.id for a in answers if a.kind == "procedure" and a.id]
            return Decision(lambda: [self._naming_english(answers)] + [m for a in answers
                                                                       for m in english.for_answer(a)],
                            answer, "en:several:" + "+".join(a.id or "clarify" for a in answers),
                            topic=cards[-1] if cards else None)
        shown = f"{answer.kind}:{answer.id}" if answer.id else answer.kind
        return Decision(lambda: english.for_answer(answer), answer, "en:" + shown,
                        topic=answer.id if answer.kind == "procedure" else None)

    def _english_postback(self, data: str) -> Decision:
        key, value = parse_postback(data)
        if key == "p" and (procedure := self.catalogue.procedure(value)):
            return Decision(lambda: self.english.procedure(procedure), shown=f"en:procedure:{procedure.id}",
                            topic=procedure.id)
        chosen_id, _ = parse_detail(value) if key in TAPPED else ("", "")
        if chosen_id and (chosen := self.catalogue.procedure(chosen_id)):
            return Decision(lambda: self.english.procedure(chosen), shown=f"en:{TAPPED[key]}:{chosen.id}",
                            topic=chosen.id)
        if key == "c" and self.catalogue.category(value):
            return Decision(lambda: self.english.category(value), shown=f"en:category:{value}")
        return Decision(self.english.menu, shown="en:menu")

    def _naming(self, answers: list[Answer]) -> Message:
        """The line before several cards, so that a long scroll starts with what follows."""
        names = []
        for answer in answers:
            procedure = self.catalogue.procedure(answer.id) if answer.id else None
            names.append(f"・{procedure.label}" if procedure else "・どれのことか、ボタンで選んでください")
        heading = f"{len(answers)}つの手続きを、順にご案内します。"
        return {"type": "text", "text": "\n".join([heading, *names])}

    def _naming_english(self, answers: list[Answer]) -> Message:
        names = [f"- {p.en.label}" if (p := self.catalogue.procedure(a.id or "")) and p.en
                 else "- please choose below" for a in answers]
        return {"type": "text", "text": "\n".join([f"Here are {len(answers)} procedures:", *names])}

    def _follow_up(self, text: str, answer: Answer, topic: str) -> Decision | None:
        """A fact of the last card, or the card again; None when the message is a new topic."""
        procedure = self.catalogue.procedure(topic)
        question = asked(text)
        if procedure is None or not (question.fact or question.back):
            return None
        # 「住民票の手数料は？」 after the 印鑑 card names a new topic: answered as usual. An
        # answer found by likeness alone (いつまでに出せばいい？ resembles 死亡届はいつまでに…)
        # or by what is done (どこで再発行？) names none: the fact of the last card.
        elsewhere = answer.kind == "procedure" or (answer.kind == "intent"
                                                  and (answer.id or "").startswith(OUTSIDE_PREFIX))
        named = any(self.matcher.names_a_thing(c) for c in answer.candidates[:1])
        if elsewhere and answer.id != topic and len(question.rest) >= 2 and named:
            return None
        if question.fact is None:  # 「それ」「さっきの」: the card again
            return Decision(lambda: self.replies.procedure(procedure), None, f"procedure:{topic}",
                            topic=topic)
        fact = question.fact
        return Decision(lambda: [fact_message(self.catalogue, procedure, fact)], None, f"fact:{topic}:{fact}",
                        topic=topic)

    def _category_asked(self, answer: Answer) -> Category | None:
        if answer.forms is None:
            return None
        forms = answer.forms
        category = self._category_names.get(forms.surface) or self._category_names.get(forms.reading)
        if category is not None or answer.kind == "procedure":
            return category
        words = self.matcher.category_words
        named = words.get(forms.surface) or words.get(forms.reading)
        if named is None and answer.kind == "fallback" and not answer.suggested:
            # A story no procedure answers but that names one category (母が転んで歩けない。
            # 介護の手続きは？) gets that category's list rather than "not found"; where the
            # matcher half found procedures of it, their 「もしかして」 buttons come instead.
            named = self.matcher.category_named(forms)
        return self.catalogue.category(named) if named else None

    def _postback(self, data: str) -> Decision:
        key, value = parse_postback(data)
        if key == "p" and (procedure := self.catalogue.procedure(value)):
            return Decision(lambda: self.replies.procedure(procedure), shown=f"procedure:{procedure.id}",
                            topic=procedure.id)
        detail_id, question = parse_detail(value) if key == "d" else ("", "")
        if detail_id and (detailed := self.catalogue.procedure(detail_id)):
            return Decision(lambda: self.replies.procedure_detail(detailed, question),
                            shown=f"detail:{detailed.id}", topic=detailed.id)
        # A 「もしかして」 button, or a card offered under a topic not handled: the card, its
        # own buttons still carrying the question.
        chosen_id, asked = parse_detail(value) if key in TAPPED else ("", "")
        if chosen_id and (chosen := self.catalogue.procedure(chosen_id)):
            return Decision(lambda: self.replies.procedure(chosen, None, asked or None),
                            shown=f"{TAPPED[key]}:{chosen.id}", topic=chosen.id)
        if key == "f" and (said := parse_feedback(value)) and self.catalogue.procedure(said.procedure_id):
            verdict = "helpful" if said.helpful else "unhelpful"
            return Decision(lambda: self.replies.thanks_for_feedback(said.helpful),
                            shown=f"{verdict}:{said.procedure_id}")
        if key == "c" and (category := self.catalogue.category(value)):
            return Decision(lambda: self.replies.category(category), shown=f"category:{category.id}")
        # The menu, and buttons from an older catalogue whose target is gone.
        return Decision(self.replies.menu, shown="menu")
