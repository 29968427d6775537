"""The questionnaire's labels and options equal seed-spec.md Appendix A (with decisions.md's
corrections), and the validation rule shared by every way in."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.surveys.definition import (
    AnswerError,
    Definition,
    build_definition,
    clean_answers,
    mentioned_row,
    parse_choice,
)

# seed-spec.md Appendix A, copied verbatim.
APPENDIX_A = {
    "survey_F1": [
        "都道府県",
        "保健所（都道府県）",
        "保健所(市 特別区設置)",
        "市町村",
        "委託業者",
        "地方厚生（支）局",
        "医師会",
        "歯科医師会",
        "薬剤師会",
        "看護協会・訪問看護協議会または地域の連絡会",
        "介護支援専門員協会または地域の連絡会",
        "栄養士会または地域の連絡会",
        "理学療法士協会",
        "作業療法士協会",
        "言語聴覚士協会",
        "歯科医衛生士会",
        "医療ソーシャルワーカー協会",
        "地域包括支援センター",
        "在宅医療・介護連携推進事業に係るコーディネーター",
        "消防署",
        "大学等の教育機関",
        "民間企業",
        "その他（自由記載）",
    ],
    "survey_F2": [
        "医師",
        "歯科医師",
        "薬剤師",
        "保健師",
        "看護師",
        "歯科衛生士",
        "介護支援専門員",
        "医療ソーシャルワーカー",
        "その他（自由記載）",
    ],
    "survey_F3": [
        "研修会議Ⅰのみ参加",
        "研修会議Ⅱ（東京会場）のみ参加",
        "研修会議Ⅱ（大阪会場）のみ参加",
        "研修会議Ⅰと研修会議Ⅱ（東京会場）に参加",
        "研修会議Ⅰと研修会議Ⅱ（大阪会場）に参加",
    ],
    "scale_content": [
        "参考になった",
        "やや参考になった",
        "どちらでもない",
        "あまり参考にならなかった",
        "参考にならなかった",
    ],
    "scale_time": ["長い", "やや長い", "適切", "やや短い", "短い"],
    "q1_1_rows": [
        "行政説明（老健局）",
        "行政説明（医政局）",
        "基調講演（PDCAサイクルに沿った在宅医療・介護連携推進事業の具体的方策について）",
        "基調講演（在宅医療・介護連携を通じた行政と医師会の連携推進への期待）",
        "事例発表（⓵市町村の立場から）",
        "事例発表（②都道府県の立場から）",
        "事例発表（③コーディネーターの立場から）",
        "事例発表（④医師会の立場から）",
        "シンポジストによるディスカッション",
    ],
    "q1_2_rows": [
        "研修会議Ⅱ要旨",
        "ミニレクチャー①",
        "ミニレクチャー②",
        "参加自治体による紹介",
        "グループワーク",
        "講評",
    ],
    "q3_modes": ["対面", "オンライン", "ハイブリッド"],
    "q4": [
        "都道府県担当者等研修会議、市町村担当者等研修会議それぞれで開催してほしい",
        "都道府県・市町村担当者等研修会議としてほしい",
    ],
    "q5": ["自治体担当者のみがよい", "自治体担当者に加え地域の関係団体も含めた方がよい"],
    "q6_parts": [
        "全体テーマについて",
        "行政説明について",
        "基調講演について",
        "事例発表について",
        "その他",
    ],
    "q7_parts": ["グループワークのテーマについて", "行政説明について"],
}
# decisions.md 29: the two typos are corrected.
CORRECTIONS = {
    "保健所(市 特別区設置)": "保健所（市・特別区設置）",
    "歯科医衛生士会": "歯科衛生士会",
}


def labels(q):
    return [o.label for o in q.options]


def test_generated_from_the_programme_equals_appendix_a(definition):
    from app.surveys.definition import SCALE_CONTENT, SCALE_TIME

    expected_f1 = [CORRECTIONS.get(x, x) for x in APPENDIX_A["survey_F1"]]
    assert labels(definition.question("F1")) == expected_f1
    assert definition.question("F1").option(23).other
    assert labels(definition.question("F2")) == APPENDIX_A["survey_F2"]
    assert definition.question("F2").option(9).other
    assert labels(definition.question("F3")) == APPENDIX_A["survey_F3"]
    assert APPENDIX_A["scale_content"] == SCALE_CONTENT
    assert APPENDIX_A["scale_time"] == SCALE_TIME
    assert list(definition.question("Q1_1").rows) == APPENDIX_A["q1_1_rows"]
    assert list(definition.question("Q1_2").rows) == APPENDIX_A["q1_2_rows"]
    assert labels(definition.question("Q3")) == APPENDIX_A["q3_modes"]
    assert labels(definition.question("Q4")) == APPENDIX_A["q4"]
    assert labels(definition.question("Q5")) == APPENDIX_A["q5"]
    assert list(definition.question("Q6").rows) == APPENDIX_A["q6_parts"]
    assert list(definition.question("Q7").rows) == APPENDIX_A["q7_parts"]


def test_headings_numbers_and_closing_are_verbatim(definition):
    assert definition.subtitle == "参加者アンケート"
    assert definition.sections == {
        1: "Ⅰ．ご所属等について",
        2: "Ⅱ．研修会議について",
        3: "Ⅲ．今後の研修会議に期待することについて",
    }
    assert definition.closing == "～　御回答ありがとうございました　～"
    numbers = [q.number for q in definition.questions]
    assert numbers == [
        "F1.",
        "F2.",
        "F3.",
        "問1-1.",
        "問1-1-1.",
        "問1-2.",
        "問1-2-1.",
        "問2.",
        "問3.",
        "問4.",
        "問5.",
        "問6.",
        "問7.",
        "問8.",
    ]
    assert (
        definition.question("F3").label
        == "研修会議Ⅰ、Ⅱの参加状況を教えてください。（１つだけ・番号選択）"
    )
    assert (
        definition.question("Q1_1").label
        == "研修会議Ⅰ（※研修会議Ⅰに参加された方のみ御回答ください）"
    )
    assert definition.question("Q1_1").heading == "問1.　研修会議の内容について"
    assert "上記１～９のいずれに対するものか" in definition.question("Q1_1_1").notes[0]
    assert "上記１～６のいずれに対するものか" in definition.question("Q1_2_1").notes[0]
    assert list(definition.question("Q3").rows) == [
        "研修会議Ⅰ（講演・事例発表中心）",
        "研修会議Ⅱ（グループワーク中心）",
    ]


def test_definition_survives_json_round_trip(definition):
    import json

    again = Definition.from_dict(json.loads(json.dumps(definition.to_dict())))
    assert again == definition


def test_next_years_questionnaire_follows_next_years_programme():
    d = build_definition(["講義A", "講義B"], ["演習"], ["札幌会場", "東京会場", "福岡会場"])
    assert d.question("Q1_1").rows == ("講義A", "講義B")
    assert labels(d.question("F3"))[3] == "研修会議Ⅱ（福岡会場）のみ参加"
    assert len(d.question("F3").options) == 7
    assert "上記１～２" in d.question("Q1_1_1").notes[0]


@pytest.fixture
def d():
    from app.events.demo import TRAINING1_PROGRAMME, TRAINING2_PROGRAMME

    return build_definition(
        [r[3] for r in TRAINING1_PROGRAMME if r[3]],
        [r[3] for r in TRAINING2_PROGRAMME if r[3]],
        ["東京会場", "大阪会場"],
    )


def test_f1_and_f3_are_required_with_japanese_messages(d):
    with pytest.raises(AnswerError) as exc:
        clean_answers(d, {"F2": ["1"]})
    assert exc.value.errors == {
        "F1": "F1を選択してください。",
        "F3": "F3を選択してください。",
    }


def test_everything_else_may_be_blank(d):
    assert clean_answers(d, {"F1": "4", "F3": "1"}) == {"F1": 4, "F3": 1}


def test_branching_drops_the_training_not_attended(d):
    raw = {"F1": "4", "F3": "2", "Q1_1_1_c": "1", "Q1_1_1": "x", "Q1_2_1_c": "2", "Q1_2_1_t": "3"}
    out = clean_answers(d, raw)
    assert "Q1_1_1_c" not in out and "Q1_1_1" not in out
    assert out["Q1_2_1_c"] == 2 and out["Q1_2_1_t"] == 3


def test_wrong_options_are_refused_per_field(d):
    with pytest.raises(AnswerError) as exc:
        clean_answers(
            d, {"F1": "24", "F3": "1", "Q1_1_3_c": "6", "F2": ["1", "x"], "Q2_months": "13"}
        )
    assert set(exc.value.errors) == {"F1", "Q1_1_3_c", "F2", "Q2_months"}
    assert exc.value.errors["F1"] == "F1の選択肢にない値です。"


def test_other_text_kept_only_with_its_option(d):
    out = clean_answers(d, {"F1": "23", "F1_other": " 社会福祉協議会 ", "F3": "1", "F2_other": "x"})
    assert out == {"F1": 23, "F1_other": "社会福祉協議会", "F3": 1}


@pytest.mark.parametrize(
    ("value", "code"),
    [("4", 4), ("４", 4), ("4 市町村", 4), ("4. 市町村", 4), ("市町村", 4), (4.0, 4), ("", None)],
)
def test_parse_choice_accepts_numbers_and_labels(d, value, code):
    assert parse_choice(value, d.question("F1").options) == code


@pytest.mark.parametrize("value", ["0", "24", "4 都道府県", "市役所"])
def test_parse_choice_refuses_the_rest(d, value):
    with pytest.raises(ValueError):
        parse_choice(value, d.question("F1").options)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(alphabet="0123456789", min_size=1, max_size=4))
def test_a_form_value_is_read_as_the_same_number_with_spaces_around_it(d, value):
    """The fast path of a web form's own value (issue 12) reads what the full path reads."""
    options = d.question("F1").options

    def read(v):
        try:
            return parse_choice(v, options)
        except ValueError:
            return "refused"

    assert read(value) == read(f" {value} ")


def test_multiple_choice_from_digits_as_typed_from_paper(d):
    assert clean_answers(d, {"F1": "1", "F3": "1", "F2": "145"})["F2"] == [1, 4, 5]
    assert clean_answers(d, {"F1": "1", "F3": "1", "Q2_months": "10,11 1"})["Q2_months"] == [
        1,
        10,
        11,
    ]


def test_mentioned_row(d):
    rows = d.question("Q1_1").rows
    assert mentioned_row("３．シンポジウムが良かった", rows) == 3
    assert mentioned_row("行政説明（医政局）が参考になった", rows) == 2
    assert mentioned_row("全体に良かった", rows) is None
