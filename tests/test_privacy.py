"""Personal data is masked before anything is stored; residents are known only by a keyed hash."""

from __future__ import annotations

import pytest

from bot.privacy import EMAIL, MY_NUMBER, NUMBER, PHONE, POSTAL, mask, pseudonym


@pytest.mark.parametrize(("text", "expected"), [
    # My Number: 12 digits, half or full width, with or without separators
    ("マイナンバーは123456789012です", f"マイナンバーは{MY_NUMBER}です"),
    ("１２３４５６７８９０１２", MY_NUMBER),
    ("1234-5678-9012", MY_NUMBER),
    ("１２３４ ５６７８ ９０１２を登録", f"{MY_NUMBER}を登録"),
    ("1234　5678　9012", MY_NUMBER),  # ideographic spaces
    # phone numbers: landline, mobile, free dial, brackets, +81, full width
    ("電話は029-298-1111です", f"電話は{PHONE}です"),
    ("09012345678に折り返し", f"{PHONE}に折り返し"),
    ("０９０－１２３４－５６７８", PHONE),
    ("０９０ー１２３４ー５６７８", PHONE),  # the long-vowel mark typed as a hyphen
    ("029(298)1111", PHONE),
    ("+81-90-1234-5678", PHONE),
    ("0120 123 456", PHONE),
    # e-mail, half and full width
    ("連絡先 taro.yamada+city@example.co.jp まで", f"連絡先 {EMAIL} まで"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", EMAIL),
    # postal codes, with or without 〒 and hyphen
    ("〒311-0192 那珂市福田", f"{POSTAL} 那珂市福田"),
    ("〒３１１－０１９２", POSTAL),
    ("住所は311-0192です", f"住所は{POSTAL}です"),
    ("3110192", POSTAL),
    # any other long number (account, card, insurance)
    ("口座番号 1234567890123", f"口座番号 {NUMBER}"),
])
def test_personal_data_is_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "住民票を1通ください",
    "2026年11月30日に引っ越しました",
    "手数料は300円ですか",
    "8時30分から17時15分まで",
    "令和7年度の児童手当",
    "3歳の子どもの予防接種",
])
def test_ordinary_questions_are_left_as_written(text):
    assert mask(text) == text


def test_everything_around_a_masked_number_stays_as_written():
    assert mask("ﾏｲﾅﾝﾊﾞｰ　１２３４５６７８９０１２　を忘れた") == f"ﾏｲﾅﾝﾊﾞｰ　{MY_NUMBER}　を忘れた"


def test_a_pseudonym_is_stable_for_one_secret_and_changes_with_it():
    user = "U" + "1234abcd" * 4
    key = pseudonym(user, "secret-a")

    assert key == pseudonym(user, "secret-a")
    assert len(key) == 64 and int(key, 16) >= 0  # HMAC-SHA256, hex
    assert key != pseudonym(user, "secret-b")
    assert key != pseudonym("U" + "0" * 32, "secret-a")
    assert user not in key
