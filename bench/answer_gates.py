"""Two learned gates that would withhold a card (eleventh round; neither is used by the bot).

    .venv/bin/pip install scikit-learn        # for this script only
    .venv/bin/python bench/answer_gates.py

A gate turns a Japanese card into the fallback that offers it as 「もしかして」: a wrong card
becomes an honest "not sure", a right one is still a tap away but no longer the answer.
Worth it when it removes wrong cards at least twice as fast as it loses right ones (a wrong
card is worse than a miss). Both are measured on development halves only:

- *the answer's own evidence*: score, each kind of evidence, the runner-up's score, the best
  topic not handled, keywords found, words unexplained, the question's length and how much of
  it the card's texts cover; logistic regression, ten-fold cross-validation over every card
  answered on the real development halves and the team's sets;
- *the question's scope*: a model of whether a question is one the catalogue handles at all,
  from its text alone (character 1-3-grams of the folded question), trained on the in-scope /
  off-topic labels of the real development halves, each half scored by a model that never saw
  its collection (group cross-validation). Applied to the answers each half got on arrival
  (bench/on_arrival.py: the matcher had not seen them) and to today's answers, and, trained on
  every half, to the team's sets of residents' own wording; to every card, then only to cards
  scored under 60.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import on_arrival  # noqa: E402

from bot import content  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.english import is_english  # noqa: E402
from bot.matcher import INTENT_PREFIX, OUTSIDE_PREFIX, Matcher, _pair_set  # noqa: E402

DATA = ROOT / "tests" / "data"
TEAM_SETS = ("dev", "residents", "understanding-dev")


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def japanese_halves() -> list[Path]:
    return [p for p in sorted(DATA.glob("real-*-dev.jsonl")) if not p.name.startswith("real-en-")]


def evidence_row(matcher: Matcher, text: str) -> list[float] | None:
    """The answer's own evidence, when the answer is a card."""
    answer = matcher.match(text)
    if answer.kind != "procedure":
        return None
    forms, ranked = matcher.rank(text, limit=5)
    best = next(c for c in ranked if c.id == answer.id)
    said_as = " ".join(best.evidence)  # the words of `nakabot ask --explain`
    points = [float(found[1]) if (found := re.search(pattern, said_as)) else 0.0
              for pattern in (r"に(\d+)点の近さ", r"→(\d+)点", r"文字の重なり(\d+)点")]
    second = max((c.score for c in ranked if c.id != answer.id), default=0.0)
    topic = max((c.score for c in ranked if c.id.startswith(INTENT_PREFIX + OUTSIDE_PREFIX)), default=0.0)
    pairs = _pair_set(forms.surface)
    said = matcher._said[matcher._position[answer.id]][0]
    covered = sum(pair in said for pair in pairs) / max(1, len(pairs))
    return [answer.score, *points, second, answer.score - second, topic, len(best.found),
            float(matcher.names_a_thing(best)), len(best.unexplained), math.log1p(len(forms.surface)),
            covered]


def gate_table(name: str, chance: list[float], right: list[bool], wrong: list[bool],
               bars: tuple[float, ...]) -> None:
    print(f"  {name}: cards right {sum(right)}, wrong {sum(wrong)}")
    for bar in bars:
        held = [p < bar for p in chance]
        lost = sum(h and r for h, r in zip(held, right, strict=True))
        removed = sum(h and w for h, w in zip(held, wrong, strict=True))
        print(f"    withheld under {bar}: right lost {lost}, wrong cards removed {removed},"
              f" 2 x removed - lost {2 * removed - lost}")


def answer_evidence_gate(conversation: Conversation) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    matcher = conversation.matcher
    rows, right, wrong = [], [], []
    for path in [*japanese_halves(), *(DATA / f"{name}.jsonl" for name in TEAM_SETS)]:
        for case in read(path):
            row = None if is_english(case["text"]) else evidence_row(matcher, case["text"])
            answer_id = matcher.match(case["text"]).id if row else None
            if row and (not case["expect"] or answer_id in case["expect"]):
                rows.append(row)
                right.append(bool(case["expect"]))
                wrong.append(not case["expect"])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, class_weight="balanced"))
    chance = cross_val_predict(model, rows, right, cv=10, method="predict_proba")[:, 1]
    print("The answer's own evidence (ten-fold cross-validation, today's answers):")
    gate_table("development halves and team sets", list(chance), right, wrong, (0.1, 0.2, 0.3, 0.5))


