"""Benchmark: today's matcher beside ways to add semantic evidence, per question set.

Run on demand (never in tests):
    .venv/bin/python bench/matching_methods.py            # every set in tests/data
    .venv/bin/python bench/matching_methods.py --markdown # the table for docs/matching_methods.md

Only totals are printed (top-1, first three, off-topic rejected / wrong card, match time),
and only for the development sets named in ENGLISH_SETS and JAPANESE_SETS: the blind sets
are run once, by the coordinator, at the end of a round; this script never reads them.
`--methods today,wl-if-unsure-strict` compares a few methods only; `--final SET ...`
is the run at the end of a round, on the sets named (blind ones too; totals only).

Methods (issue 16 item 2), all from packages installed from PyPI, nothing downloaded
while running:
- today: bot/matcher.py as it is.
- sudachi-normalized: the surface form made of SudachiDict-core's normalised forms
  (引越し -> 引っ越し, 申込み -> 申し込み) for the catalogue and the questions alike.
- ginza-vectors: word vectors shipped inside the ja-ginza wheel (20,000 rows of 300
  floats, chiVe-derived; read straight from the wheel's vocab files, spaCy not needed).
  Each content word of the question that the catalogue does not use is joined by the
  catalogue word nearest in meaning (cosine >= SIMILAR), then matched as usual.
- ginza-vectors-if-unsure: the same expansion, only when today's matcher would fall
  back or ask which one (so a clear answer is never changed).
Second round (2026-12-03): WordLlama (PyPI `wordllama`, MIT), token vectors of 256 floats
and the tokenizer inside the wheel (bot/semantic.py reads them, no download):
- wl-evidence(-strict): the cosine between the question and an entry's closest text, as
  points (0 at 0.5, 100 at 0.9; strict: 0.6 to 1.0), raising the entry's score like the
  matcher's support evidence; never lowering it.
- wl-if-unsure(-strict), wl-veto, wl-if-unsure-no-veto, wl-evidence+veto: today's answer,
  changed only where today's matcher is unsure (MeaningIfUnsure below).
- wl-ja-if-unsure, wl-ja-evidence: the same for Japanese questions (Llama-2 tokenizer).
Seventh round (2026-12-03): English compared word by word (bot/words.py), the bot's since:
- today: the words (English) and bot/matcher.py (Japanese), as the bot is;
- english-letters: English compared by letters, as the bot did before (EnglishLetters below);
- words+wl-if-unsure-strict: the words, and the meaning where they are unsure (as the
  letters were settled before, "wl-if-unsure-strict"; the wl-* methods stay on the letters).
Sixth round (2026-12-03): the SudachiDict synonym dictionary. On PyPI it is only inside
chikkarpy (0.1.1, 2022), which does not build on this Python (its setup needs pkg_resources),
so the groups that matter are read from the dictionary's own source file (a subset of it,
bench/data/sudachi-synonyms/, Apache-2.0):
- sudachi-synonyms: each content word of the question that the catalogue does not use, when a
  synonym group holds it and a word the catalogue uses (死去 -> 死亡), is joined by that word;
- sudachi-synonyms-if-unsure: the same, only when today's matcher would fall back or ask.

Tenth round (2026-12-04): a classifier trained on the catalogue's own texts (Classifier, ClassifierBonus):
- classifier-0.1, classifier-0.2: its probability for each entry, as 10 or 20 points at most,
  added to today's scores before today's decisions (needs scikit-learn, not a bot dependency).
Eleventh round (2026-12-04): the same classifier only where today's matcher is unsure, by the
rule the English matcher uses for meaning (bot/semantic.py settle; MeaningIfUnsure): a fallback
answers its best candidate, a clarify the offered entry the classifier prefers, when the
classifier's probability is at least 0.3 or 0.5 and 0.1 ahead of the next.

ja-ginza needs `pip install --no-deps ja-ginza numpy msgpack` (its own dependencies would
pull spaCy and an older SudachiPy); the method is skipped when it is not installed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import content
from bot.catalogue import Catalogue
from bot.english import English, content_of, english_catalogue
from bot.evaluation import evaluate
from bot.matcher import THRESHOLDS, Answer, Candidate, Matcher
from bot.normalize import Forms, Normalizer, _tokenizer
from bot.semantic import Meaning, WhenUnsure, settle

ROOT = Path(__file__).resolve().parents[1]
SIMILAR = 0.6  # cosine at which a catalogue word is taken as meaning the question's word
CONTENT_POS = {"名詞", "動詞", "形容詞"}


# --- word vectors from the ja-ginza wheel, without spaCy ----------------------------------
def murmur64a(data: bytes, seed: int = 1) -> int:
    """spaCy's string hash (MurmurHash64A, seed 1): the keys of the wheel's key2row."""
    m, r, mask = 0xC6A4A7935BD1E995, 47, (1 << 64) - 1
    h = (seed ^ (len(data) * m)) & mask
    end = len(data) // 8 * 8
    for i in range(0, end, 8):
        k = (int.from_bytes(data[i:i + 8], "little") * m) & mask
        k = ((k ^ (k >> r)) * m) & mask
        h = ((h ^ k) * m) & mask
    if len(data) > end:
        h = ((h ^ int.from_bytes(data[end:], "little")) * m) & mask
    h = ((h ^ (h >> r)) * m) & mask
    return h ^ (h >> r)


class GinzaVectors:
    def __init__(self) -> None:
        import importlib.util

        import msgpack
        import numpy

        spec = importlib.util.find_spec("ja_ginza")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("ja-ginza is not installed")
        vocab = next(Path(spec.submodule_search_locations[0]).glob("ja_ginza-*/vocab"))
        self.np = numpy
        self.table = numpy.load(vocab / "vectors")
        self.table = self.table / (numpy.linalg.norm(self.table, axis=1, keepdims=True) + 1e-9)
        self.rows = msgpack.unpackb((vocab / "key2row").read_bytes(), strict_map_key=False)

    def row(self, word: str) -> int | None:
        return self.rows.get(murmur64a(word.encode()))


def content_words(text: str) -> list[str]:
    words = []
    for m in _tokenizer().tokenize(text[:2000]):
        if m.part_of_speech()[0] in CONTENT_POS and len(m.surface()) >= 2:
            words.append(m.normalized_form())
    return words


class Expander:
    """Question -> question plus the catalogue words nearest in meaning to its own words."""

    def __init__(self, catalogue: Catalogue, vectors: GinzaVectors) -> None:
        self.vectors = vectors
        texts = [t for p in catalogue.procedures for t in (p.title, p.label, *p.keywords)]
        texts += [t for i in catalogue.intents for t in i.keywords]
        vocabulary = {w for t in texts for w in content_words(t)}
        self.known = vocabulary
        kept = [(w, r) for w in sorted(vocabulary) if (r := vectors.row(w)) is not None]
        self.words = [w for w, _ in kept]
        self.matrix = vectors.table[[r for _, r in kept]] if kept else None

    def __call__(self, text: str) -> str:
        if self.matrix is None:
            return text
        added = []
        for word in content_words(text):
            if word in self.known or (row := self.vectors.row(word)) is None:
                continue
            similarity = self.matrix @ self.vectors.table[row]
            best = int(similarity.argmax())
            if similarity[best] >= SIMILAR and self.words[best] not in added:
                added.append(self.words[best])
        return text + ("。" + "、".join(added) if added else "")


class Expanded:
    """A matcher answering the expanded question (always, or only when unsure)."""

    def __init__(self, matcher: Matcher, expand: Callable[[str], str], only_if_unsure: bool) -> None:
        self.inner, self.expand, self.only_if_unsure = matcher, expand, only_if_unsure
        self.thresholds = matcher.thresholds

    def match(self, text: str) -> Answer:
        if self.only_if_unsure:
            answer = self.inner.match(text)
            if answer.kind not in ("fallback", "clarify"):
                return answer
        answer = self.inner.match(self.expand(text))
        return replace(answer, text=text)  # the question as asked, all else as matched

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        return self.inner.rank(text if self.only_if_unsure else self.expand(text), limit)


# --- SudachiDict synonyms, sixth round -------------------------------------------------------
SYNONYMS = ROOT / "bench" / "data" / "sudachi-synonyms" / "synonyms-subset.txt"


def all_forms(text: str) -> list[tuple[str, ...]]:
    """Each content word of the text as (surface, normalised form, dictionary form)."""
    return [(m.surface(), m.normalized_form(), m.dictionary_form())
            for m in _tokenizer().tokenize(text[:2000])
            if m.part_of_speech()[0] in CONTENT_POS and len(m.surface()) >= 2]


class SynonymExpander:
    """Question -> question plus the catalogue words that SudachiDict gives as its words' synonyms."""

    def __init__(self, catalogue: Catalogue, path: Path = SYNONYMS) -> None:
        texts = [t for p in catalogue.procedures for t in (p.title, p.label, *p.keywords, *p.examples)]
        texts += [t for i in catalogue.intents for t in (*i.keywords, *i.examples)]
        self.known = {form for text in texts for forms in all_forms(text) for form in forms}
        self.groups: dict[str, list[str]] = {}
        self.triggers: dict[str, set[str]] = {}
        with path.open(encoding="utf-8", newline="") as lines:
            for row in csv.reader(lines):
                if len(row) < 9 or row[2] == "2":  # a blank line between groups; 2: never used
                    continue
                self.groups.setdefault(row[0], []).append(row[8])
                if row[2] == "0":  # 1: may be given, never gives
                    self.triggers.setdefault(row[8], set()).add(row[0])

    def __call__(self, text: str) -> str:
        added: list[str] = []
        for forms in all_forms(text):
            if any(form in self.known for form in forms):
                continue
            groups = sorted(set().union(*(self.triggers.get(form, set()) for form in forms)))
            for group in groups:
                word = next((w for w in self.groups[group] if w in self.known), None)
                if word and word not in added and word not in text:
                    added.append(word)
        return text + ("。" + "、".join(added) if added else "")


