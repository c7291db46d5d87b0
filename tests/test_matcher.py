"""match(text) -> Answer, on the real catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.evaluation import evaluate

DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"
RESIDENTS = Path(__file__).resolve().parent / "data" / "residents.jsonl"
BLIND = Path(__file__).resolve().parent / "data" / "blind-2026-11-30.jsonl"
BLIND_B = Path(__file__).resolve().parent / "data" / "blind-2026-11-30b.jsonl"


@pytest.fixture(scope="module")
def matcher(conversation):
    return conversation.matcher


def test_a_plain_question_finds_its_procedure(matcher):
    answer = matcher.match("住民票がほしい")
    assert (answer.kind, answer.id) == ("procedure", "juminhyo")
    assert answer.as_dict()["candidates"] == []


def test_kana_only_and_half_width_questions(matcher):
    assert matcher.match("いんかんとうろく").id == "inkan-touroku"
    assert matcher.match("ｺﾝﾋﾞﾆ ｼｮｳﾒｲｼｮ").id == "konbini-kofu"


def test_greetings_are_intents(matcher):
    answer = matcher.match("こんにちは")
    assert (answer.kind, answer.id) == ("intent", "greeting")
    assert answer.as_dict()["id"] == "greeting"


@pytest.mark.parametrize("noise", ["", "   ", "!!!", "🙂🙂🙂", "あ", "ｗｗｗ", "asdfghjkl", "今日の天気は"])
def test_noise_and_chat_fall_back(matcher, noise):
    assert matcher.match(noise).kind == "fallback"


@pytest.mark.parametrize("text", ["財布がなくなった", "年賀状の書き方"])
def test_a_question_alike_only_in_its_grammar_falls_back(matcher, text):
    # 財布がなくなった resembles the keyword 育てなくなった (児童手当) by its ending alone.
    assert matcher.match(text).kind == "fallback"


@pytest.mark.parametrize("text", ["はんこ", "いんかん", "印鑑"])
def test_close_candidates_are_offered_best_first(matcher, text):
    answer = matcher.match(text)  # 印鑑登録 or 印鑑証明?
    assert answer.kind == "clarify"
    scores = [c.score for c in answer.candidates]
    assert scores == sorted(scores, reverse=True) and 2 <= len(scores) <= 4
    assert set(answer.as_dict()["candidates"]) == {"inkan-touroku", "inkan-shomei"}


def test_every_example_question_reaches_its_own_entry(matcher, catalogue):
    """An edit that steals another procedure's questions fails here, naming them."""
    stolen = []
    for entry in (*catalogue.procedures, *catalogue.intents):
        own = entry.id if entry in catalogue.procedures else f"intent:{entry.id}"
        for example in entry.examples:
            _, ranked = matcher.rank(example)
            if not ranked or ranked[0].id != own:
                stolen.append(f"{entry.path}: 「{example}」→ {ranked[0].id if ranked else 'なし'}")
    assert stolen == []


def _cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("path", "top1", "top3", "rejected"), [
    # The development set (2026-11-30: 0.973 / 1.000 / 1.000; 2026-12-02: 0.982 / 1.000 / 1.000
    # here, Japanese matcher only). Issue 16 asks for at least 0.97.
    (DEV, 0.97, 0.99, 0.95),
    # Written without seeing the catalogue or the dev set; tuned against since (2026-12-02:
    # 0.972 / 0.972 / 1.000). Issue 16 asks for at least 0.96.
    (RESIDENTS, 0.96, 0.96, 0.95),
    # Written blind on 2026-11-30; its misses were read once (0.912 / 0.931 / 0.975).
    (BLIND, 0.89, 0.91, 0.95),
    # Written blind later that day; 0.956 / 0.963 / 0.975 on arrival, 0.975 / 0.975 / 0.975
    # after the catalogue's examples grew (written without it). Its misses are not read.
    (BLIND_B, 0.93, 0.93, 0.92),
], ids=["dev", "residents", "blind", "blind-b"])
def test_accuracy_does_not_regress(matcher, catalogue, path, top1, top3, rejected):
    report = evaluate(matcher, catalogue, _cases(path))
    # A blind set's misses must not be read while tuning: a failure shows them only for the others.
    shown = "(misses of a blind set are not shown)" if "blind" in path.name else report["misses"]
    assert report["top1"] >= top1, shown
    assert report["top3"] >= top3, shown
    assert report["rejected"] >= rejected, shown


