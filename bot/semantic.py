"""Closeness in meaning, for the English questions today's matcher is unsure of.

WordLlama (PyPI `wordllama`, MIT) ships 256-dimension token vectors and its tokenizer
inside the wheel: a text's vector is the mean of its tokens' vectors, and closeness in
meaning is the cosine of two such vectors ("register my new baby" is close to "birth
registration" though they share no word). Nothing is downloaded: the model is read from
the installed wheel once per process (`model()`).

It is used only where the letters leave the English matcher unsure (`settle`), as
measured side by side in docs/matching.md "Ways to add meaning, second round".
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.matcher import INTENT_PREFIX, OUTSIDE_PREFIX, Answer, Candidate


@dataclass(frozen=True)
class Model:
    """WordLlama's l2_supercat model: the Llama-2 tokenizer and one 256-float row per token."""

    tokenizer: Any
    # float16 as shipped, mapped from the wheel's file rather than read: its pages are shared
    # by every worker and only the rows of tokens met are in memory (WordLlama keeps a
    # float32 copy, twice the file, in each process).
    table: Any


@lru_cache(maxsize=1)
def model() -> Model:
    """The model's two files inside the installed wordllama wheel, opened once per process.

    WordLlama.load() reads the same files (given cache_dir=the package folder and
    disable_download; alone, it looks for the tokenizer in tokenizer/, the wheel has
    tokenizers/, and then downloads it). Opening them here skips importing wordllama
    (pydantic, requests) and its float32 copy of the table: tests/test_semantic.py checks
    that the vectors are WordLlama's own."""
    from tokenizers import Tokenizer

    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise ImportError("wordllama is not installed (pyproject.toml dependencies)")
    folder = Path(spec.origin).parent
    tokenizer = Tokenizer.from_file(str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return Model(tokenizer, _mapped(folder / "weights" / "l2_supercat_256.safetensors", "embedding.weight"))


def _mapped(path: Path, name: str) -> Any:
    """One float16 tensor of a safetensors file, memory-mapped (the format: an 8-byte
    little-endian header length, a JSON header giving each tensor's dtype, shape and byte
    offsets after the header, then the data)."""
    with path.open("rb") as file:
        length = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(length))
    tensor = header[name]
    if tensor["dtype"] != "F16":
        raise ValueError(f"{path.name}: {name} is {tensor['dtype']}, expected F16")
    start, _ = tensor["data_offsets"]
    shape = tuple(tensor["shape"])
    return np.memmap(path, dtype=np.float16, mode="r", offset=8 + length + start, shape=shape)


def vectors(texts: list[str]) -> Any:
    """Each text's vector: the mean of its tokens' vectors, as WordLlama's embed makes it."""
    wordllama = model()
    table = wordllama.table
    rows = []
    for encoding in wordllama.tokenizer.encode_batch(texts, add_special_tokens=False):
        ids = [min(i, len(table) - 1) for i in encoding.ids]  # embed clips ids to the table too
        rows.append(table[ids].mean(axis=0, dtype=np.float32) if ids
                    else np.zeros(table.shape[1], dtype=np.float32))
    return np.stack(rows) if rows else np.zeros((0, table.shape[1]), dtype=np.float32)


class Meaning:
    """The vectors of each entry's texts; `closeness` compares a question with all of them."""

    def __init__(self, entries: list[tuple[str, list[str]]]) -> None:
        kept = [(entry_id, [t for t in texts if t.strip()]) for entry_id, texts in entries]
        kept = [(entry_id, texts) for entry_id, texts in kept if texts]
        self.ids = [entry_id for entry_id, _ in kept]
        # Each entry's texts are rows next to each other: starts[i] is entry i's first row.
        self.starts = np.cumsum([0] + [len(texts) for _, texts in kept[:-1]])
        self.vectors = _unit(vectors([text for _, texts in kept for text in texts]))

    def closeness(self, text: str) -> dict[str, float]:
        """Entry id -> the highest cosine between `text` and one of the entry's texts."""
        asked = vectors([text])[0]
        if not self.ids or not asked.any():
            return {}
        similarity = self.vectors @ (asked / np.linalg.norm(asked))
        best = np.maximum.reduceat(similarity, self.starts)
        return dict(zip(self.ids, best.tolist(), strict=True))


@dataclass(frozen=True)
class WhenUnsure:
    """When closeness in meaning may change the matcher's answer (a rule is off when None).

    Chosen on the English development sets (docs/matching.md, second round)."""

    floor: float = 0.7  # no answer is made on a cosine below this
    # It would ask which one: the offered entry closest in meaning, this far ahead of the next.
    clarify_lead: float | None = 0.15
    # It would fall back: one of its first `fallback_among` candidates, when that one is the
    # closest in meaning, this far ahead of the next.
    fallback_lead: float | None = 0.15
    # A card scored below veto_below is not shown when another entry is this much closer in
    # meaning: the not-handled reply if that entry is a topic not handled, else the fallback.
    veto_lead: float | None = 0.1
    veto_below: float = 85.0
    fallback_among: int = 1


WHEN_UNSURE = WhenUnsure()


def settle(answer: Answer, closeness: Callable[[], dict[str, float]], rules: WhenUnsure) -> Answer:
    """`answer`, or where the matcher was unsure, the answer closeness in meaning points to.

    `closeness` is called only then (entry id -> cosine with the question)."""
    low_card = answer.kind == "procedure" and answer.score < rules.veto_below
    rule = {"clarify": rules.clarify_lead, "fallback": rules.fallback_lead}.get(
        answer.kind, rules.veto_lead if low_card else None)
    if rule is None or not answer.candidates:
        return answer
    close = closeness()
    if not close:
        return answer

    def near(entry_id: str) -> float:
        return close.get(entry_id, -1.0)

    order = sorted(close, key=lambda entry_id: -close[entry_id])
    best = order[0]
    if answer.kind == "clarify":
        offered = sorted(answer.candidates, key=lambda c: -near(c.id))
        if near(offered[0].id) - near(offered[1].id) >= rule and near(offered[0].id) >= rules.floor:
            return Answer.of(offered[0], answer.text, answer.forms)
        return answer
    if answer.kind == "fallback":
        lead = close[best] - (close[order[1]] if len(order) > 1 else -1.0)
        top = next((c for c in answer.candidates[:rules.fallback_among] if c.id == best), None)
        if top is not None and lead >= rule and close[best] >= rules.floor:
            return Answer.of(top, answer.text, answer.forms)
        return answer
    if best != answer.id and close[best] - near(answer.id or "") >= rule:
        if best.startswith(INTENT_PREFIX + OUTSIDE_PREFIX):
            return Answer.of(Candidate(best, answer.score, ("closer in meaning",)), answer.text,
                             answer.forms)
        return Answer("fallback", None, answer.candidates, answer.score, answer.text, answer.forms)
    return answer


def _unit(rows: Any) -> Any:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
