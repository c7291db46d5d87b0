"""match(text) -> Answer: which procedure or intent a resident's question is about.

Every entry (a procedure, or an intent written "intent:NAME") is indexed through its
title, label, keywords and example questions, in both normalised forms (surface and
reading, see normalize.py). Three kinds of evidence are scored, 0-100 each:

- resemblance: how close the whole question is to one of the entry's texts
  (rapidfuzz ratio, so a question worded like an example scores high);
- terms: which of the entry's keywords the question contains, each weighted by how
  specific it is to this entry (児童手当 is shared by ten procedures, 寄附 by two);
- shared wording: the bigrams the question shares with all the entry says, weighted
  by rarity (overlap.py), so a long story's scattered words still count.

An entry's score is the strongest of the three, raised a little by the others;
resemblance counts only so far above the other two (THRESHOLDS.resemblance_support).
The best score decides: a fallback below THRESHOLDS.answer, a clarify when others
are close. A card that leaves one of the question's catalogue words unexplained gives
way to a close candidate that speaks of them all (THRESHOLDS.specific_within).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Literal

from rapidfuzz import fuzz, process

from bot.catalogue import KANJI, WORDS_APART, Catalogue
from bot.normalize import Forms, Normalizer, fold_parts, meant_part
from bot.overlap import Overlap, pairs

Kind = Literal["procedure", "intent", "clarify", "fallback"]
INTENT_PREFIX = "intent:"
# Intents named outside-... are topics this bot does not handle (intents/outside-*.yaml):
# matched like any entry, so their words count as evidence against every procedure.
OUTSIDE_PREFIX = "outside-"
# Keywords that say what happened, not to what: they fit whatever was lost or renewed. A card
# found by nothing else gives way to a topic not handled that names the thing (Matcher.match).
ACT_WORDS = ("紛失", "なくした", "なくしました", "なくしたら", "なくすと", "見当たらない", "再発行",
             "再交付", "作り直し", "更新", "変更", "申請", "手続き", "届け出", "届出", "申し込み",
             "問い合わせ", "取り消し")
# A question's reading, where its words start, and the kanji it wrote at each reading position.
_Words = list[tuple[str, set[int], dict[int, str]]]


@dataclass(frozen=True)
class Thresholds:
    """Every number that decides an answer, in one place."""

    answer: float = 42.9  # below this best score: fallback
    answer_if_ahead: float = 28.6  # ... or at least this, when ahead of the second by ahead_by
    ahead_by: float = 14.3
    clarify_margin: float = 2.9  # others within this of the best: ask which one
    clarify_max: int = 4  # at most this many candidates offered
    min_chars: int = 2  # folded questions shorter than this are noise
    term_min_chars: int = 2  # shorter keywords are too ambiguous to count
    term_partial: float = 90.0  # a keyword "appears" when partial similarity reaches this
    term_saturation: float = 5.0  # weight at which term evidence reaches ~63 points
    support: float = 0.4  # share of the weaker evidence added to the stronger
    resemblance_cutoff: float = 40.0  # ratios below this are not even collected
    resemblance_entries: int = 15  # entries whose texts are compared whole with the question
    resemblance_limit: int = 60  # closest texts considered per question
    short_text: int = 6  # texts shorter than this pay more for each differing character
    resemblance_floor: float = 20.0  # ratio at or below this counts as no resemblance at all
    # Resemblance counts at most this far above the keyword or shared-wording evidence: a
    # question that resembles a text only by its grammar (財布がなくなった / 育てなくなった)
    # shares none of its rarer bigrams and must not be answered on the likeness alone.
    resemblance_support: float = 25.0
    resemblance_alone: float = 80.0  # ... unless it is this close: nearly the same text
    # A card that leaves one of the question's catalogue words unexplained (児童手当 in
    # 児童手当…引っ越します, best: the moving card) gives way to a candidate at most this far
    # behind that speaks of them all (児童手当を止める届け).
    specific_within: float = 15.0
    # A card scored under outside_below gives way to a topic not handled at most
    # outside_within behind, when the question names that topic word for word and the
    # card's texts never mention it: 年金の住所変更 is the pension office's, not the moving
    # card's. A card scored higher is what was asked (納付書をなくした、スマホで払える？).
    # (20 behind until the eighth round; 30 spared two wrong cards and took no right one.)
    outside_within: float = 30.0
    outside_below: float = 80.0
    overlap_full: float = 0.4  # bigram cosine that counts as full (100-point) overlap
    # Shared wording is evidence only when the question shares at least this many different
    # bigrams with the entry: バカ is one bigram of マイナンバカド (long vowels dropped).
    overlap_min_pairs: int = 2
    # A fallback whose best candidate is a procedure scored at least `suggest` offers it, and
    # the procedures within `suggest_within` of it, as 「もしかして」 buttons (at most
    # `suggest_max`): a question the bot is unsure of still reaches its card in one tap,
    # and is still told that nothing was found for certain.
    suggest: float = 25.0
    suggest_within: float = 10.0
    suggest_max: int = 3
    # A topic not handled that wins offers, as buttons, the cards scored at least `related`
    # that found keywords of their own in the question (not only 紛失, 更新 ...): at most
    # `related_max` of them. (パスポート申請に戸籍がいる: the passport is not handled here,
    # the 戸籍 certificate is.)
    related: float = 25.0
    related_max: int = 2
    # A card offers, as its first buttons, the procedures scored within `suggest_within` of
    # it (at most `runners_up_max`): when the bot picked the wrong one of two close cards,
    # the right one is a tap away.
    runners_up_max: int = 2
    # Not for matching: an answer whose best score is below this is kept for staff review
    # (bot/feedback.py) as well as every clarify and fallback.
    review: float = 50.0


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Candidate:
    id: str  # procedure id, or "intent:NAME"
    score: float
    evidence: tuple[str, ...] = ()
    # Procedures' keywords the question contains word for word that this entry's texts
    # never mention: what the question is about besides this entry.
    unexplained: tuple[str, ...] = ()
    found: tuple[str, ...] = ()  # this entry's keywords the question contains


@dataclass(frozen=True)
class Answer:
    kind: Kind
    id: str | None
    candidates: tuple[Candidate, ...]
    score: float
    text: str
    forms: Forms | None = None
    # A fallback's 「もしかして」 procedures, the cards next to a topic not handled, or the
    # close runners-up of a card, best first.
    suggested: tuple[str, ...] = ()

    @classmethod
    def of(cls, best: Candidate, text: str, forms: Forms | None) -> Answer:
        """The answer that is `best`: its card, or the intent it names."""
        kind: Kind = "intent" if best.id.startswith(INTENT_PREFIX) else "procedure"
        return cls(kind, best.id.removeprefix(INTENT_PREFIX), (best,), best.score, text, forms)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of `nakabot ask --json` (GUIDE.md section 2)."""
        return {
            "text": self.text,
            "kind": self.kind,
            "id": self.id,
            # What the resident is offered: a clarify's candidates, a fallback's suggestions,
            # the cards beside a topic not handled, a card's close runners-up.
            "candidates": ([c.id for c in self.candidates] if self.kind == "clarify"
                           else list(self.suggested)),
            "score": round(self.score, 1),
        }