# --- WordLlama sentence vectors (bot/semantic.py), second round --------------------------
def _scaled(cosine: float, low: float, high: float) -> float:
    """A cosine as points, 0 at `low` and 100 at `high`, like the matcher's other evidence."""
    return 100 * min(1.0, max(0.0, (cosine - low) / (high - low)))


class MeaningEvidence:
    """Closeness in meaning as one more kind of evidence: it raises an entry's score the way
    the matcher's support does (strongest evidence in full, the other in part), never lowers it."""

    def __init__(self, matcher: Matcher, meaning: Meaning, query: Callable[[str], str],
                 low: float, high: float, weight: float) -> None:
        self.inner, self.meaning, self.query = matcher, meaning, query
        self.low, self.high, self.weight = low, high, weight
        self.thresholds = matcher.thresholds
        self.normalize = matcher.normalize

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        forms, ranked = self.inner.rank(text, limit=30)
        closeness = self.meaning.closeness(self.query(text))
        found = {c.id: c for c in ranked}
        scored = []
        for entry_id in set(found) | set(closeness):
            old = found[entry_id].score if entry_id in found else 0.0
            meant = _scaled(closeness.get(entry_id, -1.0), self.low, self.high)
            score = old
            if meant > old:  # the stronger in full, the weaker in part (Thresholds.support)
                score = (meant + self.weight * old) / (1 + self.weight)
                score = max(old, score)
            if score > 0:
                kept = found.get(entry_id)
                scored.append(Candidate(entry_id, round(score, 1), kept.evidence if kept else (),
                                        kept.unexplained if kept else ()))
        scored.sort(key=lambda c: (-c.score, c.id))
        return forms, scored[:limit]

    def match(self, text: str) -> Answer:
        return Matcher.match(self, text)  # type: ignore[arg-type]  # the same decision on new scores

    def _confident(self, ranked: list[Candidate]) -> bool:
        return Matcher._confident(self, ranked)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        # The rest of Matcher.match's rules (names_a_thing, _gives_way, _suggested ...) read
        # the catalogue's own indexes: the wrapped matcher's.
        return getattr(self.inner, name)


