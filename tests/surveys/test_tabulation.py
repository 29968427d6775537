"""The tabulation module against small hand-computed cases (no app, no database)."""

import math

import pytest

from app.events.demo import TRAINING1_PROGRAMME, TRAINING2_PROGRAMME
from app.surveys.definition import build_definition
from app.surveys.tabulation import (
    RateBase,
    answers_frame,
    encode_answers,
    format_cell,
    frame_from_codes,
    rates_table,
    tabulate,
)


@pytest.fixture(scope="module")
def d():
    return build_definition(
        [r[3] for r in TRAINING1_PROGRAMME if r[3]],
        [r[3] for r in TRAINING2_PROGRAMME if r[3]],
        ["東京会場", "大阪会場"],
    )


def codes_frame(d, records):
    """The frame as the app builds it from stored codes (None when an answer is not encodable)."""
    encoded = [
        encode_answers(d, {k: v for k, v in r.items() if not k.startswith("_")}) for r in records
    ]
    return frame_from_codes(
        d,
        [r.get("_id", i) for i, r in enumerate(records, 1)],
        [r.get("_channel") for r in records],
        [codes for codes, _rest in encoded],
        [rest for _codes, rest in encoded],
    )


def run(d, records, denominators=None):
    """The tabulation from the JSON records; every figure the same from the stored codes."""
    tab = tabulate(d, answers_frame(records), denominators)
    frame = codes_frame(d, records)
    if frame is not None:
        assert repr(tabulate(d, frame, denominators)) == repr(tab)
    return tab


def row(table, label_start):
    return next(r for r in table.rows if str(r[0]).startswith(label_start))


# Six answers. F3: 1 (Ⅰ only) ×3, 2 (Ⅱ東京 only) ×1, 4 (Ⅰ+Ⅱ東京) ×2.
RECORDS = [
    {
        "_id": 1,
        "_channel": "qr",
        "F1": 4,
        "F3": 1,
        "F2": [4, 5],
        "Q1_1_1_c": 1,
        "Q1_1_1_t": 1,
        "Q4": 1,
    },
    {
        "_id": 2,
        "_channel": "qr",
        "F1": 4,
        "F3": 1,
        "F2": [4],
        "Q1_1_1_c": 2,
        "Q1_1_1_t": 3,
        "Q4": 2,
    },
    {"_id": 3, "_channel": "chat", "F1": 1, "F3": 1, "Q1_1_1_c": 5, "Q1_1_1_t": 5, "Q4": 2},
    {
        "_id": 4,
        "_channel": "paper",
        "F1": 19,
        "F3": 2,
        "F2": [9],
        "F2_other": "社会福祉士",
        "Q1_2_5_c": 1,
    },
    {
        "_id": 5,
        "_channel": "mail",
        "F1": 2,
        "F3": 4,
        "Q1_1_1_c": 1,
        "Q1_1_1_t": 3,
        "Q1_1_1": "3．とても良かった",
        "Q1_2_5_c": 3,
        "Q4": 1,
    },
    {
        "_id": 6,
        "_channel": "excel",
        "F1": 7,
        "F3": 4,
        "Q1_1_1_t": 4,
        "Q1_1_1": "医政局の説明が参考になった",
        "Q1_1_1_row": 1,
        "Q8": "特になし",
    },
]


def test_n_rates_and_channels(d):
    tab = run(d, RECORDS, {"t1": 10, "t2": 4, "all": 12})
    assert tab.n == 6
    rates = tab.table("rates").rows
    assert rates[0][1:] == [6, 10, 60.0]
    assert rates[1][1:] == [5, 10, 50.0]  # F3 ∈ {1, 4, 5}
    assert rates[2][1:] == [3, 4, 75.0]  # F3 ∈ {2, 3, 4, 5}
    assert rates[3][1:] == [6, 12, 50.0]
    ch = tab.table("channels")
    assert [r[1] for r in ch.rows] == [2, 1, 1, 1, 1, 6]