def test_a_short_keyword_reading_does_not_count_inside_other_words(matcher):
    # 悪化 reads アッカ (folded アツカ), which sits inside あーつかれた: a sigh, not 介護.
    assert matcher.match("あーつかれた 仕事おわんない").kind == "fallback"
    assert matcher.match("じどうてあて きふ").id == "jidou-teate-kifu"  # a long reading still counts


def test_an_empty_expect_list_counts_as_off_topic_like_null(matcher, catalogue):
    report = evaluate(matcher, catalogue, [{"text": "明日の天気は？", "expect": []},
                                           {"text": "住民票がほしい", "expect": ["juminhyo"]}])
    assert (report["off_topic"], report["in_scope"], report["rejected"], report["top1"]) == (1, 1, 1.0, 1.0)


def test_a_fallback_offers_the_procedures_it_half_found(matcher):
    answer = matcher.match("家の中の段差がつらい")
    assert (answer.kind, answer.suggested) == ("fallback", ("kaigo-jutaku-kaishu",))
    assert answer.as_dict()["candidates"] == ["kaigo-jutaku-kaishu"]  # what it offers
    assert matcher.match("ほげほげ").suggested == ()  # nothing half found: no guess
    # A story naming one category (介護) is offered only that category's procedures: its
    # best guess here resembles 亡くなった, and the category's list is better than a guess.
    story = matcher.match("母が転んで歩けなくなった。介護の手続きは？")
    assert (story.kind, story.suggested) == ("fallback", ())
    assert matcher.category_named(story.forms) == "kaigo"


def test_first_three_counts_what_a_fallback_offers_and_it_still_rejects(matcher, catalogue):
    cases = [{"text": "家の中の段差がつらい", "expect": ["kaigo-jutaku-kaishu"]},
             {"text": "家の中の段差がつらい", "expect": None}]
    report = evaluate(matcher, catalogue, cases)
    assert (report["top1"], report["top3"]) == (0.0, 1.0)
    assert (report["rejected"], report["suggested"], report["wrong_card"]) == (1.0, 1.0, 0.0)


def test_scores_stay_within_the_contracts_0_to_100(matcher):
    for case in _cases(DEV) + _cases(RESIDENTS):
        _, ranked = matcher.rank(case["text"])
        assert all(0 <= c.score <= 100 for c in ranked), case["text"]


# --- knowing what it does not do (issue 16) ------------------------------------------------
@pytest.mark.parametrize(("question", "topic"), [
    ("犬が死亡したときはどうしたらいいですか?", "outside-pet"),
    ("粗大ごみを出したい", "outside-gomi"),
    ("水道の使用開始の手続き", "outside-suido"),
    ("保育料はいくらですか", "outside-hoikuryo"),
    ("期日前投票はどこでできますか", "outside-senkyo"),
    ("国民健康保険税の計算方法を知りたい", "outside-kokuho-zei"),
    ("高額療養費の申請", "outside-kokuho-zei"),
    ("郵便物の転送をしたい", "outside-hikkoshi-hoka"),
    ("相続税の申告", "outside-souzoku"),
    ("一人暮らしの母の見守り", "outside-koureisha"),
    ("納付書をなくした", "outside-nouzei-soudan"),
    ("義援金の申請", "outside-saigai-shien"),
    ("公金受取口座の登録", "outside-mynumber-seido"),
    ("納税証明書がほしい", "outside-nouzei-soudan"),
    ("不妊治療の助成", "outside-kosodate-hoka"),
    # Someone hiding from violence needs the support measure first, not the move or 住民票 card.
    ("DVから逃げて引っ越した、住所を知られたくない", "outside-dv-shien"),
    ("元夫に住民票を見られたくない", "outside-dv-shien"),
])
def test_a_topic_the_bot_does_not_handle_gets_no_card(matcher, question, topic):
    answer = matcher.match(question)
    assert (answer.kind, answer.id) == ("intent", topic)