@dataclass
class _Doc:
    owner: int
    role: str  # title | label | keyword | example
    text: str  # as written, for explanations
    forms: Forms
    # A keyword written 「住民票…移」: its words, each to be found in the question, apart.
    parts: tuple[Forms, ...] = ()


@dataclass
class _Entry:
    id: str
    docs: list[_Doc] = field(default_factory=list)


class Matcher:
    """An index of one catalogue. Build once; `match` is then cheap and thread-safe."""

    def __init__(self, catalogue: Catalogue, thresholds: Thresholds = THRESHOLDS,
                 normalizer: Normalizer | None = None) -> None:
        self.thresholds = thresholds
        self.normalize = normalizer or Normalizer(catalogue.synonyms)
        self.entries: list[_Entry] = []
        for procedure in catalogue.procedures:
            # The legal name where there is one: the plain title shown on the card is close
            # to the label, and matching stays as it was measured.
            title = procedure.legal_title or procedure.title
            self._add(procedure.id, [("title", title), ("label", procedure.label)]
                      + [("keyword", k) for k in procedure.keywords]
                      + [("example", e) for e in procedure.examples])
        for intent in catalogue.intents:
            self._add(INTENT_PREFIX + intent.id, [("keyword", k) for k in intent.keywords]
                      + [("example", e) for e in intent.examples])
        # The words of each category's name and button (子育て, 児童手当, 介護保険 ...), folded
        # both ways, and the category of each procedure: a question naming one category is
        # offered only that category's procedures when nothing is found for certain.
        self.category_words: dict[str, str] = {}
        for category in catalogue.categories:
            for word in re.split(r"[・、]", f"{category.name}・{category.label}"):
                if len(word) >= 2:
                    forms = self.normalize(word)
                    self.category_words[forms.surface] = self.category_words[forms.reading] = category.id
        self._category_of = {p.id: p.category for p in catalogue.procedures}
        self._position = {entry.id: index for index, entry in enumerate(self.entries)}
        self._index()

    def _index(self) -> None:
        """The indexes `rank` reads: keywords, bigrams and texts of every entry, as characters.
        (EnglishMatcher compares words instead, and builds its own.)"""
        thresholds = self.thresholds
        self.terms = [d for entry in self.entries for d in entry.docs if d.role != "example"
                      and not d.parts and len(d.forms.surface) >= thresholds.term_min_chars]
        self._together = [d for entry in self.entries for d in entry.docs if d.parts]
        self._together_texts = {d.text for d in self._together}
        said = [_said_forms(entry) for entry in self.entries]
        # What each entry says, as two texts (surface, reading): where a word is looked for.
        self._said = [("\n".join(f.surface for f in forms), "\n".join(f.reading for f in forms))
                      for forms in said]
        # Which keyword lengths count only where the question has the keyword as written (one
        # typo in 3 characters is another word; _may_align), worked out once for every length.
        longest_term = max((len(text) for d in self.terms for text in (d.forms.surface, d.forms.reading)),
                           default=0)
        self._verbatim = [length < 4 or not _may_align(length, thresholds)
                          for length in range(longest_term + 1)]
        self._term_index = (_GramIndex([d.forms.surface for d in self.terms], self._verbatim.__getitem__),
                            _GramIndex([d.forms.reading for d in self.terms], self._verbatim.__getitem__))
        self._term_weight, self._together_weight = self._specificity()
        self.overlap = Overlap(said)
        # The entries using each bigram (of either form), as the bits of an int (bit i: entry
        # i), to find the entries sharing enough bigrams with a question (_sharing).
        self._pair_entries: dict[str, int] = {}
        for index, forms in enumerate(said):
            for gram in set(chain.from_iterable(pairs(f.surface) + pairs(f.reading) for f in forms)):
                self._pair_entries[gram] = self._pair_entries.get(gram, 0) | 1 << index
        # Each entry's texts as the flat lists rapidfuzz takes, built once, not per question.
        # (A keyword of words apart is no text to resemble.)
        self._choices = [([d.forms.surface for d in docs], [d.forms.reading for d in docs],
                          [d.text for d in docs])
                         for docs in ([d for d in e.docs if not d.parts] for e in self.entries)]
        # The length of each text (the longer of its two forms) and of each entry's longest:
        # a question much longer resembles none of them (_resemblance).
        self._lengths = [[max(len(s), len(r)) for s, r in zip(surfaces, readings, strict=True)]
                         for surfaces, readings, _ in self._choices]
        self._longest = [max(lengths, default=0) for lengths in self._lengths]
        self._term_forms = {d.text: d.forms for d in self.terms}
        self._term_forms.update({d.text: d.parts[0] for d in self._together})  # where it starts
        acts = {self.normalize(word).surface for word in ACT_WORDS}
        self._acts = {d.text for d in self.terms if d.forms.surface in acts}

    def names_a_thing(self, candidate: Candidate) -> bool:
        """Whether `candidate` was found by a keyword naming a thing (住民票, 児童手当), not only
        by likeness or by words for what is done (紛失, 再発行)."""
        return any(word not in self._acts for word in candidate.found)

    def _add(self, entry_id: str, texts: list[tuple[str, str]]) -> None:
        entry = _Entry(entry_id)
        index = len(self.entries)
        seen: set[str] = set()
        for role, text in texts:
            forms = self.normalize(text)
            if forms.surface and forms.surface not in seen:
                seen.add(forms.surface)
                words = WORDS_APART.split(text) if role == "keyword" else [text]
                parts = tuple(self.normalize(word) for word in words) if len(words) > 1 else ()
                entry.docs.append(_Doc(index, role, text, forms, parts))
        self.entries.append(entry)

    def _specificity(self) -> tuple[list[float], list[float]]:
        """Weight of each term, then of each keyword of words apart (住民票…移): longer and
        rarer (in fewer entries) weighs more."""
        total = len(self.entries)
        texts = self._said
        # Only entries holding every bigram of a term can contain it: look those up, then check.
        holders: list[dict[str, set[int]]] = [{}, {}]
        for index, pair in enumerate(texts):
            for side, text in enumerate(pair):
                for gram in _pair_set(text):
                    holders[side].setdefault(gram, set()).add(index)

        def containing(term: str, side: int) -> set[int]:
            sets = sorted((holders[side].get(g, set()) for g in _pair_set(term)), key=len)
            found = set.intersection(*sets) if sets else set()
            return {i for i in found if term in texts[i][side]}

        owners: dict[tuple[str, str], int] = {}
        weights = []
        for term in self.terms:
            key = (term.forms.surface, term.forms.reading)
            if key not in owners:
                owners[key] = len(containing(key[0], 0) | containing(key[1], 1))
            idf = math.log(1 + total / max(1, owners[key]))
            weights.append(idf * min(len(term.forms.reading), 8) / 4)
        together = []
        for term in self._together:
            holding = set.intersection(*(containing(p.surface, 0) | containing(p.reading, 1)
                                         for p in term.parts))
            idf = math.log(1 + total / max(1, len(holding)))
            together.append(idf * min(sum(len(p.reading) for p in term.parts), 8) / 4)
        return weights, together

    # --- matching ---------------------------------------------------------------------
    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        """The `limit` entries with the most evidence, best first."""
        text = meant_part(text)  # 医療費じゃなくて保育の認定: 保育の認定 is asked about
        forms, parts = self.normalize.read(text)
        t = self.thresholds
        if len(forms.surface) < t.min_chars and len(forms.reading) < t.min_chars:
            return forms, []
        # Cheap evidence for every entry first, as points: keywords found, and bigrams shared.
        cheap: dict[int, tuple[float, float]] = {}
        terms = self._terms(forms, text, parts)
        asked_words = self._asked_words(forms, terms)
        for index, (weight, _) in terms.items():
            cheap[index] = (100 * (1 - math.exp(-weight / t.term_saturation)), 0.0)
        sharing = self._sharing(_pair_set(forms.surface) | _pair_set(forms.reading), t.overlap_min_pairs)
        full = t.overlap_full
        for index, cosine in self.overlap.cosine(forms).items():
            # Too few pairs in common: still compared whole below (hi is an example), no points.
            shared = 100 * min(1.0, cosine / full) if sharing >> index & 1 else 0.0
            cheap[index] = (cheap[index][0] if index in cheap else 0.0, shared)
        # The costlier whole-text comparison only for the entries that evidence shortlists:
        # a text close to the question shares its bigrams, and the rest cannot reach an answer.
        strongest = {index: max(points) for index, points in cheap.items()}
        # What heapq.nlargest gives (ties kept in the order of `strongest`), sorted in C: with a
        # hundred entries, nlargest's Python-level heap cost more than the whole sort.
        shortlist = sorted(strongest, key=strongest.__getitem__, reverse=True)[:t.resemblance_entries]
        resemblance = self._resemblance(forms, shortlist)
        scored = []
        for index in shortlist:
            near, near_doc = resemblance.get(index, (0.0, ""))
            near = max(0.0, 100 * (near - t.resemblance_floor) / (100 - t.resemblance_floor))
            term_score, shared = cheap[index]
            if near < t.resemblance_alone:
                near = min(near, max(term_score, shared) + t.resemblance_support)
            weight, found = terms.get(index, (0.0, []))
            ordered = sorted((near, term_score, shared), reverse=True)
            # The strongest evidence in full, the others in part; scaled back to 0-100.
            score = (ordered[0] + t.support * (ordered[1] + ordered[2]) / 2) / (1 + t.support)
            if score > 0:
                scored.append((round(score, 1), index, near, near_doc, weight, found, term_score, shared))
        scored.sort(key=lambda row: (-row[0], row[1]))
        candidates = []
        for score, index, near, near_doc, weight, found, term_score, shared in scored[:limit]:
            evidence = []  # in words, for `nakabot ask --explain`
            if near_doc:
                evidence.append(f"例・題名「{near_doc}」に{near:.0f}点の近さ")
            if found:
                evidence.append(f"ことば {'・'.join(found)}（重み{weight:.1f}→{term_score:.0f}点）")
            if shared:
                evidence.append(f"文字の重なり{shared:.0f}点")
            said_surface, said_reading = self._said[index]
            unexplained = tuple(word for word, said in asked_words.items()
                                if said.surface not in said_surface and said.reading not in said_reading)
            if unexplained:
                evidence.append(f"ふれていないことば {'・'.join(unexplained)}")
            candidates.append(Candidate(self.entries[index].id, score, tuple(evidence), unexplained,
                                        tuple(found)))
        return forms, candidates

    def match(self, text: str) -> Answer:
        t = self.thresholds
        # The answer looks at the first clarify_max + 1 candidates only: the evidence of
        # more would be worded for nothing.
        forms, ranked = self.rank(text, limit=t.clarify_max + 1)
        if not ranked or not self._confident(ranked):
            top = ranked[0].score if ranked else 0.0
            return Answer("fallback", None, tuple(ranked[: t.clarify_max]), top, text, forms,
                          self._suggested(ranked, forms))
        best = ranked[0]
        close = [c for c in ranked[: t.clarify_max] if c.score >= best.score - t.clarify_margin]
        if len(close) > 1:
            # Between a topic not handled and cards, the topic when it is what the question
            # names and none of the cards speaks of (国民健康保険税の納税通知書が届く: the tax, not
            # the insurance card): asking "which one?" there offers only wrong cards.
            cards = [c for c in close if not c.id.startswith(INTENT_PREFIX)]
            topic = next((c for c in close if c.id.startswith(INTENT_PREFIX + OUTSIDE_PREFIX)), None)
            # Two topics not handled and nothing else (就学児健診: school or health?): both
            # replies say the same, that this bot does not handle it; asking which one would
            # only make the resident choose between two refusals.
            if all(c.id.startswith(INTENT_PREFIX + OUTSIDE_PREFIX) for c in close):
                return self._not_handled(best, ranked, text, forms)
            if topic and cards and all(self._gives_way(card, topic, forms) for card in cards):
                return self._not_handled(topic, ranked, text, forms)
            # ... and the card, when the topic is close only by its likeness and the question
            # names the card's words (児童手当の申請をしたい is not 児童扶養手当の申請方法).
            if len(close) == 2 and topic and not topic.found and len(cards) == 1 and cards[0].found:
                return Answer.of(cards[0], text, forms)
            return Answer("clarify", None, tuple(close), best.score, text, forms)
        if best.unexplained and not best.id.startswith(INTENT_PREFIX):
            # The more specific card: one that speaks of every catalogue word asked about.
            best = next((c for c in ranked[1:t.clarify_max + 1]
                         if not c.unexplained and not c.id.startswith(INTENT_PREFIX)
                         and c.score >= best.score - t.specific_within), best)
        if not best.id.startswith(INTENT_PREFIX) and not self.names_a_thing(best):
            # A card found by nothing but what is done (紛失, 再発行) gives way to a topic not
            # handled that names the thing it is done to (予診票を紛失…): the thing decides.
            best = next((c for c in ranked[1:t.clarify_max + 1]
                         if c.id.startswith(INTENT_PREFIX + OUTSIDE_PREFIX)
                         and c.score >= best.score - t.specific_within
                         and self.names_a_thing(c)), best)
        if not best.id.startswith(INTENT_PREFIX):
            card = best
            best = next((c for c in ranked[1:t.clarify_max + 1]
                         if c.id.startswith(INTENT_PREFIX + OUTSIDE_PREFIX)
                         and self._gives_way(card, c, forms)), best)
        if best.id.startswith(INTENT_PREFIX + OUTSIDE_PREFIX):
            return self._not_handled(best, ranked, text, forms)
        if best.id.startswith(INTENT_PREFIX):
            return Answer.of(best, text, forms)
        runners_up = tuple(c.id for c in ranked[:t.clarify_max + 1]
                           if c is not best and not c.id.startswith(INTENT_PREFIX)
                           and c.score >= best.score - t.suggest_within)[:t.runners_up_max]
        return replace(Answer.of(best, text, forms), suggested=runners_up)

    def _not_handled(self, topic: Candidate, ranked: list[Candidate], text: str, forms: Forms) -> Answer:
        """The answer that `topic` (not handled) is asked about, offering the cards that came
        near it on words of their own as buttons (Thresholds.related): a topic not
        handled that is next to a procedure (在留カードの住所変更, パスポートに戸籍謄本) says
        so honestly, and the resident still reaches the card (転入届, 戸籍証明) in one tap."""
        t = self.thresholds
        related = tuple(c.id for c in ranked[:t.clarify_max + 1]
                        if not c.id.startswith(INTENT_PREFIX) and c.score >= t.related
                        and self._names_its_own(c, topic, forms))[:t.related_max]
        return replace(Answer.of(topic, text, forms), suggested=related)

    def _names_its_own(self, card: Candidate, topic: Candidate, forms: Forms) -> bool:
        """Whether the question writes a keyword of `card` that is not an act (紛失, 更新),
        not part of `topic`'s words (カードをなくした in 在留カードをなくした is the topic's) and
        not the tail of a longer word (支援金 in 後期高齢者支援金 is the insurance's)."""
        topic_spans = [span for word in topic.found for span in self._spans(word, forms)]
        surface = forms.surface

        def apart(span: tuple[int, int]) -> bool:
            return (not any(a < span[1] and span[0] < b for a, b in topic_spans)
                    and not (span[0] and KANJI.match(surface[span[0] - 1])))

        return any(word not in self._acts and any(map(apart, self._spans(word, forms)))
                   for word in card.found)

    def _spans(self, word: str, forms: Forms) -> list[tuple[int, int]]:
        """Where keyword `word` is written in the question (its surface form); none when it
        was found by its reading or with a typo (such a word is not the question's own)."""
        written = self._term_forms.get(word)
        if written is None or not written.surface:
            return []
        spans, at = [], forms.surface.find(written.surface)
        while at >= 0:
            spans.append((at, at + len(written.surface)))
            at = forms.surface.find(written.surface, at + 1)
        return spans

    def _gives_way(self, card: Candidate, topic: Candidate, forms: Forms) -> bool:
        """Whether `card`, scored under outside_below, gives way to `topic` (a topic not
        handled at most outside_within behind) that the question names as written and the
        card's texts never mention."""
        t = self.thresholds
        return (card.score < t.outside_below and topic.score >= card.score - t.outside_within
                and self._names_unsaid(topic, card, forms))

    def _names_unsaid(self, topic: Candidate, card: Candidate, forms: Forms) -> bool:
        """Whether the question writes one of `topic`'s keywords as it is written (not only
        its reading, not with a typo) that `card`'s texts never use."""
        said = self._said[self._position[card.id]]
        for word in topic.found:
            written = self._term_forms.get(word)
            if (written is not None and written.surface in forms.surface
                    and written.surface not in said[0] and written.reading not in said[1]):
                return True
        return False

    def category_named(self, forms: Forms) -> str | None:
        """The one category whose words a question contains as written (介護 in 母が転んで
        歩けない。介護の手続きは？; a kana word in kana), or None (none, or several)."""
        named = {category for word, category in self.category_words.items() if word in forms.surface}
        return named.pop() if len(named) == 1 else None

    def _suggested(self, ranked: list[Candidate], forms: Forms) -> tuple[str, ...]:
        """The procedures a fallback offers (Thresholds.suggest): none when the best candidate
        is a topic not handled or a greeting, or has too little evidence; where the question
        names one category, only that category's."""
        t = self.thresholds
        if not ranked or ranked[0].id.startswith(INTENT_PREFIX) or ranked[0].score < t.suggest:
            return ()
        least = max(t.suggest, ranked[0].score - t.suggest_within)
        named = self.category_named(forms)
        return tuple(c.id for c in ranked[:t.clarify_max]
                     if not c.id.startswith(INTENT_PREFIX) and c.score >= least
                     and named in (None, self._category_of.get(c.id)))[:t.suggest_max]

    def _asked_words(self, forms: Forms, terms: dict[int, tuple[float, list[str]]]) -> dict[str, Forms]:
        """The procedures' keywords found in the question word for word (not with a typo,
        not a reading of 4 sounds or fewer), without those inside a longer one: what the
        question is about. (Greetings and topics not handled are not procedures' words.)"""
        found: dict[str, Forms] = {}
        for index, (_, words) in terms.items():
            if self.entries[index].id.startswith(INTENT_PREFIX):
                continue
            for word in words:
                if word not in self._together_texts:  # words apart: no one thing asked about
                    found[word] = self._term_forms[word]
        exact = {word: f for word, f in found.items()
                 if (f.surface and f.surface in forms.surface)
                 or (len(f.reading) >= 4 and f.reading in forms.reading)}
        kept = [word for word, f in exact.items()
                if not any(other != word and f.surface in o.surface for other, o in exact.items())]
        return {word: exact[word] for word in sorted(kept, key=lambda w: (self._said_at(w, forms), w))}

    def _sharing(self, asked: set[str], least: int) -> int:
        """The entries using at least `least` of the bigrams `asked`, as the bits of an int.

        Bit i of at_least[j] says that entry i uses j or more of the bigrams looked at so far:
        a few operations on 100-bit ints per bigram, where counting every entry of every
        bigram (a Counter) met a thousand entries for a question of twenty characters."""
        users = self._pair_entries
        at_least = [(1 << len(self.entries)) - 1] + [0] * max(0, least)
        for gram in asked:
            entries = users.get(gram, 0)
            for j in range(least, 0, -1):
                at_least[j] |= at_least[j - 1] & entries
        return at_least[max(0, least)]

    def _confident(self, ranked: list[Candidate]) -> bool:
        """High enough; or, for a long story, lower but clearly ahead of every other entry."""
        t = self.thresholds
        best = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        return best >= t.answer or (best >= t.answer_if_ahead and best - second >= t.ahead_by)

    def _resemblance(self, forms: Forms, entries: list[int]) -> dict[int, tuple[float, str]]:
        """Closeness to the texts of `entries` (the few that share words or bigrams at all)."""
        t = self.thresholds
        surfaces: list[str] = []
        readings: list[str] = []
        texts: list[str] = []
        owners: list[int] = []
        # A ratio is at most 200 * shorter / (both lengths added), so a text of length c
        # cannot reach the cutoff against a question of length n when c * (200 - cutoff) <
        # cutoff * n (c < n / 4 for a cutoff of 40). A text that short against both forms
        # of the question is one extract would not keep; leaving it out keeps the other
        # texts in order, so the same texts are found in the same order, and a long story
        # is not compared with hundreds of texts it cannot resemble. Whole entries are left
        # out so; single texts only for a question over 64 characters, where each ratio
        # costs more than picking the texts out (rapidfuzz compares 64 characters at a time).
        cutoff = t.resemblance_cutoff
        asked = min(len(forms.surface), len(forms.reading))
        for index in entries:
            if self._longest[index] * (200 - cutoff) < cutoff * asked:
                continue
            surface, reading, text = self._choices[index]
            if asked > 64:
                kept = [i for i, n in enumerate(self._lengths[index]) if n * (200 - cutoff) >= cutoff * asked]
                surface, reading, text = ([s[i] for i in kept] for s in (surface, reading, text))
            surfaces += surface
            readings += reading
            texts += text
            owners += [index] * len(text)
        best: dict[int, tuple[float, str]] = {}
        top: dict[int, float] = {}  # best's scores alone, looked up for every text found
        short_text = t.short_text
        for query, choices in ((forms.surface, surfaces), (forms.reading, readings)):
            if not query:
                continue
            length = len(query)
            for choice, score, position in process.extract(query, choices, scorer=fuzz.ratio,
                                                           limit=t.resemblance_limit,
                                                           score_cutoff=cutoff):
                owner = owners[position]
                # The text below can only lower the score: one that does not beat the
                # owner's best as it is will not beat it lowered either.
                if score <= top.get(owner, 0.0):
                    continue
                # One differing character in a three-character word is another word:
                # the shorter the texts, the more each difference costs.
                shorter = min(length, len(choice))
                if shorter < short_text:
                    score = 100 - (100 - score) * short_text / shorter
                    if score <= top.get(owner, 0.0):
                        continue
                top[owner] = score
                best[owner] = (score, texts[position])
        return best

    def _terms(self, forms: Forms, text: str,
               parts: list[tuple[str, str]]) -> dict[int, tuple[float, list[str]]]:
        """Which entries' keywords the question `text` contains, with their weights. `parts`
        are its words (Normalizer.read), looked at only to check where a word starts."""
        found: dict[int, dict[str, tuple[str, float, bool]]] = {}
        t = self.thresholds
        words: _Words = []  # the question's words, made when needed
        verbatim = self._verbatim
        for on_reading, query, index in ((False, forms.surface, self._term_index[0]),
                                         (True, forms.reading, self._term_index[1])):
            for term_text, position in index.candidates(query):
                # A short reading made from kanji hides inside other words (悪化 アツカ in
                # あー疲れた アツカレタ): count it only if staff wrote the keyword in kana.
                if on_reading and len(term_text) < 4 and term_text != self.terms[position].forms.surface:
                    continue
                # Only terms found *inside* the question count, short ones verbatim (one typo
                # in 3 characters is another word), longer ones with a typo or two.
                if term_text in query:
                    score = 100.0
                    term = self.terms[position]
                    # A short kana keyword must start a word of the question: ストーカー (ストカ)
                    # is not in デイサービスとか (デイサビストカ).
                    if (len(term_text) <= 4 and term.forms.surface == term.forms.reading
                            and not _starts_a_word(term_text, parts, words)):
                        continue
                    # A kanji keyword met only through its reading must start where one of the
                    # question's words starts: 出生 シユツシヨウ is not in 転出証明書 テン|シユツ|シヨウメイ.
                    if (on_reading and term.forms.surface != term_text
                            and term.forms.surface not in forms.surface
                            and not _starts_a_word(term_text, parts, words, term.forms.surface)):
                        continue
                elif len(term_text) > len(query) or verbatim[len(term_text)]:
                    continue
                else:
                    aligned = fuzz.partial_ratio_alignment(term_text, query, score_cutoff=t.term_partial)
                    if aligned is None or not aligned.score:
                        continue
                    score = aligned.score
                    # A typo is made in kana: where the question wrote kanji the keyword does
                    # not use, a reading one sound away is another word (交付 コウフ / 更新 コウシン).
                    term = self.terms[position]
                    # Likewise in writing: a kanji of the keyword replaced by another kanji is
                    # another word (犬が亡くなった is not 夫が亡くなった), while one left out may be
                    # a shorter way to say it (死後の手続き, 死亡後の手続き).
                    if not on_reading and _kanji_replaced(term_text, query, aligned.dest_start,
                                                          aligned.dest_end):
                        continue
                    if (on_reading and term.forms.surface != term_text
                            and not _written_alike(query[aligned.dest_start:aligned.dest_end], text,
                                                   parts, words, term.forms.surface, forms.surface)):
                        continue
                term = self.terms[position]
                weight = self._term_weight[position] * score / 100
                owner = found.setdefault(term.owner, {})
                # One word found once, however written: 現況届 and げんきょうとどけ share a reading.
                word = term.forms.reading or term.text
                shown, before, exact = owner.get(word, (term.text, 0.0, False))
                owner[word] = (shown, max(before, weight), exact or score == 100.0)
        # Keywords of words apart (住民票…移): each word in the question, anywhere.
        for position, term in enumerate(self._together):
            if all((p.surface and p.surface in forms.surface)
                   or (len(p.reading) >= 3 and p.reading in forms.reading) for p in term.parts):
                word = "…".join(p.reading or p.surface for p in term.parts)
                found.setdefault(term.owner, {})[word] = (term.text, self._together_weight[position], True)
        # Words the question wrote exactly, whichever entry they belong to: another entry's
        # keyword only resembling one of them is not in the question (国民健康保険 ≠ …保険税).
        written = {word for matched in found.values() for word, (_, _, exact) in matched.items() if exact}
        result: dict[int, tuple[float, list[str]]] = {}
        for entry, matched in found.items():
            # In the order the question says them: the words are met in the order of a set,
            # which differs from one process to the next (and so would a sum of their weights).
            kept = sorted(_without_overlaps(matched, t.term_partial, written).values(),
                          key=lambda v: (self._said_at(v[0], forms), v[0]))
            result[entry] = (sum(weight for _, weight, _ in kept), [text for text, _, _ in kept])
        return result

    def _said_at(self, word: str, forms: Forms) -> int:
        """Where keyword `word` is in the question: its surface, else its reading, else last."""
        written = self._term_forms[word]
        at = forms.surface.find(written.surface) if written.surface else -1
        if at < 0 and written.reading:
            at = forms.reading.find(written.reading)
            at = at + len(forms.surface) if at >= 0 else at
        return at if at >= 0 else len(forms.surface) + len(forms.reading)