def scope_gate(conversation: Conversation) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    matcher = conversation.matcher
    halves = japanese_halves()
    cases = [(path.name, case) for path in halves for case in read(path) if not is_english(case["text"])]
    texts = [matcher.normalize(case["text"]).surface for _, case in cases]
    in_scope = [bool(case["expect"]) for _, case in cases]
    groups = [name for name, _ in cases]

    def model(c: float) -> Any:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        return vectorizer, LogisticRegression(C=c, max_iter=5000)

    # On arrival: each half as the commit that added it answered it.
    arrived: dict[tuple[str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        for path in halves:
            commit = on_arrival.added_by(path)
            tree = Path(temporary) / commit
            if not tree.exists():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
                               capture_output=True, check=True)
            half = read(path)
            for case, answer in zip(half, on_arrival.answers(tree, half) or [], strict=False):
                arrived[path.name, case["text"]] = answer
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=True)
    today = [matcher.match(case["text"]) for _, case in cases]
    for c in (1.0, 3.0, 10.0):
        chance = [0.0] * len(cases)
        for train, test in GroupKFold(n_splits=len(set(groups))).split(texts, in_scope, groups):
            vectorizer, regression = model(c)
            regression.fit(vectorizer.fit_transform([texts[i] for i in train]), [in_scope[i] for i in train])
            scored = regression.predict_proba(vectorizer.transform([texts[i] for i in test]))[:, 1]
            for i, p in zip(test, scored, strict=True):
                chance[i] = float(p)
        print(f"The question's scope, C = {c} (group cross-validation by collection):")
        seen = [i for i, (name, case) in enumerate(cases) if (name, case["text"]) in arrived]
        answers = [arrived[cases[i][0], cases[i][1]["text"]] for i in seen]
        pairs = list(zip(today, (case for _, case in cases), strict=True))
        vectorizer, regression = model(c)
        regression.fit(vectorizer.fit_transform(texts), in_scope)
        for below in (101.0, 60.0):  # every card, then only cards scored under 60
            held = f"cards scored under {below:.0f}" if below <= 100 else "every card"
            gate_table(f"answers on arrival, {held}",
                       [chance[i] if a["score"] < below else 1.0 for i, a in zip(seen, answers, strict=True)],
                       [a["kind"] == "procedure" and a["id"] in (cases[i][1]["expect"] or [])
                        for i, a in zip(seen, answers, strict=True)],
                       [a["kind"] == "procedure" and not cases[i][1]["expect"]
                        for i, a in zip(seen, answers, strict=True)], (0.2, 0.3, 0.4))
            gate_table(f"today's answers, {held}",
                       [p if a.score < below else 1.0 for p, (a, _) in zip(chance, pairs, strict=True)],
                       [a.kind == "procedure" and a.id in (case["expect"] or []) for a, case in pairs],
                       [a.kind == "procedure" and not case["expect"] for a, case in pairs], (0.2, 0.3, 0.4))
            for name in TEAM_SETS:
                team = [case for case in read(DATA / f"{name}.jsonl")
                        if case["expect"] and not is_english(case["text"])]
                right = [case for case in team if (a := matcher.match(case["text"])).id in case["expect"]
                         and a.score < below]
                chance_team = regression.predict_proba(
                    vectorizer.transform([matcher.normalize(case["text"]).surface for case in right]))[:, 1] \
                    if right else []
                lost = " / ".join(str(sum(p < bar for p in chance_team)) for bar in (0.2, 0.3, 0.4))
                print(f"    {name} (trained on every half), right {held}: {len(right)},"
                      f" lost under 0.2 / 0.3 / 0.4: {lost}")


def main() -> None:
    conversation = Conversation(content.load(ROOT))
    answer_evidence_gate(conversation)
    scope_gate(conversation)


if __name__ == "__main__":
    main()
