"""What residents asked that the bot could not answer well, grouped for staff.

Questions are grouped by how alike their normalised forms are (rapidfuzz ratio): the
most frequent wording of a group leads it, and every other wording joins the group
whose leader it resembles most, if enough, among the LEADERS_COMPARED most frequent
(a bounded cost per wording, whatever residents send). Groups come most frequent
first, with counts, distinct residents, first and last seen and up to three masked
examples.

A group's key ("g" + 6 hex digits) comes from its leading wording, so it stays the same
between runs while that wording leads; `nakabot report mark KEY fixed` uses it.
Times are shown in Japan time, the time staff work in.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz, process

from bot.sanitize import spreadsheet_cell, terminal_text
from bot.store import LOCAL, DayCount, Unanswered

SIMILAR = 70.0  # rapidfuzz ratio at which two normalised questions are one group
# Grouping compares each wording with at most this many leaders (the most frequent groups',
# which come first) and at most this many characters of each: any LINE friend can send
# distinct texts, and comparing every wording with every other was quadratic (20,000
# questions: 81 s of a worker's CPU per /admin view). With fewer groups than this the
# result is the same as comparing with all of them.
LEADERS_COMPARED = 300
COMPARED_CHARS = 120
EXAMPLES = 3
ASKED_KINDS = ("procedure", "intent", "clarify", "fallback")  # text questions
ANSWERED_KINDS = ("procedure", "intent")


@dataclass(frozen=True)
class Group:
    key: str
    normalized: str  # the leading wording, normalised
    count: int
    residents: int
    first_seen: str  # Japan time, YYYY-MM-DD HH:MM
    last_seen: str
    examples: tuple[str, ...]  # masked, as residents wrote them, most frequent first
    kinds: dict[str, int]  # fallback / clarify / procedure / intent (low score)
    candidates: tuple[tuple[str, float], ...]  # ids the matcher thought of, most often first
    states: dict[str, int]
    ids: tuple[int, ...]
    # What the bot replied: (kind, the procedure or intent shown or None, how many), most first.
    answers: tuple[tuple[str, str | None, int], ...] = ()
    notes: tuple[str, ...] = ()  # staff's notes on its questions, most common first

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["candidates"] = [{"id": c, "score": s} for c, s in self.candidates]
        return data


def group(rows: Iterable[Unanswered], similar: float = SIMILAR) -> list[Group]:
    """Group alike wordings, at a bounded cost per wording (see LEADERS_COMPARED)."""
    by_form: dict[str, list[Unanswered]] = defaultdict(list)
    for row in rows:
        by_form[row.normalized or row.text].append(row)
    # Leaders first: the most frequent wording, then the earliest.
    forms = sorted(by_form, key=lambda f: (-len(by_form[f]), by_form[f][0].at, f))
    leaders: list[str] = []  # as compared: at most COMPARED_CHARS of each
    members: list[list[Unanswered]] = []
    for form in forms:
        compared = form[:COMPARED_CHARS]
        found = leaders and process.extractOne(compared, leaders[:LEADERS_COMPARED], scorer=fuzz.ratio,
                                               score_cutoff=similar)
        if not found:
            leaders.append(compared)
            members.append(list(by_form[form]))
        else:
            members[found[2]].extend(by_form[form])
    leaders = [first.normalized or first.text for first, *_ in members]  # whole, for the key
    groups = [_summary(leader, rows) for leader, rows in zip(leaders, members, strict=True)]
    return sorted(groups, key=lambda g: (-g.count, -g.residents, g.first_seen))


def _summary(leader: str, rows: list[Unanswered]) -> Group:
    times = sorted(r.at for r in rows)
    texts = Counter(r.text for r in rows)
    candidates: Counter[str] = Counter()
    best: dict[str, float] = {}
    for row in rows:
        for candidate, score in row.candidates[:3]:
            candidates[candidate] += 1
            best[candidate] = max(best.get(candidate, 0.0), score)
    top = sorted(candidates, key=lambda c: (-candidates[c], -best[c]))[:3]  # most often, then best
    return Group(
        key=group_key(leader),
        normalized=leader,
        count=len(rows),
        residents=len({r.resident for r in rows if r.resident}),
        first_seen=local_time(times[0]),
        last_seen=local_time(times[-1]),
        examples=tuple(text for text, _ in texts.most_common(EXAMPLES)),
        kinds=dict(Counter(r.kind for r in rows).most_common()),
        candidates=tuple((c, best[c]) for c in top),
        states=dict(Counter(r.state for r in rows).most_common()),
        ids=tuple(sorted(r.id for r in rows)),
        answers=tuple((kind, answer, n) for (kind, answer), n in
                      Counter((r.kind, r.answer_id) for r in rows).most_common()),
        notes=tuple(note for note, _ in Counter(r.note for r in rows if r.note).most_common()),
    )


def group_key(normalized: str) -> str:
    return "g" + hashlib.sha256(normalized.encode()).hexdigest()[:6]


def local_time(stored: str) -> str:
    moment = dt.datetime.strptime(stored, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of a Japan date, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), LOCAL)


def find(groups: Sequence[Group], key: str) -> Group | None:
    return next((g for g in groups if g.key == key.strip().lower()), None)


def find_in_any_state(rows: Sequence[Unanswered], key: str, similar: float = SIMILAR) -> Group | None:
    """A group key as any report printed it: among the new questions (`nakabot report`), then
    the fixed or ignored ones (a group marked by mistake, to put back with `mark KEY new`),
    then all of them together (`nakabot report --all`)."""
    new = [r for r in rows if r.state == "new"]
    reviewed = [r for r in rows if r.state != "new"]
    for subset in (new, reviewed, rows):
        found = find(group(subset, similar), key) if subset else None
        if found is not None:
            return found
    return None


KIND_LABELS = {"fallback": "わからないと返事（市役所の案内）", "clarify": "聞き返し（候補を表示）",
               "procedure": "手続きを案内（自信が低い）", "intent": "あいさつ等で返事（自信が低い）",
               "unhelpful": "案内したが「役に立たなかった」",
               "chosen": "「もしかして」から住民が選んだ",
               "instead": "答えたカードの下から住民が選んだ別の手続き",
               "related": "扱わない話題の返事の下から住民が選んだ手続き"}


def matches(row: Unanswered, text: str = "", kind: str = "") -> bool:
    """Whether a question is in the staff's search: `text` in what was asked, of this reply kind."""
    if kind and row.kind != kind:
        return False
    needle = text.strip().casefold()
    return not needle or needle in row.text.casefold() or needle in row.normalized.casefold()


