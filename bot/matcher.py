"""match(text) -> Answer: which procedure or intent a resident's question is about.

Every entry (a procedure, or an intent written "intent:NAME") is indexed through its
title, label, keywords and example questions, in both normalised forms (surface and
reading, see normalize.py). Two kinds of evidence are scored, 0-100 each:

- resemblance: how close the whole question is to one of the entry's texts
  (rapidfuzz ratio, so a question worded like an example scores high);
- terms: which of the entry's keywords the question contains, each weighted by how
  specific it is to this entry (児童手当 is shared by ten procedures, 寄附 by two).

An entry's score is the stronger of the two, raised a little by the other. The best
score decides: a fallback below THRESHOLDS.answer, a clarify when others are close.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from bot.catalogue import Catalogue
from bot.normalize import Forms, Normalizer
from bot.overlap import Overlap

Kind = Literal["procedure", "intent", "clarify", "fallback"]
INTENT_PREFIX = "intent:"


@dataclass(frozen=True)
class Thresholds:
    """Every number that decides an answer, in one place."""

    answer: float = 60.0  # below this best score: fallback
    answer_if_ahead: float = 40.0  # ... or at least this, when ahead of the second by ahead_by
    ahead_by: float = 20.0
    clarify_margin: float = 4.0  # others within this of the best: ask which one
    clarify_max: int = 4  # at most this many candidates offered
    min_chars: int = 2  # folded questions shorter than this are noise
    term_min_chars: int = 2  # shorter keywords are too ambiguous to count
    term_partial: float = 90.0  # a keyword "appears" when partial similarity reaches this
    term_saturation: float = 5.0  # weight at which term evidence reaches ~63 points
    support: float = 0.4  # share of the weaker evidence added to the stronger
    short_text: int = 6  # texts shorter than this pay more for each differing character
    resemblance_floor: float = 20.0  # ratio at or below this counts as no resemblance at all
    overlap_full: float = 0.4  # bigram cosine that counts as full (100-point) overlap
    # Not for matching: an answer whose best score is below this is kept for staff review
    # (bot/feedback.py) as well as every clarify and fallback.
    review: float = 70.0


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Candidate:
    id: str  # procedure id, or "intent:NAME"
    score: float
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    kind: Kind
    id: str | None
    candidates: tuple[Candidate, ...]
    score: float
    text: str
    forms: Forms | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of `nakabot ask --json` (GUIDE.md section 2)."""
        return {
            "text": self.text,
            "kind": self.kind,
            "id": self.id,
            "candidates": [c.id for c in self.candidates] if self.kind == "clarify" else [],
            "score": round(self.score, 1),
        }


@dataclass
class _Doc:
    owner: int
    role: str  # title | label | keyword | example
    text: str  # as written, for explanations
    forms: Forms


@dataclass
class _Entry:
    id: str
    docs: list[_Doc] = field(default_factory=list)


