"""How resident text is folded before matching."""

from bot.normalize import Normalizer, fold, meant_part, reading_of

normalize = Normalizer([("印鑑", ["はんこ", "ハンコ"]), ("マイナンバーカード", ["マイナカード"])])


def test_half_width_kana_and_full_width_digits_are_folded():
    assert fold("ｺﾝﾋﾞﾆ　１２３") == fold("コンビニ 123") == "コンビニ123"


def test_hiragana_and_katakana_meet():
    assert fold("いんかん") == fold("インカン")


def test_small_kana_long_vowels_spaces_and_punctuation_do_not_matter():
    assert fold("ほしぃ") == fold("ほしい")
    assert fold("サービス") == fold("サビス")
    assert fold("住民票、ください！") == fold("住民票 ください")


def test_invisible_characters_are_dropped():
    assert fold("住\u200b民\ufeff票") == fold("住民票")


def test_kanji_get_a_reading_so_kana_only_questions_can_match():
    assert fold(reading_of("印鑑登録")) == fold("いんかんとうろく")
    assert normalize("じどうふようてあて").reading == normalize("児童扶養手当").reading


def test_resident_words_become_catalogue_words():
    assert normalize("はんこの登録").surface == normalize("印鑑の登録").surface
    assert normalize("マイナカード").reading == normalize("マイナンバーカード").reading


def test_polite_filler_is_dropped_but_never_everything():
    assert normalize("すみません、住民票について教えてください").surface == normalize("住民票").surface
    assert normalize("教えてください").surface != ""


def test_noise_folds_to_nothing():
    assert normalize("!!!").surface == ""
    assert normalize("🙏🙏").surface == ""


def test_a_variant_inside_its_own_word_is_not_replaced_again():
    normalize = Normalizer([("ケアマネジャー", ["ケアマネ"])])
    # (small kana are folded to large ones: ジャ -> ジヤ)
    assert normalize("ケアマネ").surface == normalize("ケアマネジャー").surface == "ケアマネジヤ"


def test_a_short_kana_word_is_not_found_at_the_end_of_another():
    normalize = Normalizer([("スマートフォン", ["ケータイ"])])
    # ケータイ folds to ケタイ, which is also the end of 預けたい and 受けたい.
    assert "スマトフオン" not in normalize("保育園に子どもを預けたい").reading
    assert "スマトフオン" not in normalize("介護サービスを受けたい").surface
    assert "スマトフオン" not in normalize("あずけたい").surface
    # ... but where a word starts, it is still the resident's word for a phone.
    assert normalize("ケータイをなくした").surface == normalize("スマートフォンをなくした").surface
    assert normalize("あたらしいけーたい").reading.endswith("スマトフオン")


def test_what_a_resident_says_they_do_not_mean_is_set_aside():
    assert meant_part("子どもの医療費じゃなくて保育の認定を受けたい") == "保育の認定を受けたい"
    assert meant_part("住民票ではなく、戸籍謄本がほしい") == "戸籍謄本がほしい"
    # 「じゃなくても」 is "even if not": nothing is set aside.
    assert meant_part("印鑑登録って本人じゃなくてもできる？") == "印鑑登録って本人じゃなくてもできる？"
    assert meant_part("本人でなくても取れますか") == "本人でなくても取れますか"
    # Too little left to match on: the whole question is kept.
    assert meant_part("住民票じゃなくて、ね") == "住民票じゃなくて、ね"