class MeaningIfUnsure:
    """Today's answer, changed only where today's matcher is unsure, by the bot's own rule
    (bot/semantic.py settle; WhenUnsure says when)."""

    def __init__(self, matcher: Any, meaning: Meaning | Classifier, query: Callable[[str], str],
                 rules: WhenUnsure) -> None:
        self.inner, self.meaning, self.query, self.rules = matcher, meaning, query, rules
        self.thresholds = matcher.thresholds
        self.normalize = matcher.normalize

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        return self.inner.rank(text, limit)

    def match(self, text: str) -> Answer:
        return settle(self.inner.match(text), lambda: self.meaning.closeness(self.query(text)), self.rules)


class Classifier:
    """Tenth round: a classifier trained on the catalogue's own texts (titles, labels, keywords,
    examples; no question of any set). Character 1-3-grams (TF-IDF, sublinear) of both forms
    (surface and reading), multinomial logistic regression (C=10). Needs scikit-learn
    (`.venv/bin/pip install scikit-learn`), which the bot does not depend on."""

    def __init__(self, matcher: Matcher) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.normalize = matcher.normalize
        texts = [(f"{d.forms.surface} {d.forms.reading}", e.id) for e in matcher.entries for d in e.docs]
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        features = self.vectorizer.fit_transform([text for text, _ in texts])
        self.model = LogisticRegression(C=10, max_iter=2000).fit(features, [entry for _, entry in texts])

    def probabilities(self, forms: Forms) -> dict[str, float]:
        row = self.model.predict_proba(self.vectorizer.transform([f"{forms.surface} {forms.reading}"]))[0]
        return dict(zip(self.model.classes_, row, strict=True))

    def closeness(self, text: str) -> dict[str, float]:
        """The probabilities as the closeness bot/semantic.py settle reads (classifier-if-unsure)."""
        return self.probabilities(self.normalize(text))