class _GramIndex:
    """Which terms could occur in a question: those sharing nearly all their bigrams with it.

    A cheap filter before the exact check, so a question is compared with a handful of
    terms rather than all of them (one typo costs a term at most two bigrams). A term
    `verbatim` says counts only where the question contains it as written (Matcher._terms:
    too short for a typo to be told from another word) needs every one of its bigrams.
    """

    def __init__(self, terms: list[str], verbatim: Callable[[int], bool] = lambda length: False) -> None:
        self.terms = terms
        self._grams = [tuple(_pair_set(term)) for term in terms]  # tuples: a fifth of a set's memory
        self._needed = [len(grams) if verbatim(len(term)) else max(1, len(grams) - 2)
                        for term, grams in zip(terms, self._grams, strict=True)]
        self._lengths = [len(term) for term in terms]
        # A term may lack k = (its bigrams - needed) of them, so any k + 1 of them include one
        # the question has: each term is filed under its k + 1 rarest bigrams only (three for a
        # term met with a typo, all of them when it has three or fewer; one for a term met
        # verbatim), and a question meets a few dozen terms, not the hundreds that share a
        # common bigram (シヨ, ヨウ) with it.
        frequency = Counter(chain.from_iterable(self._grams))
        self._postings: dict[str, list[int]] = {}
        for position, grams in enumerate(self._grams):
            filed = len(grams) - self._needed[position] + 1
            for gram in sorted(grams, key=lambda g: (frequency[g], g))[:filed]:
                self._postings.setdefault(gram, []).append(position)

    def candidates(self, query: str) -> list[tuple[str, int]]:
        """The terms sharing enough bigrams with `query`, none longer than it (a longer term
        cannot occur in it, even with a typo). They come in the order a count over all the
        question's bigrams meets them: by the first of its bigrams (in the order of its set)
        each term has, then by position; the order keywords are found in stays as it was."""
        if not query:
            return []
        asked, longest = _pair_set(query), len(query)
        postings, grams, needed, lengths = self._postings, self._grams, self._needed, self._lengths
        first_met: dict[int, int] = {}
        for rank, gram in enumerate(asked):
            for position in postings.get(gram, ()):
                first_met.setdefault(position, rank)
        ranks: dict[str, int] | None = None
        found = []
        for position, rank in first_met.items():
            if lengths[position] > longest:
                continue
            if needed[position] > 1:  # not filed under all its bigrams: count them all
                common = asked.intersection(grams[position])
                if len(common) < needed[position]:
                    continue
                ranks = ranks or {gram: rank for rank, gram in enumerate(asked)}
                rank = min(map(ranks.__getitem__, common))
            found.append((rank, position))
        found.sort()
        return [(self.terms[p], p) for _, p in found]


