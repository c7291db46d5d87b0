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

import math
import re
import sys
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


def japanese_halves() -> list[Path]:
    return [p for p in sorted(DATA.glob("real-*-dev.jsonl")) if not p.name.startswith("real-en-")]


def evidence_row(matcher: Matcher, text: str) -> tuple[str, list[float]] | None:
    """The card answered and its own evidence, when the answer is a card."""
    answer = matcher.match(text)
    if answer.kind != "procedure" or answer.id is None:
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
    return answer.id, [answer.score, *points, second, answer.score - second, topic, len(best.found),
                       float(matcher.names_a_thing(best)), len(best.unexplained),
                       math.log1p(len(forms.surface)), covered]


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
        for case in on_arrival.read(path):
            card = None if is_english(case["text"]) else evidence_row(matcher, case["text"])
            if card and (not case["expect"] or card[0] in case["expect"]):
                rows.append(card[1])
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
    cases = [(path.name, case) for path in halves for case in on_arrival.read(path)
             if not is_english(case["text"])]
    texts = [matcher.normalize(case["text"]).surface for _, case in cases]
    in_scope = [bool(case["expect"]) for _, case in cases]
    groups = [name for name, _ in cases]

    def model(c: float) -> Any:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        return vectorizer, LogisticRegression(C=c, max_iter=5000)

    # On arrival: each half as the commit that added it answered it.
    first = {(half.name, case["text"]): answer for half, case, answer in on_arrival.arrived(halves)}
    seen = [(i, case, first[name, case["text"]]) for i, (name, case) in enumerate(cases)
            if (name, case["text"]) in first]
    today = [(matcher.match(case["text"]), case) for _, case in cases]
    # Which cards were right, which wrong (an off-topic question): on arrival, then today.
    arrival_right = [a["kind"] == "procedure" and a["id"] in (case["expect"] or []) for _, case, a in seen]
    arrival_wrong = [a["kind"] == "procedure" and not case["expect"] for _, case, a in seen]
    today_right = [a.kind == "procedure" and a.id in (case["expect"] or []) for a, case in today]
    today_wrong = [a.kind == "procedure" and not case["expect"] for a, case in today]
    # The team's right answers, with their scores and folded texts (the gates only withhold cards).
    team: dict[str, list[tuple[float, str]]] = {}
    for name in TEAM_SETS:
        team[name] = [(answer.score, matcher.normalize(case["text"]).surface)
                      for case in on_arrival.read(DATA / f"{name}.jsonl")
                      if case["expect"] and not is_english(case["text"])
                      and (answer := matcher.match(case["text"])).id in case["expect"]]
    for c in (1.0, 3.0, 10.0):
        chance = [0.0] * len(cases)
        for train, test in GroupKFold(n_splits=len(set(groups))).split(texts, in_scope, groups):
            vectorizer, regression = model(c)
            regression.fit(vectorizer.fit_transform([texts[i] for i in train]), [in_scope[i] for i in train])
            scored = regression.predict_proba(vectorizer.transform([texts[i] for i in test]))[:, 1]
            for i, p in zip(test, scored, strict=True):
                chance[i] = float(p)
        print(f"The question's scope, C = {c} (group cross-validation by collection):")
        vectorizer, regression = model(c)
        regression.fit(vectorizer.fit_transform(texts), in_scope)
        for below in (101.0, 60.0):  # every card, then only cards scored under 60
            held = f"cards scored under {below:.0f}" if below <= 100 else "every card"
            gate_table(f"answers on arrival, {held}",
                       [chance[i] if a["score"] < below else 1.0 for i, _, a in seen],
                       arrival_right, arrival_wrong, (0.2, 0.3, 0.4))
            gate_table(f"today's answers, {held}",
                       [p if a.score < below else 1.0 for p, (a, _) in zip(chance, today, strict=True)],
                       today_right, today_wrong, (0.2, 0.3, 0.4))
            for name, right in team.items():
                folded = [text for score, text in right if score < below]
                chance_team = regression.predict_proba(vectorizer.transform(folded))[:, 1] if folded else []
                lost = " / ".join(str(sum(p < bar for p in chance_team)) for bar in (0.2, 0.3, 0.4))
                print(f"    {name} (trained on every half), right {held}: {len(folded)},"
                      f" lost under 0.2 / 0.3 / 0.4: {lost}")


def main() -> None:
    conversation = Conversation(content.load(ROOT))
    answer_evidence_gate(conversation)
    scope_gate(conversation)


if __name__ == "__main__":
    main()