def test_single_choice_percent_of_valid_and_no_answer_as_count(d):
    q4 = run(d, RECORDS).table("Q4")
    assert row(q4, "1.")[1:] == [2, 50.0]
    assert row(q4, "2.")[1:] == [2, 50.0]
    assert row(q4, "合計")[1] == 4
    assert row(q4, "無回答")[1:] == [2, None]


def test_f1_grouped(d):
    g = run(d, RECORDS).table("F1_group")
    assert [r[1] for r in g.rows[:6]] == [
        1,
        1,
        2,
        1,
        1,
        0,
    ]  # 都道府県 保健所 市町村 関係団体 コーディ その他
    assert math.isclose(row(g, "3. 市町村")[2], 100 * 2 / 6)


def test_f2_over_respondents_may_exceed_100(d):
    f2 = run(d, RECORDS).table("F2")
    # 3 respondents chose something: [4,5], [4], [9]
    assert row(f2, "4. 保健師")[1:] == [2, pytest.approx(200 / 3)]
    assert row(f2, "5. 看護師")[1:] == [1, pytest.approx(100 / 3)]
    assert row(f2, "回答者数")[1] == 3
    assert row(f2, "無回答")[1] == 3
    assert sum(r[2] for r in f2.rows[:9]) > 100


def test_rating_row_content_scale(d):
    t = run(d, RECORDS).table("Q1_1_content")
    r = row(t, "1. 行政説明（老健局）")
    # Base: the 5 who attended Ⅰ (ids 1,2,3,5,6); valid ⓵: 1,2,5,1 → 4; 無回答 1 (id 6).
    assert r[1:3] == [4, 1]
    assert r[3:8] == [50.0, 25.0, 0.0, 0.0, 25.0]
    assert r[8] == 75.0  # 肯定的評価
    scores = [5, 4, 1, 5]
    mean = sum(scores) / 4
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / 3)
    assert r[9] == pytest.approx(mean) and r[10] == pytest.approx(sd)
    # The Ⅱ-only respondent (id 4) is not in the base of 問1-1.
    assert row(t, "2. 行政説明（医政局）")[1:3] == [0, 5]
    assert row(t, "2.")[9] is None


def test_time_scale_sides_never_averaged(d):
    t = run(d, RECORDS).table("Q1_1_time")
    assert "平均" not in t.columns
    r = row(t, "1. 行政説明（老健局）")
    # ② answers: 1, 3, 5, 3, 4 → n 5
    assert r[1:3] == [5, 0]
    assert r[-3:] == [20.0, 40.0, 40.0]  # 長い側 / 適切 / 短い側


def test_rating_chart_labels_carry_n(d):
    tab = run(d, RECORDS)
    chart = next(c for c in tab.charts if c.id == "Q1_1_content")
    assert chart.labels[0] == "行政説明（老健局）（n=4）"
    assert chart.values[0] == [50.0, 25.0, 0.0, 0.0, 25.0]
    assert chart.series[0] == "参考になった"


def test_crosstab_row_percent_n_total_and_empty_groups(d):
    t = run(d, RECORDS).table("x_F1区分_Q4")
    assert t.columns[:2] == ["F1区分", "n"]
    muni = row(t, "市町村")
    assert muni[1:] == [2, 50.0, 50.0]
    empty = row(t, "その他")
    assert empty[1:] == [0, None, None]  # no answers: n 0, no percentages
    total = row(t, "全体")
    assert total[1:] == [4, 50.0, 50.0]
    idx = t.rows.index(empty)
    assert idx in t.small_rows and t.rows.index(total) in t.total_rows
    assert t.rows.index(total) in t.small_rows  # 4 < 5
    assert format_cell(empty[2], "pct") == "—"


