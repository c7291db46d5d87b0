"""The texts residents read outside any procedure (intents/texts.yaml): staff edit them,
`nakabot check` validates them like the intents and renders them within LINE's limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import content
from bot.conversation import Conversation, Incoming
from bot.replies import as_text

TEXTS = "intents/texts.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the real catalogue that a test may edit."""
    for folder in ("procedures", "intents"):
        shutil.copytree(content.REPO_ROOT / folder, tmp_path / folder)
    return tmp_path


def edit(tree: Path, old: str, new: str) -> None:
    path = tree / TEXTS
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(key: str) -> int:
    """The line where `key:` starts in texts.yaml (a text written as a block starts there)."""
    lines = (content.REPO_ROOT / TEXTS).read_text(encoding="utf-8").splitlines()
    return 1 + next(i for i, row in enumerate(lines) if row.startswith(f"{key}:"))


def errors(tree: Path) -> list[str]:
    return [str(p) for p in content.inspect(tree).errors]


def test_an_edited_welcome_is_what_a_new_friend_reads(tree: Path):
    edit(tree, "知りたい手続きを短く送るか", "ようこそ。知りたい手続きを短く送るか")
    conversation = Conversation(content.load(tree))

    welcome = as_text(conversation.respond(Incoming("follow")).messages)

    assert "ようこそ。知りたい手続きを短く送るか、下のボタンから選んでください。" in welcome


def test_the_fallback_names_the_citys_phone_from_city_yaml(catalogue):
    fallback = as_text(Conversation(catalogue).respond(Incoming("text", "ペンギンの飼い方")).messages)

    assert f"{catalogue.city.name}（代表）{catalogue.city.phone} へどうぞ。" in fallback
    assert "{" not in fallback  # every placeholder filled


def test_an_unknown_placeholder_is_an_error_naming_line_and_field(tree: Path):
    edit(tree, "ご相談は {代表電話}", "ご相談は {電話番号}")

    expected = "fallback: 「{電話番号}」は使えません（使えるのは {代表電話}・{受付時間}）"
    assert f"{TEXTS}:{line_of('fallback')}: {expected}" in errors(tree)


def test_a_missing_text_is_an_error_naming_the_field(tree: Path):
    edit(tree, "menu: 知りたい分類を選んでください。\n", "")

    assert any(e.startswith(f"{TEXTS}:") and e.endswith(": menu: 必須です") for e in errors(tree))


def test_a_button_label_over_lines_limit_is_an_error(tree: Path):
    edit(tree, "none_of_these: どれでもない", "none_of_these: どれでもないので、メニューにもどって探します")

    assert any(e.startswith(f"{TEXTS}:") and "buttons.none_of_these: 20文字以内" in e for e in errors(tree))


def test_a_text_longer_than_line_takes_is_caught_by_the_check(tree: Path):
    edit(tree, "  ありがとうございます。このボットは", "  " + "あ" * 5000 + "このボットは")

    [error] = errors(tree)
    assert error.startswith(f"{TEXTS}:{line_of('please_type')}: please_type: LINEの上限をこえます")


def test_an_unknown_field_is_an_error(tree: Path):
    edit(tree, "menu: 知りたい", "greeting: こんにちは\nmenu: 知りたい")

    assert any("greeting: 知らない項目です" in e for e in errors(tree))


def test_the_cards_words_are_staffs_to_change(tree: Path):
    edit(tree, "  bring: 持ち物", "  bring: もちもの")
    edit(tree, "  call_button: 電話する {電話番号}", "  call_button: 電話をかける {電話番号}")
    conversation = Conversation(content.load(tree))

    card = as_text(conversation.respond(Incoming("text", "住民票がほしい")).messages)

    assert "もちもの：" in card and "持ち物" not in card
    assert "電話をかける 029-298-1111" in card


def test_a_card_word_with_a_placeholder_it_cannot_hold_is_an_error(tree: Path):
    edit(tree, "  map_button: 地図で市役所を見る", "  map_button: 地図で{係}を見る")

    assert any("card.map_button: 「{係}」は使えません（使えるのは なし）" in e for e in errors(tree))


def test_a_card_button_longer_than_a_flex_button_takes_is_an_error(tree: Path):
    edit(tree, "  city_page_button: 那珂市のページを見る", "  city_page_button: " + "那珂市" * 14)

    assert any("card.city_page_button: 40文字以内" in e for e in errors(tree))
