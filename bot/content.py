"""The catalogue as the bot will serve it: valid YAML, and every entry renders within LINE's limits.

This is the one gate a catalogue passes before residents see it, for `nakabot check`,
for the running bot (which keeps its last good catalogue when an edit fails), and for tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from bot import catalogue as catalogue_module
from bot.catalogue import Catalogue, CatalogueError, Report
from bot.replies import LimitError, Replies
from bot.yamlsource import Problem

REPO_ROOT = Path(__file__).resolve().parent.parent


def inspect(root: Path = REPO_ROOT, today: dt.date | None = None, max_age_days: int = 365) -> Report:
    """Validate the files, then render every entry and report what breaks LINE's limits."""
    report = catalogue_module.inspect(root, today=today, max_age_days=max_age_days)
    if report.catalogue is None:
        return report
    problems = render_problems(report.catalogue)
    if not problems:
        return report
    return replace(report, catalogue=None, problems=report.problems + tuple(problems))


def load(root: Path = REPO_ROOT, max_age_days: int = 365) -> Catalogue:
    """The checked catalogue, or CatalogueError naming every problem."""
    report = inspect(root, max_age_days=max_age_days)
    if report.errors or report.catalogue is None:
        raise CatalogueError(list(report.problems))
    return report.catalogue


def render_problems(catalogue: Catalogue) -> list[Problem]:
    replies = Replies(catalogue)
    problems = []
    for procedure in catalogue.procedures:
        try:
            replies.procedure_detail(procedure, "あ" * 300)
            for facet in (None, *catalogue.facets):  # the short card, leading with each facet
                replies.procedure(procedure, facet, "あ" * 300)
        except LimitError as error:
            problems.append(Problem(procedure.path, 1, "(LINEの表示)", f"LINEの上限をこえます: {error}"))
    for intent in catalogue.intents:
        try:
            replies.intent(intent.id)
        except LimitError as error:
            problems.append(Problem(intent.path, 1, "reply", f"LINEの上限をこえます: {error}"))
    for category in catalogue.categories:
        try:
            replies.category(category)
        except LimitError as error:
            problems.append(Problem("procedures/categories.yaml", 1, category.id, str(error)))
    for render in (replies.menu, replies.fallback, replies.welcome, replies.please_type):
        try:
            render()
        except LimitError as error:
            problems.append(Problem("procedures/city.yaml", 1, "(LINEの表示)", str(error)))
    return problems