class ClassifierBonus(MeaningEvidence):
    """The classifier's probability for each entry added to the matcher's score as points
    (weight x 100 x p), then the matcher's decisions on the new scores."""

    def __init__(self, matcher: Matcher, classifier: Classifier, weight: float) -> None:
        self.inner, self.classifier, self.weight = matcher, classifier, weight
        self.thresholds, self.normalize = matcher.thresholds, matcher.normalize

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        forms, ranked = self.inner.rank(text, limit=max(limit, 10))
        if ranked and self.weight:
            p = self.classifier.probabilities(forms)
            ranked = [replace(c, score=round(min(100.0, c.score + self.weight * 100 * p.get(c.id, 0.0)), 1))
                      for c in ranked]
            ranked.sort(key=lambda c: (-c.score, c.id))
        return forms, ranked[:limit]


class EnglishLetters(Matcher):
    """English compared by letters, the Japanese way, as the bot did before the seventh round:
    the question's words that are not stop words, run together (content_of)."""

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        return super().rank(content_of(text), limit)


# English shares more letters between unrelated texts than Japanese does: its higher bar then.
LETTER_THRESHOLDS = replace(THRESHOLDS, answer=75.0, answer_if_ahead=60.0, ahead_by=15.0, suggest=65.0)


def _entries(matcher: Matcher) -> list[tuple[str, list[str]]]:
    return [(entry.id, [doc.text for doc in entry.docs]) for entry in matcher.entries]