def test_a_topic_word_does_not_hide_the_procedure_beside_it(matcher):
    # 給食 is a topic the bot leaves to the city, 給食費 from 児童手当 is a procedure.
    assert matcher.match("給食のアレルギー対応を知りたい").id == "outside-kyushoku"
    assert matcher.match("給食費を児童手当から払いたい").id == "jidou-teate-kyushokuhi"
    # 国保税 and its benefits are left to the city; joining and leaving 国保 is a procedure,
    # even though 国民健康保険に differs from 国民健康保険税 by one character.
    assert matcher.match("国保の保険料が高い").id == "outside-kokuho-zei"
    assert matcher.match("国民健康保険に入りたい").id == "kokuho"
    # Topics beside a move, an inheritance, a tax bill: the procedure asked about still wins.
    assert matcher.match("引越しの手続きを全部知りたい").id == "hikkoshi"
    assert matcher.match("相続の手続きで戸籍謄本がほしい").id == "koseki-shomei"
    assert matcher.match("固定資産税の納付書をなくした、スマホで払える？").id == "shizei-smartphone"


def test_a_topic_not_handled_that_the_card_never_mentions_takes_the_answer(matcher):
    # 会社をやめた finds the health-insurance card (退職), but the question is on the pension.
    assert matcher.match("会社をやめました。年金はどうすれば").id == "outside-nenkin"
    # A card scored 80 or more keeps the answer (納付書をなくした、スマホで払える？ above).
    # The topic may be up to 30 points behind: 住所変更 finds the moving card strongly, the
    # pet is what the question is about (its address goes on the dog's registration).
    answer = matcher.match("ペットの住所変更はどこでするの")
    assert (answer.id, answer.suggested) == ("outside-pet", ("hikkoshi",))


def test_a_topic_not_handled_beside_cards_is_named_rather_than_asked_about(matcher):
    # The 国保 card and the 国保税 topic come within a clarify's margin; the question names
    # the tax, which the card never mentions: "which one?" would offer only the wrong card.
    answer = matcher.match("社会保険に加入しているのに、国民健康保険税の納税通知書が届くのはなぜですか")
    assert (answer.kind, answer.id) == ("intent", "outside-kokuho-zei")


def test_a_keyword_of_words_apart_meets_them_anywhere_in_the_question(matcher):
    # The moving card's keyword 住民票…移: the words apart, any verb form, any order.
    for question in ("住民票はいつまでに移せばいいですか", "就職で東京へ。住民票は必ず移さないとだめ？",
                     "移した住民票は戻せますか"):
        answer = matcher.match(question)
        assert (answer.kind, answer.id) == ("procedure", "hikkoshi"), question
        assert "住民票…移" in answer.candidates[0].found
    assert matcher.match("住民票を取りたい").id == "juminhyo"  # one word alone is not it
    # Joined, its words are no text a question could resemble (固定資産税…被害 is not
    # 固定資産税の支払い方法): only the whole keywords and examples are compared whole.
    assert all("…" not in text for *_, texts in matcher._choices for text in texts)


def test_the_thing_a_resident_says_they_do_not_mean_is_not_answered(matcher):
    # 子どもの医療費 alone is a topic not handled; the resident wants the nursery certificate.
    assert matcher.match("子どもの医療費").id == "outside-iryo"
    answer = matcher.match("子どもの医療費じゃなくて保育の認定を受けたい")
    assert (answer.kind, answer.id) == ("procedure", "kodomo-shikyu-nintei")
    assert answer.text == "子どもの医療費じゃなくて保育の認定を受けたい"  # kept as asked