def _said_forms(entry: _Entry) -> list[Forms]:
    """What an entry says, text by text; a keyword of words apart (住民票…移) is its words, not
    the text they make when joined."""
    return [forms for doc in entry.docs for forms in (doc.parts or (doc.forms,))]


def _kanji_replaced(keyword: str, query: str, start: int, end: int) -> bool:
    """Whether the question, where it nearly holds `keyword` (query[start:end]), has another
    kanji in place of one of the keyword's: next to the text the alignment kept, as far out
    as the kanji it left out."""
    missing = set(KANJI.findall(keyword)) - set(query[start:end])
    if not missing:
        return False
    around = query[max(0, start - len(missing)):end + len(missing)]
    return any(kanji not in keyword for kanji in KANJI.findall(around))


def _starts_a_word(reading: str, parts: list[tuple[str, str]], words: _Words,
                   written: str = "") -> bool:
    """Whether `reading` occurs in the question's reading (its words: `parts`) at the start
    of one of its words, and where the question wrote kanji there, only kanji of the
    keyword as `written`.

    改姓 カイセイ is not in 制度改正 (正 is another word read the same), while 引越し meets
    引っ越し and はんこ meets 印鑑. When the reading is not there at all (a synonym replaced
    the resident's word), the match is not questioned. `words` caches the question's
    reading, its word starts and the positions of each kanji of the question's words.
    """
    joined, starts, kanji = _question_words(parts, words)
    found = []  # every place the reading starts (str.find, not a test at each position)
    at = joined.find(reading)
    while at >= 0:
        found.append(at)
        at = joined.find(reading, at + 1)
    if not found:
        return True
    allowed = set(written)
    return any(i in starts and all(set(kanji[k]) <= allowed for k in range(i, i + len(reading)) if k in kanji)
               for i in found)


