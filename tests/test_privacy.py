"""Personal data is masked before anything is stored; residents are known only by a keyed hash."""

from __future__ import annotations

import re
from re import _parser  # type: ignore[attr-defined]

import pytest

from bot import privacy
from bot.conversation import Incoming, Outcome
from bot.feedback import review_row
from bot.privacy import EMAIL, MY_NUMBER, NAME, NUMBER, PHONE, POSTAL, mask, pseudonym


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


@pytest.mark.parametrize(("text", "expected"), [
    # My Numbers with dots, slashes, middle dots, spaced hyphens, kanji digits (issue 14)
    ("1234.5678.9012", MY_NUMBER),
    ("1234/5678/9012", MY_NUMBER),
    ("1234・5678・9012", MY_NUMBER),
    ("番号は1234 - 5678 - 9012です", f"番号は{MY_NUMBER}です"),
    ("一二三四五六七八九〇一二", MY_NUMBER),
    ("１２３４．５６７８．９０１２", MY_NUMBER),
    # phones with dots and middle dots, kanji digits
    ("090.1234.5678", PHONE),
    ("090・1234・5678", PHONE),
    ("〇九〇・一二三四・五六七八に電話して", f"{PHONE}に電話して"),
    # e-mails: a Japanese full stop, a kana local part, spaces, (at) and [dot]
    ("taro@example。com", EMAIL),
    ("たろう@example.jp", EMAIL),
    ("taro.yamada @ example . co . jp", EMAIL),
    ("taro(at)example.com", EMAIL),
    ("TARO[at]example[dot]co[dot]jp", EMAIL),
    ("taroアットマークexample.com", EMAIL),
    ("連絡は taro@example.com。お願いします", f"連絡は {EMAIL}。お願いします"),
])
def test_every_way_of_writing_personal_data_is_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "2026/11/30 10:00-12:00に行きます",
    "2026.11.30に転入しました",
    "一人暮らしの高齢者です",
    "住民票・印鑑証明を取りたい",
    "taroさんとexample.comを見た",
])
def test_dates_times_and_ordinary_kanji_are_still_left_alone(text):
    assert mask(text) == text


def test_a_long_run_of_digits_is_one_placeholder():
    assert mask("番号" + "7" * 150 + "です") == f"番号{NUMBER}です"


def test_the_stored_normal_form_never_joins_digits_that_masking_missed(conversation):
    # Any separator is dropped by normalising; 1234★5678★9012 would become a My Number there.
    text = "口座 1234★5678★9012 のこと"
    incoming = Incoming("text", text, "k1")
    outcome = Outcome([], conversation.matcher.match(text))
    row = review_row(conversation, incoming, outcome, "line")

    assert row is not None
    assert "1234" in row["text"]  # not recognised in the text itself (no such separator)...
    assert not re.search(r"[0-9]{8}", row["normalized"])  # ...but never joined in the normal form


@pytest.mark.parametrize("text", ["メールは1234.5678.9012です", "taro.yamada @ example . co . jp"])
def test_what_is_stored_for_review_holds_neither_the_text_nor_its_digits(conversation, text):
    incoming = Incoming("text", text, "k1")
    outcome = Outcome([], conversation.matcher.match(text))
    row = review_row(conversation, incoming, outcome, "line")

    assert row is not None

    stored = f"{row['text']} {row['normalized']}"
    assert "123456789012" not in stored and "5678" not in stored and "yamada" not in stored


def _widest(pattern: re.Pattern[str]) -> int:
    return int(_parser.parse(pattern.pattern, pattern.flags).getwidth()[1])


@pytest.mark.parametrize("pattern", [privacy._AT, privacy._DOMAIN, privacy._LOCAL_REVERSED,
                                     *(p for p, _ in privacy.PATTERNS)], ids=str)
def test_every_pattern_has_a_bounded_width_so_masking_is_linear(pattern):
    # A backtracking regex does a bounded amount of work per starting place only when its
    # width is bounded; an unbounded repeat (x+, x*, {8,}) over a long run of the same
    # character retries from every place: 10,000 dashes took 2.5 s (bench/mask_speed.py).
    assert _widest(pattern) <= 1000


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


@pytest.mark.parametrize(("text", "expected"), [
    ("山田太郎です。ペンギンの飼い方を教えて", f"{NAME}です。ペンギンの飼い方を教えて"),
    ("私は田中花子と申します。住民票がほしい", f"私は{NAME}と申します。住民票がほしい"),
    ("母の鈴木の介護認定", f"母の{NAME}の介護認定"),
    ("林さんに頼まれて来ました", f"{NAME}さんに頼まれて来ました"),
])
def test_a_name_the_dictionary_knows_is_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "マイナ保険証の使い方", "ローソンで住民票", "森に行く", "I lost my ward card", "福祉用具を買った",
])
def test_words_tagged_as_names_by_guess_are_left_as_written(text):
    # Kana and Latin words and a lone kanji that SudachiDict may tag as a name are not names.
    assert mask(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("やまだはなこと申します。住民票がほしい", f"{NAME}と申します。住民票がほしい"),
    ("私はヤマダハナコと申します", f"私は{NAME}と申します"),
    ("那珂市在住のまゆみと申します", f"那珂市在住の{NAME}と申します"),
    ("わたしはまゆみといいます。保育園のこと", f"わたしは{NAME}といいます。保育園のこと"),
    ("名前は タナカ です", f"名前は {NAME} です"),
    ("氏名：すずき いちろう。介護認定", f"氏名：{NAME}。介護認定"),
    ("My name is John Smith and I need a residence certificate",
     f"My name is {NAME} and I need a residence certificate"),
    ("my name is maria, I moved to Naka", f"my name is {NAME}, I moved to Naka"),
    ("Name: Anna Lee", f"Name: {NAME}"),
    ("Ms. Brown asked me to call", f"Ms. {NAME} asked me to call"),
])
def test_a_name_the_dictionary_cannot_know_is_masked_by_how_it_is_given(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "結婚して名前は変わりますか", "子どもの名前はいつまでに決めれば", "名前は何ですか", "名前が変わった",
    "市役所では転入届と言います", "I am pregnant", "This is my first time", "Name of the form?",
])
def test_words_about_names_that_give_none_are_left_as_written(text):
    assert mask(text) == text