def test_two_topics_not_handled_and_nothing_else_get_one_refusal_not_a_question(matcher):
    # School health check-ups: the school topic or the health one? Both replies say this
    # bot does not handle it; "which one?" would only offer two refusals.
    question = "就学児健診の日程が決まっているなら早く知らせてほしいです。"
    _, ranked = matcher.rank(question)
    first, second = ranked[:2]
    assert {first.id, second.id} == {"intent:outside-kyushoku", "intent:outside-kenko"}
    assert first.score - second.score <= matcher.thresholds.clarify_margin  # close enough to ask
    answer = matcher.match(question)
    assert (answer.kind, answer.id) == ("intent", first.id.removeprefix("intent:"))


def test_a_topic_close_only_by_its_likeness_leaves_the_named_card(matcher):
    # 児童扶養手当's application is not handled here (only its 現況届 is); 児童手当's is, and
    # one character apart, the topic comes close: the card whose words were written wins.
    assert matcher.match("児童扶養手当の申請方法を教えて").id == "outside-hitorioya"
    assert matcher.match("児童手当の申請方法を教えて").id == "jidou-teate-nintei"
    assert matcher.match("児童扶養手当の現況届はいつまで").id == "jidou-fuyou-genkyo"


def test_a_topic_not_handled_offers_the_card_next_to_it(matcher):
    # Passports are not handled here; the 戸籍 certificate the question names is, one tap away.
    answer = matcher.match("パスポートの申請に戸籍謄本は必要ですか")
    assert (answer.kind, answer.id) == ("intent", "outside-passport")
    assert answer.suggested == ("koseki-shomei",)
    assert answer.as_dict()["candidates"] == ["koseki-shomei"]
    # A card found only by what is done (なくした) is not offered beside the thing lost.
    assert matcher.match("在留カードをなくした").suggested == ()
    # Nothing of a procedure in the question: the topic alone.
    assert matcher.match("犬を飼い始めた").suggested == ()
    # ... nor a card whose word is the tail of a longer one: 支援金 in 後期高齢者支援金.
    assert matcher.match("後期高齢者支援金とは何ですか").suggested == ()


def test_a_card_names_its_close_runners_up(matcher):
    # Within suggest_within of the card answered, procedures only, best first.
    answer = matcher.match("印鑑証明をコンビニで取りたい")
    assert (answer.kind, answer.id, answer.suggested) == ("procedure", "inkan-shomei", ("konbini-kofu",))
    assert answer.as_dict()["candidates"] == ["konbini-kofu"]
    assert matcher.match("住民票がほしい").suggested == ()


def test_a_short_kana_keyword_must_start_a_word_of_the_question(matcher):
    # ストーカー folds to ストカ, which デイサービスとか (デイサビストカ) holds across two words.
    _, ranked = matcher.rank("母がデイサービスとか使えるか知りたい")
    assert not any("ストーカー" in e for c in ranked for e in c.evidence)
    assert matcher.match("ストーカーに住所を知られたくない").id == "outside-dv-shien"


@pytest.mark.parametrize("question", ["バカ", "ばか", "ﾊﾞｶ"])
def test_one_shared_bigram_is_no_evidence(matcher, question):
    # マイナンバーカード folds to マイナンバカド (long vowels dropped): it holds バカ.
    assert matcher.match(question).kind == "fallback"


def test_a_kanji_keyword_read_across_two_words_is_not_found(matcher):
    # 出生 reads シユツシヨウ, and so does the middle of 転出証明書 (テン|シユツ|シヨウメイ).
    _, ranked = matcher.rank("転出証明書をなくしました")
    assert not any(e.startswith("ことば") and "出生" in e for c in ranked for e in c.evidence)
    # ... but a keyword typed in kana, or with other okurigana, is still found by its reading.
    _, ranked = matcher.rank("しゅっしょうとどけをだしたのでじどうてあてをもらいたい")
    assert any(e.startswith("ことば") and "出生" in e for c in ranked for e in c.evidence)


