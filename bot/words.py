"""Evidence by words, for English questions (bot/english.py).

The Japanese matcher compares characters, which suits a language written without spaces.
English shares letters between unrelated words ("hanko" and "thanks" share h-a-n-k), so an
English question is compared word by word instead: each word lower-cased, stop words
dropped, and stemmed (Snowball: moved, moving and move are one word); a word the catalogue
never uses that is one typo away from a word it does is read as that word (certficate).

Three kinds of evidence, 0-100 each, as in matcher.py, every word weighted by how rare it
is among the entries (idf: "registration" is said by many, "inkan" by one):
- keywords: the entry's keywords whose every word the question contains;
- resemblance: how much of one of the entry's texts and of the question are the same words;
- shared wording: how much of the question the entry speaks of anywhere in its texts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import snowballstemmer
from rapidfuzz import fuzz, process

_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STEMMER = snowballstemmer.stemmer("english")
TYPO_MIN = 5  # shorter words are not corrected: one letter off is another word (card / care)
TYPO_SCORE = 85.0  # rapidfuzz ratio at which an unknown word is read as a known one
# Weight of keyword words (idf summed) at which keyword evidence reaches ~63 points: one word
# said by a single entry (log 101 = 4.6) gets ~68, one said by ten entries (2.3) ~44.
KEYWORD_SATURATION = 4.0


def stem(word: str) -> str:
    # Not cached: a cache would keep residents' words (names too) in the process's memory.
    # snowballstemmer runs PyStemmer's compiled Snowball when it is installed (pyproject.toml).
    return str(_STEMMER.stemWord(word))


def spelled(text: str, stop_words: frozenset[str]) -> list[str]:
    """`text`'s words that are not stop words, lower case, as written."""
    # A typographic apostrophe (don’t, as phones and web pages write it) is an apostrophe.
    return [w for w in _WORDS.findall(text.lower().replace("\u2019", "'")) if w not in stop_words]


def words_of(text: str, stop_words: frozenset[str]) -> list[str]:
    """The stems of `text`'s words that are not stop words, in order."""
    return [stem(w) for w in spelled(text, stop_words)]


@dataclass(frozen=True)
class Found:
    """What one entry has in common with a question, as points (0-100) and in words."""

    keyword_points: float
    resemblance: float
    shared: float
    keywords: dict[str, frozenset[str]]  # the entry's keywords the question contains: their words
    closest: str  # the entry's text the question resembles most


class WordIndex:
    """The entries' texts as words. `entries`: (role, text as written) per entry, roles as in
    matcher.py (keyword, example, title, label)."""

    def __init__(self, entries: list[list[tuple[str, str]]], stop_words: frozenset[str]) -> None:
        self.stop_words = stop_words
        # Every word the catalogue writes, as written, and its stem, stemmed once: a typo is
        # one letter off a spelling, not off a stem (certficate is nearer certificate than certif).
        spellings = [[spelled(text, stop_words) for _, text in texts] for texts in entries]
        self._spellings = {w: stem(w) for texts in spellings for words in texts for w in set(words)}
        self.texts = [[(role, text, frozenset(map(self._spellings.__getitem__, words)))
                       for (role, text), words in zip(texts, spelled_texts, strict=True)]
                      for texts, spelled_texts in zip(entries, spellings, strict=True)]
        self.vocabulary = [frozenset().union(*(w for _, _, w in texts)) for texts in self.texts]
        self.words_in = {text: words for texts in self.texts for _, text, words in texts}  # stemmed once
        holders: dict[str, int] = {}
        for words in self.vocabulary:
            for word in words:
                holders[word] = holders.get(word, 0) + 1
        total = len(entries)
        self.idf = {word: math.log(1 + total / n) for word, n in holders.items()}
        # A word no entry uses weighs as much as the rarest: it is what the question is about.
        self._rarest = max(self.idf.values(), default=1.0)
        self._text_weights = [[self.weight(words) for _, _, words in texts] for texts in self.texts]
        self._known = sorted(self._spellings)
        self._users: dict[str, list[int]] = {}
        for index, words in enumerate(self.vocabulary):
            for word in words:
                self._users.setdefault(word, []).append(index)

    def read(self, text: str) -> frozenset[str]:
        """The question's words, a word one typo from a catalogue word read as that word."""
        read = set()
        # The first 2,000 characters, as normalize.py reads a Japanese question: a correction
        # costs a comparison with every spelling, and a 5,000-character message of unknown
        # words would cost a resident's wait.
        for spelling in spelled(text[:2000], self.stop_words):
            word = self._spellings.get(spelling) or stem(spelling)
            if word not in self.idf and len(spelling) >= TYPO_MIN:
                near = process.extractOne(spelling, self._known, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
                if near is not None:
                    word = self._spellings[near[0]]
            read.add(word)
        return frozenset(read)

    def weight(self, words: frozenset[str]) -> float:
        return sum(self.idf.get(w, self._rarest) for w in words)

    def found(self, asked: frozenset[str]) -> dict[int, Found]:
        """Every entry sharing at least one word with the question `asked` (WordIndex.read)."""
        entries = {index for word in asked for index in self._users.get(word, ())}
        asked_weight = self.weight(asked)
        result = {}
        for index in entries:
            covered: set[str] = set()
            keywords = {}
            best, closest = 0.0, ""
            for (role, text, words), weight in zip(self.texts[index], self._text_weights[index], strict=True):
                common = words & asked
                if not common:
                    continue
                if role != "example" and words <= asked:
                    covered |= words
                    keywords[text] = words
                dice = 2 * self.weight(common) / (asked_weight + weight)
                if dice > best:
                    best, closest = dice, text
            keyword_points = 100 * (1 - math.exp(-self.weight(frozenset(covered)) / KEYWORD_SATURATION))
            shared = self.weight(asked & self.vocabulary[index]) / asked_weight if asked_weight else 0.0
            result[index] = Found(keyword_points, 100 * best, 100 * shared, keywords, closest)
        return result