# --- the run ---------------------------------------------------------------------------------
def methods(catalogue: Catalogue, only: set[str] | None = None) -> dict[str, tuple[Any, Any]]:
    """Method name -> (matcher for Japanese questions, matcher for English ones)."""
    today = Matcher(catalogue)
    words = English(catalogue).matcher  # English questions as the bot answers them now
    # English compared by letters only (before the seventh round; the wl-* methods settle these)
    english = EnglishLetters(english_catalogue(catalogue), LETTER_THRESHOLDS)
    found: dict[str, tuple[Any, Any]] = {"today": (today, words), "english-letters": (today, english)}
    if not only or "sudachi-normalized" in only:
        found["sudachi-normalized"] = (Matcher(catalogue, normalizer=Normalizer(catalogue.synonyms, True)),
                                       english)
    try:
        en_meaning = Meaning(_entries(english))
    except ImportError as error:
        print(f"(wordllama skipped: {error})", file=sys.stderr)
        return found
    for name, (low, high, weight) in WL_EVIDENCE.items():
        found[name] = (today, MeaningEvidence(english, en_meaning, content_of, low, high, weight))
    for name, rules in WL_IF_UNSURE.items():
        found[name] = (today, MeaningIfUnsure(english, en_meaning, content_of, rules))
    evidence = MeaningEvidence(english, en_meaning, content_of, *WL_EVIDENCE["wl-evidence"])
    veto = WhenUnsure(0.6, None, None, 0.1)
    found["wl-evidence+veto"] = (today, MeaningIfUnsure(evidence, en_meaning, content_of, veto))
    both = MeaningIfUnsure(evidence, en_meaning, content_of, WL_IF_UNSURE["wl-if-unsure-strict"])
    found["wl-evidence+if-unsure-strict"] = (today, both)
    words_meaning = Meaning(_entries(words))
    found["words+wl-if-unsure-strict"] = (today, MeaningIfUnsure(words, words_meaning, content_of,
                                                                 WL_IF_UNSURE["wl-if-unsure-strict"]))
    ja_meaning = Meaning(_entries(today))
    ja_unsure = MeaningIfUnsure(today, ja_meaning, str, WL_IF_UNSURE["wl-if-unsure"])
    found["wl-ja-if-unsure"] = (ja_unsure, english)
    found["wl-ja-evidence"] = (MeaningEvidence(today, ja_meaning, str, 0.5, 0.9, 0.4), english)
    synonyms = SynonymExpander(catalogue)
    found["sudachi-synonyms"] = (Expanded(today, synonyms, only_if_unsure=False), english)
    found["sudachi-synonyms-if-unsure"] = (Expanded(today, synonyms, only_if_unsure=True), english)
    if not only or "ginza-vectors" in only:
        try:
            expander = Expander(catalogue, GinzaVectors())
        except ImportError as error:
            print(f"(ginza-vectors skipped: {error})", file=sys.stderr)
        else:
            found["ginza-vectors"] = (Expanded(today, expander, only_if_unsure=False), english)
            found["ginza-vectors-if-unsure"] = (Expanded(today, expander, only_if_unsure=True), english)
    if not only or any(name.startswith("classifier") for name in only):
        try:
            classifier = Classifier(today)  # trained once, for every weight
        except ImportError as error:
            print(f"(classifier skipped: {error})", file=sys.stderr)
        else:
            for weight in (0.1, 0.2, 0.3):
                found[f"classifier-{weight}"] = (ClassifierBonus(today, classifier, weight), english)
            # The bot's rule for English meaning (bot/semantic.py settle), the classifier's
            # probabilities as closeness: p >= 0.3 or 0.5, 0.1 ahead, no veto of a card.
            for least in (0.3, 0.5):
                name = "classifier-if-unsure" + ("" if least == 0.3 else f"-{least}")
                rules = WhenUnsure(least, 0.1, 0.1, None)
                found[name] = (MeaningIfUnsure(today, classifier, str, rules), english)
    if only:
        found = {k: v for k, v in found.items() if k in only}
    return found


# English: cosine scaled to points from low to high; weight: the share of the weaker evidence.
WL_EVIDENCE = {"wl-evidence": (0.5, 0.9, 0.4), "wl-evidence-strict": (0.6, 1.0, 0.4)}
# bot/semantic.py WhenUnsure(floor, clarify_lead, fallback_lead, veto_lead): the least cosine for
# an answer, then how much closer in meaning an entry must be to settle a clarify, to answer
# instead of the fallback, to veto a card scored below 85 (None: never). "strict" is the bot's.
WL_IF_UNSURE = {"wl-if-unsure": WhenUnsure(0.6, 0.1, 0.1, 0.1),
                "wl-if-unsure-strict": WhenUnsure(0.7, 0.15, 0.15, 0.1),
                "wl-if-unsure-strict-among-3": WhenUnsure(0.7, 0.15, 0.15, 0.1, fallback_among=3),
                "wl-if-unsure-among-3": WhenUnsure(0.6, 0.1, 0.1, 0.1, fallback_among=3),
                "wl-veto": WhenUnsure(0.6, None, None, 0.1),
                "wl-if-unsure-no-veto": WhenUnsure(0.6, 0.1, 0.1, None)}


# Development sets only, named one by one: the blind sets (*-blind.jsonl) are run once, by
# the coordinator, at the end of a round, and this script must never read them.
ENGLISH_SETS = ("english-dev", "real-en-2026-12-02-dev", "real-en-2026-12-03-dev",
                "real-en-2026-12-03c-dev", "real-en-2026-12-03d-dev", "real-en-2026-12-03e-dev",
                "real-en-2026-12-03f-dev", "real-en-2026-12-03g-dev")
