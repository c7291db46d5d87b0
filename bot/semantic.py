"""Closeness in meaning, for the English questions today's matcher is unsure of.

WordLlama (PyPI `wordllama`, MIT) ships 256-dimension token vectors and its tokenizer
inside the wheel: a text's vector is the mean of its tokens' vectors, and closeness in
meaning is the cosine of two such vectors ("register my new baby" is close to "birth
registration" though they share no word). Nothing is downloaded: the model is read from
the installed package once per process (`model()`).

It is used only where the letters leave the English matcher unsure (`settle`), as
measured side by side in docs/matching.md "Ways to add meaning, second round".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.matcher import INTENT_PREFIX, OUTSIDE_PREFIX, Answer, Candidate, Kind


@lru_cache(maxsize=1)
def model() -> Any:
    """The WordLlama model inside the installed wheel, loaded once per process."""
    import wordllama
    from wordllama import WordLlama

    # WordLlama.load() alone looks for the tokenizer in a folder the wheel does not have
    # (tokenizer/; the wheel has tokenizers/) and then tries to download it. Pointing
    # cache_dir at the package finds both files in the wheel; disable_download makes a
    # missing file an error, never a request.
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def vectors(texts: list[str]) -> Any:
    """Each text's vector: the mean of its tokens' vectors (WordLlama's embed, unpadded)."""
    wordllama = model()
    table = wordllama.embedding
    rows = []
    for encoding in wordllama.tokenizer.encode_batch(texts, add_special_tokens=False):
        ids = [i for i, kept in zip(encoding.ids, encoding.attention_mask, strict=True) if kept]
        rows.append(table[ids].mean(axis=0) if ids else np.zeros(table.shape[1], dtype=np.float32))
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
            return _answered(answer, offered[0])
        return answer
    if answer.kind == "fallback":
        lead = close[best] - (close[order[1]] if len(order) > 1 else -1.0)
        top = next((c for c in answer.candidates[:rules.fallback_among] if c.id == best), None)
        if top is not None and lead >= rule and close[best] >= rules.floor:
            return _answered(answer, top)
        return answer
    if best != answer.id and close[best] - near(answer.id or "") >= rule:
        if best.startswith(INTENT_PREFIX + OUTSIDE_PREFIX):
            return _answered(answer, Candidate(best, answer.score, ("closer in meaning",)))
        return Answer("fallback", None, answer.candidates, answer.score, answer.text, answer.forms)
    return answer


def _answered(answer: Answer, candidate: Candidate) -> Answer:
    kind: Kind = "intent" if candidate.id.startswith(INTENT_PREFIX) else "procedure"
    return Answer(kind, candidate.id.removeprefix(INTENT_PREFIX), (candidate,), candidate.score,
                  answer.text, answer.forms)


def _unit(rows: Any) -> Any:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
