"""The catalogue as the bot will serve it: valid YAML, and every entry renders within LINE's limits.

This is the one gate a catalogue passes before residents see it, for `nakabot check`,
for the running bot (which keeps its last good catalogue when an edit fails), and for tests.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot import catalogue as catalogue_module
from bot.catalogue import Catalogue, CatalogueError, Report
from bot.matcher import OUTSIDE_PREFIX, Thresholds
from bot.replies import LimitError, Replies
from bot.yamlsource import Problem

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent  # the source tree, when bot/ is run from a checkout
SHIPPED = "shipped"  # where a wheel holds intents/, procedures/ and richmenu/ (pyproject.toml)


def shipped_or_source(package_dir: Path = PACKAGE_DIR) -> Path:
    """The catalogue that came with the code: the wheel's copy when installed, else the checkout.

    An installed wheel carries the content as package data (bot/shipped/), so `nakabot check`,
    `ask` and `serve` work from any folder. In a checkout (or an editable install) there is no
    such copy, and the repository's own intents/ and procedures/ are read: the files staff edit.
    """
    shipped = package_dir / SHIPPED
    return shipped if (shipped / "procedures").is_dir() else package_dir.parent


DEFAULT_ROOT = shipped_or_source()


def resolve_root(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Where the catalogue is read from: --root, else NAKABOT_CATALOGUE, else DEFAULT_ROOT."""
    if explicit is not None:
        return explicit
    env = os.environ if env is None else env
    return Path(env["NAKABOT_CATALOGUE"]) if env.get("NAKABOT_CATALOGUE") else DEFAULT_ROOT


def inspect(root: Path = DEFAULT_ROOT, today: dt.date | None = None, max_age_days: int = 365) -> Report:
    """Validate the files, then render every entry and report what breaks LINE's limits."""
    report = catalogue_module.inspect(root, today=today, max_age_days=max_age_days)
    if report.catalogue is None:
        return report
    problems = render_problems(report.catalogue)
    if not problems:
        return report
    return replace(report, catalogue=None, problems=report.problems + tuple(problems))


def load(root: Path = DEFAULT_ROOT, max_age_days: int = 365) -> Catalogue:
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
    # The fixed texts (intents/texts.yaml), with the city's facts filled in; a clarify
    # with as many procedures as the matcher may offer.
    texts = catalogue.texts
    asked = [p.id for p in catalogue.procedures[:Thresholds().clarify_max]]
    # The longest reply of a topic not handled, with the cards it may offer beside it.
    longest = max((i for i in catalogue.intents if i.id.startswith(OUTSIDE_PREFIX)),
                  key=lambda i: len(i.reply), default=None)
    for name, render in [("menu", replies.menu), ("fallback", replies.fallback),
                         ("maybe", lambda: replies.fallback(asked[:Thresholds().suggest_max])),
                         ("related", lambda: replies.intent(longest.id if longest else "",
                                                            asked[:Thresholds().related_max])),
                         ("welcome", replies.welcome),
                         ("please_type", replies.please_type), ("clarify", lambda: replies.clarify(asked))]:
        try:
            render()
        except LimitError as error:
            problems.append(Problem(texts.path, texts.lines.get(name, 1), name,
                                    f"LINEの上限をこえます: {error}"))
    return problems