def test_positive_crosstab_by_f3(d):
    t = run(d, RECORDS).table("x_F3_Q1_1")
    only1 = row(t, "研修会議Ⅰのみ参加")
    assert only1[1] == 3 and only1[2] == pytest.approx(200 / 3)  # 1,2,5 → 2 of 3
    assert row(t, "研修会議Ⅱ（東京会場）のみ参加")[1:3] == [0, None]


def test_crosstab_by_channel(d):
    t = run(d, RECORDS).table("x_回答経路_F3")
    assert row(t, "画面QR")[1:4] == [2, 100.0, 0.0]
    assert row(t, "全体")[1] == 6


def test_free_text_with_the_row_it_mentions(d):
    texts = run(d, RECORDS).texts
    by_id = {(t.key, t.response_id): t for t in texts}
    assert by_id[("Q1_1_1", 5)].row == 3  # 「3．」 at the start
    assert by_id[("Q1_1_1", 6)].row == 1  # chosen in the form, wins over the text
    assert by_id[("Q8", 6)].text == "特になし"
    assert by_id[("Q8", 6)].question.startswith("問8")


def test_empty_event(d):
    tab = run(d, [])
    assert tab.n == 0
    assert row(tab.table("F1"), "合計")[1:] == [0, None]


def test_format_cell():
    assert format_cell(12.345, "pct") == "12.3"
    assert format_cell(1234, "n") == "1,234"
    assert format_cell(None, "mean") == "—"


NAMES = {"t1": "研修会議Ⅰ", "t2": "研修会議Ⅱ"}


@pytest.mark.parametrize(
    ("t2_base", "t2_answers", "label", "note"),
    [
        (RateBase(88), 80, "研修会議Ⅱ参加者（F3で参加と回答）", None),
        (
            RateBase(88),
            96,
            "研修会議Ⅱ参加者（F3で参加と回答）※1",
            "※1 回収率が100%を超えています（96件／88人）。基数は研修会議Ⅱの参加団体の参加者88人です。"
            "回答数はF3で研修会議Ⅱに参加したと回答した人数です。",
        ),
        (
            RateBase(88, undecided="選定中の3団体（15人）"),
            60,
            "研修会議Ⅱ参加者（F3で参加と回答）※1",
            "※1 基数は研修会議Ⅱの参加団体の参加者88人で、選定中の3団体（15人）は参加が決まって"
            "いないため含めていません。回答数はF3で研修会議Ⅱに参加したと回答した人数です。"
            "回収率は参考値です。",
        ),
        (88, 88, "研修会議Ⅱ参加者（F3で参加と回答）", None),  # exactly 100 %: no note
        (None, 96, "研修会議Ⅱ参加者（F3で参加と回答）", None),  # no base, no rate
    ],
)
def test_a_rate_over_100_or_on_an_undecided_base_carries_its_base(t2_base, t2_answers, label, note):
    table = rates_table(NAMES, 100, 50, t2_answers, {"t1": 200, "t2": t2_base})
    t2_row = table.rows[2]
    assert t2_row[0] == label
    lines = table.note.split("\n")
    assert lines[0].startswith("回収率の基数：")
    assert lines[1:] == ([note] if note else [])
    assert all(r[0].endswith("）") for r in (table.rows[0], table.rows[1], table.rows[3]))


def test_the_frame_keeps_codes_as_integers_and_text_as_typed():
    """answers_frame reads each answer once: codes become int64 (0 = 無回答), text stays text
    even when it is digits, lists stay lists, and a key missing in one answer is missing."""
    frame = answers_frame(
        [
            {"_id": 1, "F1": 4, "Q8": "123", "F2": [1, 3]},
            {"_id": 2, "Q8": "ありがとうございました。", "Q6_1": "PDCA"},
            {"_id": 3, "F1": 7, "F2": []},
        ]
    )
    assert str(frame["F1"].dtype) == "int64" and frame["F1"].tolist() == [4, 0, 7]
    assert frame["Q8"].tolist() == ["123", "ありがとうございました。", None]
    assert frame["Q6_1"].tolist() == [None, "PDCA", None]
    assert frame["F2"].tolist() == [[1, 3], None, []]
    assert frame["_channel"].isna().all()


