"""A YAML mistake made by hand is named in Japanese on the line where it is (issue 17, item 7)."""

from __future__ import annotations

import pytest
from test_cli import run

from bot.yamlsource import read_document

GOOD = """\
id: juminhyo
title: 住民票の写しの交付
examples:
  - 住民票がほしい
  - 住民票の写し
note: "平日の窓口で受け取れます"
related: [inkan-touroku]
"""


def problems_of(tmp_path, text: str, encoding: str = "utf-8") -> list[tuple[int, str]]:
    path = tmp_path / "juminhyo.yaml"
    path.write_bytes(text.encode(encoding))
    _, problems = read_document(path, "procedures/shomeisho/juminhyo.yaml")
    return [(p.line, p.message) for p in problems]


def test_the_good_file_reads_without_a_problem(tmp_path):
    assert problems_of(tmp_path, GOOD) == []


@pytest.mark.parametrize(("broken", "line", "says"), [
    (GOOD.replace("title: 住民票", "title：住民票"), 2, "「title：」のコロンが全角です"),
    (GOOD.replace("title: 住民票", "title:住民票"), 2, "「title:」のあとに半角スペースがありません"),
    (GOOD.replace('note: "平日の窓口で受け取れます"', 'note: "平日の窓口で受け取れます'), 6,
     "引用符（\"）が閉じられていません"),
    (GOOD.replace("  - 住民票の写し", "  住民票の写し"), 5, "「- 」がありません"),
    (GOOD.replace("  - 住民票の写し", "\u3000- 住民票の写し"), 5, "全角のスペース"),
])
def test_each_hand_made_mistake_is_named_on_its_own_line(tmp_path, broken, line, says):
    [(found_line, message)] = problems_of(tmp_path, broken)

    assert (found_line, says in message) == (line, True), message
    assert "expected" not in message and "mapping" not in message  # no parser English


def test_an_unclosed_quote_is_never_reported_past_the_last_line(tmp_path):
    broken = GOOD.replace('note: "平日の窓口で受け取れます"', 'note: "平日の窓口で受け取れます') + "\n" * 3
    [(line, _)] = problems_of(tmp_path, broken)
    assert line <= len(broken.splitlines())


def test_shift_jis_says_to_save_as_utf8(tmp_path):
    [(line, message)] = problems_of(tmp_path, GOOD, encoding="cp932")

    assert "UTF-8で保存してください" in message and "Shift-JIS" in message
    assert "codec" not in message and line == 2  # the first line with Japanese in it


def test_check_shows_the_mistake_on_the_real_line(capsys, monkeypatch, tmp_path):
    (tmp_path / "procedures").mkdir()
    (tmp_path / "intents").mkdir()
    (tmp_path / "procedures" / "city.yaml").write_text("name: 那珂市\nkana：なかし\n",
                                                                 encoding="utf-8")

    code, _, err = run(capsys, monkeypatch, "--root", str(tmp_path), "check")

    assert code == 1
    assert "procedures/city.yaml:2: (YAMLの書き方): 「kana：」のコロンが全角です" in err
