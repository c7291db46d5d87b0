"""The staff guide (procedures/README.md) says what the code reads: the two cannot drift."""

from __future__ import annotations

import re

import yaml

from bot import content
from bot.catalogue import CHANNEL_FIELDS, PROCEDURE_FIELDS
from bot.channels import CHANNEL_KINDS

GUIDE = (content.REPO_ROOT / "procedures" / "README.md").read_text(encoding="utf-8")


def _example() -> tuple[str, dict]:
    """The guide's example procedure file: its text and its fields."""
    section = GUIDE.split("## 手続きファイルの項目", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return block, yaml.safe_load(block)


def test_the_guides_example_has_every_field_a_procedure_may_have_and_no_other():
    _, example = _example()

    assert set(example) == set(PROCEDURE_FIELDS)
    assert set(example["channels"][0]) == set(CHANNEL_FIELDS)
    assert isinstance(example["contact"], str)  # a section's id: sections are written once, in facts/


def test_the_guide_lists_every_channel_kind_and_no_other():
    block, _ = _example()
    comment = next(row for row in block.splitlines() if "kind:" in row).split("#", 1)[1]

    assert set(re.findall(r"[a-z]+(?:-[a-z]+)*", comment)) == set(CHANNEL_KINDS)


def test_the_guide_names_every_file_the_catalogue_is_read_from():
    for name in ("procedures/city.yaml", "procedures/categories.yaml", "procedures/facets.yaml",
                 "procedures/facts/sections.yaml", "procedures/facts/counters.yaml",
                 "procedures/facts/fees.yaml", "intents/synonyms.yaml", "intents/texts.yaml",
                 "intents/english.yaml"):
        assert f"`{name}`" in GUIDE, name


def test_the_numbers_the_guide_gives_are_the_codes():
    from bot import limits
    from bot.catalogue import MIN_EXAMPLES
    from bot.config import Settings

    block, _ = _example()
    label = next(row for row in block.splitlines() if row.startswith("label:"))
    assert f"（{limits.QUICK_LABEL}文字以内）" in label
    assert f"（{MIN_EXAMPLES}個以上）" in block
    assert f"記録は {Settings.retention_days} 日" in GUIDE