def test_a_kanji_keyword_is_not_found_in_other_kanji_read_the_same(matcher):
    # 改姓 (a name change, jidou-teate-henko-todoke) and 改正 both read カイセイ.
    _, ranked = matcher.rank("制度改正で児童手当をもらえるようになりました")
    assert not any(e.startswith("ことば") and "改姓" in e for c in ranked for e in c.evidence)
    # ... written in kana it is the resident's word, and 引越し still meets 引っ越し.
    _, ranked = matcher.rank("かいせいしたので児童手当の届けを出したい")
    assert any(e.startswith("ことば") and "改姓" in e for c in ranked for e in c.evidence)
    assert matcher.match("引越しで住民票を移したい").id == "hikkoshi"


def test_a_keyword_met_with_a_kanji_missing_is_another_word(matcher):
    # 犬が亡くなった (the pet topic) and 夫が亡くなった differ by one kanji only.
    assert matcher.match("夫が亡くなった").id == "okuyami"
    assert matcher.match("祖父が亡くなった").id == "okuyami"
    assert matcher.match("犬が亡くなった").id == "outside-pet"


@pytest.mark.parametrize(("question", "expected"), [
    ("親が亡くなった場合、どんな手続きが必要ですか", "okuyami"),
    ("ちちがなくなりました", "okuyami"),
    ("夫が死んだ", "okuyami"),  # not the pet topic's 犬が死んだ, one character away
    # 他界した becomes 亡くなった (intents/synonyms.yaml): オット is still no typo of ペット.
    ("夫が他界した", "okuyami"),
    ("うちの犬が死にました", "outside-pet"),
    ("児童手当を受け取っていた夫が亡くなった", "jidou-teate-mishiharai"),
    ("実印を紛失したらどうすればいい", "inkan-touroku"),
    ("実印の証明がほしい", "inkan-shomei"),
])
def test_whose_death_and_which_seal(matcher, question, expected):
    # A family member's death is the おくやみ card; 実印 is the registered seal itself (the
    # registration card), 実印の証明 its certificate.
    assert matcher.match(question).id == expected


def test_a_keyword_seen_twice_through_a_synonym_counts_once(matcher):
    # 実印の証明 is nearly 印鑑証明: one word, not two.
    _, ranked = matcher.rank("コンビニで住民票や印鑑証明を取りたい")
    inkan = next(c for c in ranked if c.id == "inkan-shomei")
    assert not any("実印の証明" in e for e in inkan.evidence)


def test_a_word_written_exactly_is_not_also_its_longer_neighbour(matcher):
    # 国民健康保険 is nearly 国民健康保険税 (a topic not handled): the question wrote the first.
    _, ranked = matcher.rank("国民健康保険に入るのは義務ですか")
    tax = next(c for c in ranked if c.id == "intent:outside-kokuho-zei")
    assert tax.found == ()
    _, ranked = matcher.rank("国民健康保険税を払う")
    assert next(c for c in ranked if c.id == "intent:outside-kokuho-zei").found == ("国民健康保険税",)
    # ... while 非課税証明書 (one more character) still gives way to the 課税証明書 written.
    _, ranked = matcher.rank("課税証明書 コンビニ")
    assert "課税証明書" in next(c for c in ranked if c.id == "shotoku-kazei-shomei").found


def test_a_reading_one_sound_away_is_a_typo_only_in_kana(matcher):
    # マイナンバーカードの交付 (…コウフ) is one sound from マイナンバーカードの更新 (…コウシン).
    _, ranked = matcher.rank("マイナンバーカードの更新はいつからできる")
    shinsei = next(c for c in ranked if c.id == "mynumber-card-shinsei")
    assert not any("交付" in e for e in shinsei.evidence)
    assert matcher.match("マイナンバーカードの更新はいつからできる").id == "mynumber-card-koushin"


def test_the_card_that_speaks_of_every_word_asked_about_wins(matcher):
    # 要介護認定 alone is the first application; with 引越し it is the card for moving.
    _, ranked = matcher.rank("引越しするときの要介護認定の手続き")
    general = next(c for c in ranked if c.id == "kaigo-nintei")
    assert general.unexplained == ("引越し",)
    assert matcher.match("引越しするときの要介護認定の手続き").id == "kaigo-tennyu-nintei"