def _question_words(parts: list[tuple[str, str]], words: _Words) -> tuple[str, set[int], dict[int, str]]:
    """The question's reading, where its words start, and the kanji written at each reading
    position; made once per question and kept in `words`."""
    if not words:
        starts: set[int] = set()
        kanji: dict[int, str] = {}
        joined, at = "", 0
        for surface, part in fold_parts(parts):
            starts.add(at)
            written_kanji = "".join(KANJI.findall(surface))
            if written_kanji:
                for i in range(at, at + len(part)):
                    kanji[i] = written_kanji
            joined += part
            at += len(part)
        words.append((joined, starts, kanji))
    return words[0]


def _written_alike(segment: str, text: str, parts: list[tuple[str, str]], words: _Words,
                   written: str, surface: str) -> bool:
    """Whether the question's reading `segment` was written in kana, or in kanji of `written`.

    Where a synonym replaced the resident's word (他界した → 亡くなった), the segment is not in
    the reading of the words the resident wrote: then the question's `surface` (synonyms
    applied) is looked at where it nearly holds `written`, and must have no other kanji there
    (夫が他界した is not ペットが亡くなった)."""
    if not segment or not KANJI.search(text):  # all kana: no kanji to check
        return True
    joined, _, kanji = _question_words(parts, words)
    allowed = set(written)
    at = joined.find(segment)
    if at < 0:
        aligned = fuzz.partial_ratio_alignment(written, surface)
        return aligned is None or set(KANJI.findall(surface[aligned.dest_start:aligned.dest_end])) <= allowed
    while at >= 0:
        if all(set(kanji[k]) <= allowed for k in range(at, at + len(segment)) if k in kanji):
            return True
        at = joined.find(segment, at + 1)
    return False


