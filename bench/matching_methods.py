"""Benchmark: today's matcher beside ways to add semantic evidence, per question set.

Run on demand (never in tests):
    .venv/bin/python bench/matching_methods.py            # every set in tests/data
    .venv/bin/python bench/matching_methods.py --markdown # the table for docs/matching_methods.md

Only totals are printed (top-1, first three, off-topic rejected / wrong card, match p99):
the blind sets' misses must not be read while tuning, so this script never shows them.

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
The SudachiDict synonym dictionary is on PyPI only inside chikkarpy (0.1.1, 2022),
which does not build on this Python (its setup needs pkg_resources): not compared.

ja-ginza needs `pip install --no-deps ja-ginza numpy msgpack` (its own dependencies would
pull spaCy and an older SudachiPy); the method is skipped when it is not installed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import content
from bot.catalogue import Catalogue
from bot.english import English
from bot.evaluation import evaluate
from bot.matcher import Answer, Candidate, Matcher
from bot.normalize import Forms, Normalizer, _tokenizer

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
        return Answer(answer.kind, answer.id, answer.candidates, answer.score, text, answer.forms)

    def rank(self, text: str, limit: int = 10) -> tuple[Forms, list[Candidate]]:
        return self.inner.rank(text if self.only_if_unsure else self.expand(text), limit)


# --- the run ---------------------------------------------------------------------------------
def methods(catalogue: Catalogue) -> dict[str, Any]:
    today = Matcher(catalogue)
    found: dict[str, Any] = {
        "today": today,
        "sudachi-normalized": Matcher(catalogue, normalizer=Normalizer(catalogue.synonyms, True)),
    }
    try:
        expander = Expander(catalogue, GinzaVectors())
    except ImportError as error:
        print(f"(ginza-vectors skipped: {error})", file=sys.stderr)
        return found
    found["ginza-vectors"] = Expanded(today, expander, only_if_unsure=False)
    found["ginza-vectors-if-unsure"] = Expanded(today, expander, only_if_unsure=True)
    return found


def question_sets() -> dict[str, list[dict[str, Any]]]:
    sets = {}
    paths = sorted((ROOT / "tests" / "data").glob("*.jsonl"))
    shared_dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"  # until tests/data/dev.jsonl is there
    if shared_dev.exists() and not (ROOT / "tests" / "data" / "dev.jsonl").exists():
        paths.insert(0, shared_dev)
    for path in paths:
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if cases and "turns" not in cases[0]:
            sets[path.stem] = cases
    return sets


def p99_ms(matcher: Any, questions: list[str], rounds: int = 3) -> float:
    for question in questions[:50]:  # warm caches (Sudachi, regex) before timing
        matcher.match(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.thread_time()  # CPU time of this thread: steady on a shared machine
            matcher.match(question)
            times.append((time.thread_time() - started) * 1000)
    times.sort()
    return times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    catalogue = content.load(ROOT)
    english = English(catalogue).matcher  # English questions, as nakabot eval routes them
    sets = question_sets()
    rows = []
    for name, matcher in methods(catalogue).items():
        for set_name, cases in sets.items():
            report = evaluate(matcher, catalogue, cases, english)  # totals only are kept below
            rows.append((name, set_name, report["in_scope"], report["top1"], report["top3"],
                         report["off_topic"], report["rejected"], report["wrong_card"]))
        speed_questions = [c["text"] for c in sets.get("residents", [])][:300]
        rows.append((name, "(match p99 ms)", 0, 0.0, 0.0, 0, 0.0, round(p99_ms(matcher, speed_questions), 2)))
    if args.markdown:
        print("| method | set | in scope | top-1 | first three | off-topic | rejected | wrong card |")
        print("|---|---|---|---|---|---|---|---|")
        for row in rows:
            if row[1] == "(match p99 ms)":
                print(f"| {row[0]} | match p99, CPU (residents) | | | | | | {row[7]} ms |")
            else:
                print("| " + " | ".join(str(x) for x in row) + " |")
    else:
        for row in rows:
            line = "{:<24} {:<28} in={:<4} top1={:<6} top3={:<6} off={:<4} rejected={:<6} wrong={}"
            print(line.format(*row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