def test_with_no_more_specific_card_the_best_one_stays(matcher):
    # No card speaks of both 引越し and 印鑑証明: the 印鑑証明 card is still the answer.
    answer = matcher.match("引越し 印鑑証明")
    assert answer.id == "inkan-shomei"
    assert answer.candidates[0].unexplained == ("引越し",)


def test_a_card_found_only_by_what_is_done_gives_way_to_the_thing_named(matcher):
    # 紛失 and 再発行 say what happened, not to what: the lost card's words, but 接種券 is
    # the health topic's, which the bot leaves to the city.
    _, ranked = matcher.rank("接種券を紛失したので再発行してほしい")
    assert ranked[0].id == "mynumber-card-funshitsu"
    assert matcher.match("接種券を紛失したので再発行してほしい").id == "outside-kenko"
    # Where the card's own thing is named, the card stays.
    assert matcher.match("マイナンバーカードを紛失したので再発行してほしい").id == "mynumber-card-funshitsu"


@pytest.mark.parametrize(("question", "expected"), [
    ("印鑑登録証を紛失しました", "inkan-touroku"),  # its note: the registration is made again
    ("転出証明書を失くしてしまった", "outside-tenshutsu-shomei"),  # the former town issues it
    ("転出証明書はどこでもらえる", "hikkoshi"),  # getting one is part of moving
])
def test_a_lost_paper_goes_to_whoever_issues_it_again(matcher, question, expected):
    assert matcher.match(question).id == expected
    # The topic's texts are mostly 転出証明書: 証明書 alone must still ask which certificate.
    assert matcher.match("証明書").kind == "clarify"


PAYING_CARDS = {"shizei-konbini", "shizei-smartphone", "shizei-kouza-furikae", "chihouzei-qr"}


@pytest.mark.parametrize("question", ["固定資産税の支払い方法は？", "税金の払い方", "税金はどこで払えますか",
                                      "納税通知書が届いた。どこで払える？"])
def test_how_to_pay_a_tax_gets_the_ways_to_pay(matcher, question):
    # Not the topics of a tax's amount or of not being able to pay, which also name the bill.
    answer = matcher.match(question)
    offered = {answer.id} if answer.kind == "procedure" else {c.id for c in answer.candidates}
    assert offered and offered <= PAYING_CARDS


@pytest.mark.parametrize(("question", "topic"), [("税金が払えない", "outside-nouzei-soudan"),
                                                 ("納税通知書の金額が高い", "outside-zeigaku")])
def test_a_tax_that_cannot_be_paid_or_seems_too_high_is_still_not_handled(matcher, question, topic):
    assert matcher.match(question).id == topic


@pytest.mark.parametrize(("question", "expected"), [
    ("オンラインでできる手続きは？", "mynaportal"),  # not the online consultation
    ("子育ての手続きをオンラインで", "mynaportal"),
    ("児童手当の手続きはオンラインでできますか", "jidou-teate-nintei"),  # a named procedure stays
    ("土日に開いてる窓口はありますか", "intent:contact"),  # the reply: hours not confirmed, call
    ("日曜に住民票がほしい", "juminhyo"),
])
def test_what_can_be_done_online_and_when_the_counter_is_open(matcher, question, expected):
    answer = matcher.match(question)
    assert (answer.id if answer.kind == "procedure" else f"{answer.kind}:{answer.id}") == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("子ども手当をもらいたい", "jidou-teate-nintei"),  # the allowance's name of 2010-2012
    ("母が認知症になった", "kaigo-nintei"),  # the first step is the care-need certification
    ("認知症の相談をしたい", "outside-kaigo-hokenryo"),  # advice itself is not handled here
])
def test_the_words_residents_use_for_a_procedure_they_do_not_name(matcher, question, expected):
    assert matcher.match(question).id == expected