def _may_align(length: int, t: Thresholds) -> bool:
    """Whether a keyword of `length` characters that does not occur in the question as
    written can still reach t.term_partial in rapidfuzz's partial_ratio.

    partial_ratio compares the keyword with windows of the question at most as long as
    the keyword (shorter ones at its two ends): ratio = 200 * common / (both lengths).
    A window as long as the keyword differs from it in one character at least: at most
    100 * (length - 1) / length; a shorter window of w characters: at most 200 * w /
    (length + w), highest for w = length - 1. So at best 200 * (length - 1) / (2 * length
    - 1): 85.7 for 4 characters, 88.9 for 5, below 90; 90.9 for 6. Asking rapidfuzz about
    the four- and five-character keywords (most of those met) could only say no.
    """
    return 200 * (length - 1) >= t.term_partial * (2 * length - 1)


def _pair_set(text: str) -> set[str]:
    return set(pairs(text))


def _without_overlaps(words: dict[str, tuple[str, float, bool]], partial: float,
                      written: set[str]) -> dict[str, tuple[str, float, bool]]:
    """Count 住民票 once when 住民票の写し also matched: keep a term not inside a longer one.

    A term met only approximately that resembles a word the question contains exactly
    (this entry's or another's) is that word seen twice (実印の証明 → 印鑑ノ証明 ≈ 印鑑証明 in
    印鑑証明ヲ; 国民健康保険ハ ≈ 国民健康保険税): the exact one counts alone.
    """
    seen = {w: v for w, v in words.items()
            if v[2] or not any(o != w and fuzz.ratio(o, w, score_cutoff=partial) for o in written)}
    return {w: v for w, v in seen.items() if not any(w != o and w in o for o in seen)}