def test_the_codes_hold_every_choice_and_leave_the_text_beside_them(d):
    """One character per single choice ("0" = 無回答), "0"/"1" per option of F2 and the months;
    free text and 「その他」 text stay in the rest; a value no code can hold gives no codes."""
    answer = {
        "F1": 4,
        "F3": 1,
        "F2": [1, 9],
        "F2_other": "社会福祉士",
        "Q2_months": [12],
        "Q8": "x",
    }
    codes, rest = encode_answers(d, answer)
    assert codes.startswith("4") and codes[codes_position(d, "F3")] == "1"
    f2 = codes_position(d, "F2")
    assert codes[f2 : f2 + 9] == "100000001"
    assert rest == {"F2_other": "社会福祉士", "Q8": "x"}
    assert encode_answers(d, {"F1": "4"}) == (None, None)  # text where a code belongs
    assert encode_answers(d, {"F2": [1, 1]}) == (None, None)  # a repeated option
    assert encode_answers(d, {"F2": [10]}) == (None, None)  # not an option of F2


def codes_position(d, key):
    from app.surveys.tabulation import code_layout

    pos = 0
    for k, width in code_layout(d):
        if k == key:
            return pos
        pos += width or 1
    raise KeyError(key)


def test_the_codes_frame_gives_every_figure_of_many_generated_answers(d):
    """2,000 varied answers (every item, 無回答, lists, comments with and without a row): the
    tabulation from the codes equals the one from the JSON, figure by figure (``run``)."""
    import random

    rnd = random.Random(12)
    records = []
    for i in range(1, 2001):
        f3 = rnd.choice([None, 1, 2, 3, 4, 5])
        a = {"_id": i, "_channel": rnd.choice(["qr", "chat", "mail", "excel", "paper"])}
        if rnd.random() < 0.95:
            a["F1"] = rnd.randint(1, 23)
        if f3:
            a["F3"] = f3
        if rnd.random() < 0.8:
            a["F2"] = sorted(rnd.sample(range(1, 10), rnd.randint(0, 3)))
        for key, rows in (("Q1_1", 9), ("Q1_2", 6)):
            for r in range(1, rows + 1):
                if rnd.random() < 0.7:
                    a[f"{key}_{r}_c"] = rnd.randint(1, 5)
                if rnd.random() < 0.7:
                    a[f"{key}_{r}_t"] = rnd.randint(1, 5)
            if rnd.random() < 0.2:
                a[f"{key}_1"] = rnd.choice(["2．良かった", "特になし", "行政説明が参考になった"])
                if rnd.random() < 0.5:
                    a[f"{key}_1_row"] = rnd.randint(1, 3)
        if rnd.random() < 0.7:
            a["Q2_months"] = sorted(rnd.sample(range(1, 13), rnd.randint(0, 3)))
        for key, k in (("Q3_1", 3), ("Q3_2", 3), ("Q4", 2), ("Q5", 2)):
            if rnd.random() < 0.9:
                a[key] = rnd.randint(1, k)
        if rnd.random() < 0.1:
            a["Q8"] = "ありがとうございました。"
        records.append(a)
    assert codes_frame(d, records) is not None
    tab = run(d, records, {"t1": 1533, "t2": 103, "all": 1600})
    assert tab.n == 2000 and tab.texts


def test_an_answer_without_codes_sends_the_frame_back_to_the_json(d):
    """codes of another length (a layout that changed) or none at all: no frame from codes."""
    codes, rest = encode_answers(d, {"F1": 4})
    assert frame_from_codes(d, [1], ["qr"], [codes], [rest]) is not None
    assert frame_from_codes(d, [1], ["qr"], [codes + "0"], [rest]) is None
    assert frame_from_codes(d, [1, 2], ["qr", "qr"], [codes, None], [rest, None]) is None
