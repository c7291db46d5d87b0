"""How much of a question's wording an entry shares: character-bigram TF-IDF cosine.

Whole-text resemblance (rapidfuzz ratio) is blind to a long, rambling question whose
useful words are scattered among its own story; keywords only see what staff listed.
Bigrams of both forms (surface 住民, reading ジュ) over everything an entry says
(title, label, keywords, examples) let every word of every example count, weighted by
how rare it is among entries, so 転んで歩けない meets the entry whose examples talk
about falls even if no keyword says so.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from operator import add

from bot.normalize import Forms


def pairs(text: str) -> list[str]:
    """The character bigrams of a text (a one-character text is its own "bigram")."""
    return list(map(add, text, text[1:])) if len(text) > 1 else [text] if text else []


def tagged(forms: Forms) -> list[str]:
    """Surface and reading bigrams, kept apart (a kanji pair and a kana pair are different evidence)."""
    return [*map(add, repeat("s"), pairs(forms.surface)), *map(add, repeat("r"), pairs(forms.reading))]


class Overlap:
    """An inverted index of entries' bigram vectors; `cosine(forms)` -> {entry index: 0..1}."""

    def __init__(self, entries: Sequence[Iterable[Forms]]) -> None:
        counts = [Counter(chain.from_iterable(map(tagged, texts))) for texts in entries]
        frequency = Counter(chain.from_iterable(counts))  # in how many entries each gram is
        size = self._size = len(counts)
        self._idf = {gram: math.log((1 + size) / (1 + n)) + 1 for gram, n in frequency.items()}
        self._rarest = max(self._idf.values(), default=1.0)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, total in enumerate(counts):
            weights = {g: (1 + math.log(n)) * self._idf[g] for g, n in total.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for gram, weight in weights.items():
                postings[gram].append((index, weight / norm))
        self._postings = dict(postings)  # a plain dict: looking up an unknown gram adds nothing

    def cosine(self, forms: Forms) -> dict[int, float]:
        # Grams no entry uses still lengthen the question: a story about something else
        # should not look like a close match because of one shared word. Their weight is
        # that of the rarest known gram.
        query = {g: self._idf.get(g, self._rarest) for g in dict.fromkeys(tagged(forms))}
        norm = math.sqrt(sum(w * w for w in query.values())) or 1.0
        scores = [0.0] * self._size
        postings = self._postings
        for gram, weight in query.items():
            if gram in postings:
                share = weight / norm
                for index, entry_weight in postings[gram]:
                    scores[index] += share * entry_weight
        return {index: score for index, score in enumerate(scores) if score}
