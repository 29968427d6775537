"""Chart labels are wrapped by the Japanese line-breaking rules (pure, no app)."""

import pytest

from app.events.demo import TRAINING1_PROGRAMME, TRAINING2_PROGRAMME
from app.surveys.charts import NO_LINE_END, NO_LINE_START, text_width, wrap_label
from app.surveys.definition import build_definition


@pytest.mark.parametrize(
    ("label", "width", "lines"),
    [
        ("行政説明（老健局）（n=25）", 21, ["行政説明（老健局）（n=25）"]),
        # the n stays whole on the next line: never 「（n=2」「5）」 nor 「（」「n=25）」
        (
            "シンポジストによるディスカッション（n=25）",
            21,
            ["シンポジストによるディスカッション", "（n=25）"],
        ),
        (
            "事例発表（②都道府県の立場から）（n=1,234）",
            21,
            ["事例発表（②都道府県の立場から）", "（n=1,234）"],
        ),
        # 「・」 never starts a line: it stays with 「療」
        (
            "基調講演（PDCAサイクルに沿った在宅医療・介護連携推進事業の具体的方策について）（n=25）",
            21,
            [
                "基調講演（PDCAサイクルに沿った在宅医療・",
                "介護連携推進事業の具体的方策について）",
                "（n=25）",
            ],
        ),
        # 「）」 never starts a line: it goes with the character before it
        ("あいうえおかきくけこ（さしすせ）", 15, ["あいうえおかきくけこ（さしす", "せ）"]),
        (
            "あいうえおかきくけこさしすせそ）たちつてと",
            15,
            ["あいうえおかきくけこさしすせ", "そ）たちつてと"],
        ),
        # an opening bracket never ends a line
        ("あいうえおかきくけこさしすせ（そ）", 15, ["あいうえおかきくけこさしすせ", "（そ）"]),
        # 、。」 and small kana / ー stay on the line before
        ("あいうえおかきくけこさしすせそ。", 15, ["あいうえおかきくけこさしすせ", "そ。"]),
        ("あいうえおかきくけこさしすせ」、そ", 15, ["あいうえおかきくけこさしす", "せ」、そ"]),
        (
            "在宅医療・介護連携推進事業に係るコーディネーター",
            21,
            ["在宅医療・介護連携推進事業に係るコーディ", "ネーター"],
        ),
        ("", 21, [""]),
        # a Latin word is not cut unless longer than a line
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 5, ["ABCDEFGHI", "JKLMNOPQR", "STUVWXYZ"]),
    ],
)
def test_wrap_label(label, width, lines):
    assert wrap_label(label, width) == lines
    assert "".join(lines) == label


def chart_labels() -> list[str]:
    """Every label a chart of the FY2023 questionnaire can show, with a four-digit n."""
    definition = build_definition(
        [r[3] for r in TRAINING1_PROGRAMME if r[3]],
        [r[3] for r in TRAINING2_PROGRAMME if r[3]],
        ["東京会場", "大阪会場"],
    )
    labels = [o.label for q in definition.questions for o in q.options]
    labels += [f"{row}（n=1,234）" for q in definition.questions for row in q.rows]
    return labels


@pytest.mark.parametrize("width", [8, 10, 13, 17, 21])
def test_no_chart_label_breaks_against_the_rules(width):
    for label in chart_labels():
        lines = wrap_label(label, width)
        assert "".join(lines) == label
        for i, line in enumerate(lines):
            assert line and text_width(line) <= width, lines
            assert i == 0 or line[0] not in NO_LINE_START, lines
            assert i == len(lines) - 1 or line[-1] not in NO_LINE_END, lines
        if "（n=" in label:
            assert lines[-1].endswith("（n=1,234）"), lines


def test_text_width_counts_latin_narrower():
    assert text_width("研修") == 2.0 and text_width("n=25") == pytest.approx(2.2)