class Matcher:
    """An index of one catalogue. Build once; `match` is then cheap and thread-safe."""

    def __init__(self, catalogue: Catalogue, thresholds: Thresholds = THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.normalize = Normalizer(catalogue.synonyms)
        self.entries: list[_Entry] = []
        for procedure in catalogue.procedures:
            self._add(procedure.id, [("title", procedure.title), ("label", procedure.label)]
                      + [("keyword", k) for k in procedure.keywords]
                      + [("example", e) for e in procedure.examples])
        for intent in catalogue.intents:
            self._add(INTENT_PREFIX + intent.id, [("keyword", k) for k in intent.keywords]
                      + [("example", e) for e in intent.examples])
        self.docs = [doc for entry in self.entries for doc in entry.docs]
        self._surfaces = [d.forms.surface for d in self.docs]
        self._readings = [d.forms.reading for d in self.docs]
        self.terms = [d for d in self.docs if d.role != "example"
                      and len(d.forms.surface) >= thresholds.term_min_chars]
        self._term_surfaces = [d.forms.surface for d in self.terms]
        self._term_readings = [d.forms.reading for d in self.terms]
        self._term_weight = self._specificity()
        self.overlap = Overlap([[d.forms for d in entry.docs] for entry in self.entries])

    def _add(self, entry_id: str, texts: list[tuple[str, str]]) -> None:
        entry = _Entry(entry_id)
        index = len(self.entries)
        seen: set[str] = set()
        for role, text in texts:
            forms = self.normalize(text)
            if forms.surface and forms.surface not in seen:
                seen.add(forms.surface)
                entry.docs.append(_Doc(index, role, text, forms))
        self.entries.append(entry)

    def _specificity(self) -> list[float]:
        """Weight of each term: longer and rarer (in fewer entries) weighs more."""
        total = len(self.entries)
        texts = [("\n".join(d.forms.surface for d in e.docs), "\n".join(d.forms.reading for d in e.docs))
                 for e in self.entries]
        owners: dict[tuple[str, str], int] = {}
        weights = []
        for term in self.terms:
            key = (term.forms.surface, term.forms.reading)
            if key not in owners:
                owners[key] = sum(1 for surface, reading in texts if key[0] in surface or key[1] in reading)
            idf = math.log(1 + total / max(1, owners[key]))
            weights.append(idf * min(len(term.forms.reading), 8) / 4)
        return weights

    # --- matching ---------------------------------------------------------------------
    def rank(self, text: str) -> tuple[Forms, list[Candidate]]:
        """All entries with any evidence, best first."""
        forms = self.normalize(text)
        t = self.thresholds
        if len(forms.surface) < t.min_chars and len(forms.reading) < t.min_chars:
            return forms, []
        resemblance = self._resemblance(forms)
        terms = self._terms(forms)
        overlap = self.overlap.cosine(forms)
        candidates = []
        for index, entry in enumerate(self.entries):
            near, near_doc = resemblance.get(index, (0.0, ""))
            near = max(0.0, 100 * (near - t.resemblance_floor) / (100 - t.resemblance_floor))
            weight, found = terms.get(index, (0.0, []))
            term_score = 100 * (1 - math.exp(-weight / t.term_saturation))
            shared = 100 * min(1.0, overlap.get(index, 0.0) / t.overlap_full)
            ordered = sorted((near, term_score, shared), reverse=True)
            score = ordered[0] + t.support * (ordered[1] + ordered[2]) / 2
            if score <= 0:
                continue
            evidence = []
            if near_doc:
                evidence.append(f"例・題名「{near_doc}」に{near:.0f}点の近さ")
            if found:
                evidence.append(f"ことば {'・'.join(found)}（重み{weight:.1f}→{term_score:.0f}点）")
            if shared:
                evidence.append(f"文字の重なり{shared:.0f}点")
            candidates.append(Candidate(entry.id, round(score, 1), tuple(evidence)))
        candidates.sort(key=lambda c: c.score, reverse=True)
        return forms, candidates

    def match(self, text: str) -> Answer:
        forms, ranked = self.rank(text)
        t = self.thresholds
        if not ranked or not self._confident(ranked):
            best = ranked[0].score if ranked else 0.0
            return Answer("fallback", None, tuple(ranked[: t.clarify_max]), best, text, forms)
        best = ranked[0]
        close = [c for c in ranked[: t.clarify_max] if c.score >= best.score - t.clarify_margin]
        if len(close) > 1:
            return Answer("clarify", None, tuple(close), best.score, text, forms)
        kind: Kind = "intent" if best.id.startswith(INTENT_PREFIX) else "procedure"
        entry_id = best.id.removeprefix(INTENT_PREFIX)
        return Answer(kind, entry_id, (best,), best.score, text, forms)

    def _confident(self, ranked: list[Candidate]) -> bool:
        """High enough; or, for a long story, lower but clearly ahead of every other entry."""
        t = self.thresholds
        best = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        return best >= t.answer or (best >= t.answer_if_ahead and best - second >= t.ahead_by)

    def _resemblance(self, forms: Forms) -> dict[int, tuple[float, str]]:
        best: dict[int, tuple[float, str]] = {}
        for query, choices in ((forms.surface, self._surfaces), (forms.reading, self._readings)):
            if not query:
                continue
            for choice, score, index in process.extract(query, choices, scorer=fuzz.ratio,
                                                        limit=None, score_cutoff=40):
                # One differing character in a three-character word is another word:
                # the shorter the texts, the more each difference costs.
                shorter = min(len(query), len(choice))
                score = 100 - (100 - score) * max(1.0, self.thresholds.short_text / shorter)
                doc = self.docs[index]
                if score > best.get(doc.owner, (0.0, ""))[0]:
                    best[doc.owner] = (score, doc.text)
        return best

    def _terms(self, forms: Forms) -> dict[int, tuple[float, list[str]]]:
        found: dict[int, dict[str, tuple[str, float]]] = {}
        t = self.thresholds
        for query, choices in ((forms.surface, self._term_surfaces), (forms.reading, self._term_readings)):
            if not query:
                continue
            hits = process.extract(query, choices, scorer=fuzz.partial_ratio,
                                   limit=None, score_cutoff=t.term_partial)
            for term_text, score, index in hits:
                # partial_ratio is symmetric: keep only terms found *inside* the question,
                # and demand short terms verbatim (one typo in 3 characters is another word).
                if len(term_text) > len(query) or (score < 100 and len(term_text) < 4):
                    continue
                term = self.terms[index]
                weight = self._term_weight[index] * score / 100
                owner = found.setdefault(term.owner, {})
                # One word found once, however written: 現況届 and げんきょうとどけ share a reading.
                word = term.forms.reading or term.text
                shown, before = owner.get(word, (term.text, 0.0))
                owner[word] = (shown, max(before, weight))
        result = {}
        for owner, words in found.items():
            kept = _without_overlaps(words)
            result[owner] = (sum(weight for _, weight in kept.values()), [text for text, _ in kept.values()])
        return result


def _without_overlaps(words: dict[str, tuple[str, float]]) -> dict[str, tuple[str, float]]:
    """Count 住民票 once when 住民票の写し also matched: keep a term not inside a longer one."""
    return {w: v for w, v in words.items() if not any(w != o and w in o for o in words)}