# --- output ----------------------------------------------------------------------------
def as_text(groups: Sequence[Group], shown: str) -> str:
    """For a terminal: residents' words with no escape sequence left (bot/sanitize.py)."""
    if not groups:
        return f"未回答の質問はありません（{shown}）。"
    total = sum(g.count for g in groups)
    lines = [f"未回答の質問: {len(groups)} グループ・{total} 件（{shown}）", ""]
    for g in groups:
        kinds = ", ".join(f"{k} {n}" for k, n in g.kinds.items())
        states = "" if set(g.states) == {"new"} else "  状態: " + ", ".join(
            f"{s} {n}" for s, n in g.states.items())
        lines.append(f"[{g.key}] {g.count}件・{g.residents}人  {g.first_seen} 〜 {g.last_seen}"
                     f"  ({kinds}){states}")
        lines.append("    例: " + " / ".join(f"「{terminal_text(e)}」" for e in g.examples))
        if g.candidates:
            lines.append("    候補: " + ", ".join(f"{c} ({s:.0f})" for c, s in g.candidates))
    lines += ["", "対応したら: nakabot report mark <記号> fixed",
              "対象外なら: nakabot report mark <記号> ignored"]
    return "\n".join(lines)


def as_json(groups: Sequence[Group], since: str | None, until: str | None) -> str:
    return json.dumps({"since": since, "until": until, "groups": [g.as_dict() for g in groups]},
                      ensure_ascii=False, indent=1)


CSV_COLUMNS = ["記号", "件数", "人数", "最初", "最後", "ボットの返事", "候補の手続き", "状態",
               *(f"質問の例{n}" for n in range(1, EXAMPLES + 1)), "メモ"]
STATE_LABELS = {"new": "未対応", "fixed": "対応済み", "ignored": "対象外"}
BOM = "\ufeff"  # Excel on Japanese Windows reads UTF-8 only with it (else as Shift-JIS: 文字化け)


def as_csv(groups: Sequence[Group], title: Callable[[str], str] = str) -> str:
    """For Excel: a BOM, Japanese headers, procedure titles (`title(id)`), and no cell that
    starts a formula (bot/sanitize.py). Write it as UTF-8 bytes, as it is."""
    out = io.StringIO()
    # CRLF between rows (RFC 4180): a carriage return inside a cell is then quoted too.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for g in groups:
        examples = [*g.examples, *[""] * EXAMPLES][:EXAMPLES]
        replied = "、".join(
            f"{KIND_LABELS.get(kind, kind)}{f'「{title(answer)}」' if answer else ''} {n}件"
            for kind, answer, n in g.answers)
        writer.writerow(map(spreadsheet_cell, [
            g.key, g.count, g.residents, g.first_seen, g.last_seen, replied,
            "、".join(title(c) for c, _ in g.candidates),
            "、".join(f"{STATE_LABELS.get(k, k)} {n}件" for k, n in g.states.items()), *examples,
            " / ".join(g.notes)]))
    return BOM + out.getvalue()


# --- daily counts ------------------------------------------------------------------------
@dataclass(frozen=True)
class DayRate:
    day: str
    asked: int  # text questions
    answered: int  # a procedure or intent was shown
    clarify: int
    fallback: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def daily_rates(counts: Iterable[DayCount], days: Sequence[dt.date]) -> list[DayRate]:
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for c in counts:
        per_day[c.day][c.kind] += c.count
    rates = []
    for day in days:
        kinds = per_day.get(day.isoformat(), Counter())
        rates.append(DayRate(day.isoformat(), sum(kinds[k] for k in ASKED_KINDS),
                             sum(kinds[k] for k in ANSWERED_KINDS), kinds["clarify"], kinds["fallback"]))
    return rates


def verdicts(counts: Iterable[DayCount]) -> dict[str, tuple[int, int]]:
    """Per procedure: (「役に立った」 taps, 「役に立たなかった」 taps)."""
    said: dict[str, Counter[str]] = defaultdict(Counter)
    for c in counts:
        if c.kind in ("helpful", "unhelpful") and c.target:
            said[c.target][c.kind] += c.count
    return {target: (kinds["helpful"], kinds["unhelpful"]) for target, kinds in said.items()}


def top_procedures(counts: Iterable[DayCount], limit: int = 15) -> list[tuple[str, int]]:
    """Procedures shown most, by a question or a tapped button."""
    shown: Counter[str] = Counter()
    for c in counts:
        if c.kind in ("procedure", "tap") and c.target:
            shown[c.target] += c.count
    return shown.most_common(limit)