JAPANESE_SETS = ("understanding-dev", "dev", "residents", "real-2026-12-02-dev", "real-2026-12-03a-dev",
                 "real-2026-12-03b-dev", "real-2026-12-03c-dev", "real-2026-12-03d-dev",
                 "real-2026-12-03e-dev", "real-2026-12-03f-dev")


def question_sets(names: tuple[str, ...], blind: bool = False) -> dict[str, list[dict[str, Any]]]:
    sets = {}
    for name in names:
        path = ROOT / "tests" / "data" / f"{name}.jsonl"
        assert blind or "blind" not in path.name, "blind sets only with --final"
        if path.exists():
            sets[name] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                          if line.strip()]
    return sets


def times_ms(matcher: Any, questions: list[str], rounds: int = 3) -> tuple[float, float]:
    """p50 and p99 of one match, CPU time of this thread (steady on a shared machine)."""
    if not questions:
        return float("nan"), float("nan")
    for question in questions[:50]:  # warm caches (Sudachi, regex) before timing
        matcher.match(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.thread_time()
            matcher.match(question)
            times.append((time.thread_time() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--methods", help="comma-separated method names (default: all)")
    parser.add_argument("--final", nargs="+", metavar="SET",
                        help="the coordinator's run at the end of a round: these sets (blind ones "
                             "too, totals only) instead of the development sets")
    args = parser.parse_args()
    catalogue = content.load(ROOT)
    english_sets = tuple(n for n in args.final if n.startswith(("real-en-", "english"))) if args.final \
        else ENGLISH_SETS
    japanese_sets = tuple(n for n in args.final if n not in english_sets) if args.final else JAPANESE_SETS
    sets = question_sets(english_sets + japanese_sets, blind=bool(args.final))
    sets["English, pooled"] = [c for name in english_sets for c in sets.get(name, [])]
    sets["Japanese, pooled"] = [c for name in japanese_sets for c in sets.get(name, [])]
    english_questions = [c["text"] for c in sets["English, pooled"]]
    japanese_questions = [c["text"] for c in sets.get("residents") or sets["Japanese, pooled"]][:300]
    rows, summary = [], []
    only = set(args.methods.split(",")) if args.methods else None
    for name, (japanese, english) in methods(catalogue, only).items():
        pooled = {}
        for set_name, cases in sets.items():
            report = evaluate(japanese, catalogue, cases, english)  # totals only are kept below
            row = (name, set_name, report["in_scope"], report["top1"], report["top3"],
                   report["off_topic"], report["rejected"], report["wrong_card"])
            rows.append(row)
            pooled[set_name] = row
        en_times = times_ms(english, english_questions)
        ja_times = times_ms(japanese, japanese_questions)
        en, ja = pooled["English, pooled"], pooled["Japanese, pooled"]
        wrong = round(en[7] * en[5]), round(ja[7] * ja[5])
        summary.append((name, en[3], en[4], en[6], wrong[0], ja[3], ja[4], ja[6], wrong[1],
                        "{:.2f} / {:.2f}".format(*en_times), "{:.2f} / {:.2f}".format(*ja_times)))
    if args.markdown:
        print("| method | English top-1 | first three | off-topic rejected | wrong cards "
              "| Japanese top-1 | first three | off-topic rejected | wrong cards "
              "| match p50 / p99 ms, English | Japanese |")
        print("|---" * 11 + "|")
        for line in summary:
            print("| " + " | ".join(str(x) for x in line) + " |")
        print()
        print("| method | set | in scope | top-1 | first three | off-topic | rejected | wrong card |")
        print("|---|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(str(x) for x in row) + " |")
    else:
        for line in summary:
            print("{:<26} EN top1={} top3={} rejected={} wrong={}  JA top1={} top3={} rejected={} wrong={}"
                  "  ms EN {} JA {}".format(*line))
        for row in rows:
            line = "{:<26} {:<26} in={:<4} top1={:<6} top3={:<6} off={:<4} rejected={:<6} wrong={}"
            print(line.format(*row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
