"""Year over year (issue 10 §6): the figures of several events side by side, matched by label.

Built from each event's ``registration.reports.applicants_table`` and, when the surveys package
installed its hook (``SURVEY_FIGURES_KEY``, ``surveys.services.comparison_figures``), the
questionnaire's 回収数・回収率 and each rated programme row's 肯定的評価 and mean, matched by
programme title (the event layer imports neither registration nor surveys). The workbook is
written by ``core.spreadsheets``. A row an event does not have (a venue added later, a
programme row asked only one year) is blank there, never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core import spreadsheets
from app.core.spreadsheets import Column

# app.extensions key of ``figures(event) -> dict | None`` (installed by surveys.init_app).
SURVEY_FIGURES_KEY = "events.survey_figures"


def compare(years: Sequence[tuple], surveys: Sequence[dict | None] | None = None) -> dict:
    """``years``: (年度 label, applicants_table) oldest first; ``surveys``: each year's
    questionnaire figures (``surveys.tabulation.comparison_figures``) or None, same order.

    Returns {"years": [label], "registrations": [{"channel", "category", "values": [n|None]}],
    "venues": [{"label", "teams": [n|None], "people": [n|None], "decided": [n|None]}]};
    the registration rows are channel × 参加区分 and a 計 row per channel (channel rows in
    the order met, by the channel's short label: ウェビナー, YouTube, 研修会議Ⅰ)."""
    labels = [label for label, _ in years]
    categories: dict[str, str] = {}
    channels: list[str] = []
    counts: dict[tuple[str, str], list] = {}
    for i, (_, table) in enumerate(years):
        categories.update(dict(table["categories"]))
        for row in table["rows"]:
            if row["short"] not in channels:
                channels.append(row["short"])
            for code, n in row["counts"].items():
                counts.setdefault((row["short"], code), [None] * len(years))[i] = n
            counts.setdefault((row["short"], ""), [None] * len(years))[i] = row["total"]
    registrations = [
        {
            "channel": channel,
            "category": categories[code] if code else "計",
            "values": counts[(channel, code)],
        }
        for channel in channels
        for code in [*categories, ""]
        if (channel, code) in counts
    ]
    venues: dict[str, dict] = {}
    for i, (_, table) in enumerate(years):
        for row in table["training2"]:
            entry = venues.setdefault(
                row["label"],
                {
                    "label": row["label"],
                    "teams": [None] * len(years),
                    "people": [None] * len(years),
                    "decided": [None] * len(years),
                },
            )
            entry["teams"][i] = row["teams"]
            entry["people"][i] = row["applied"]
            entry["decided"][i] = row["decided"]
    return {
        "years": labels,
        "registrations": registrations,
        "venues": list(venues.values()),
        **compare_surveys(len(years), surveys or [None] * len(years)),
    }


def compare_surveys(count: int, surveys: Sequence[dict | None]) -> dict:
    """{"responses": [{"label", "values": [n|None]}] (回収数, then 回収率% per base, matched by
    the base's label), "ratings": [{"training", "title", "positive": [%|None], "mean": [x|None],
    "n": [n|None]}] (rated programme rows matched by question and title, in the order met,
    newest year first so this year's programme leads)}. A year without a questionnaire, or
    without the row, is None (shown 「—」)."""
    responses: dict[str, dict] = {}
    ratings: dict[tuple[str, str], dict] = {}
    if not any(surveys):
        return {"responses": [], "ratings": []}

    def row(key: str, label: str, kind: str) -> dict:
        return responses.setdefault(key, {"label": label, "kind": kind, "values": [None] * count})

    counted = row("回収数", "回収数（回答数）", "n")
    for i, figures in enumerate(surveys):
        if figures is None:
            continue
        counted["values"][i] = figures["responses"]
        for rate in figures["rates"]:
            row(rate["label"], f"回収率%（{rate['label']}）", "pct")["values"][i] = rate["rate"]
    for i in reversed(range(count)):
        figures = surveys[i]
        if figures is None:
            continue
        for r in figures["ratings"]:
            entry = ratings.setdefault(
                (r["question"], r["title"]),
                {
                    "training": r["training"],
                    "title": r["title"],
                    "positive": [None] * count,
                    "mean": [None] * count,
                    "n": [None] * count,
                },
            )
            entry["positive"][i], entry["mean"][i], entry["n"][i] = r["positive"], r["mean"], r["n"]
    order = {"Q1_1": 0, "Q1_2": 1}
    rated = sorted(ratings.items(), key=lambda item: order.get(item[0][0], 9))
    return {"responses": list(responses.values()), "ratings": [entry for _, entry in rated]}


def _rounded(value, digits: int):
    """A figure as shown on the page (one decimal for %, two for a mean), None kept."""
    if value is None:
        return None
    return round(value, digits) if digits else int(value)


def comparison_xlsx(comparison: dict) -> bytes:
    """The comparison as a workbook: 「申込者数（参加方法×参加区分）」 and 「研修会議Ⅱ 会場別」."""
    years = comparison["years"]
    numbers = [Column(y, "number", "#,##0") for y in years]
    book = spreadsheets.Book()
    book.table(
        "申込者数（参加方法×参加区分）",
        [Column("参加方法"), Column("参加区分"), *numbers],
        ([r["channel"], r["category"], *r["values"]] for r in comparison["registrations"]),
        caption=["研修会議Ⅰ 申込者数（キャンセルを除く）の年度比較"],
        notes=["空欄は、その年度にその区分がないことを示します。"],
        key_columns=2,
    )
    rows = []
    for venue in comparison["venues"]:
        rows.append([venue["label"], "申込団体数", *venue["teams"]])
        rows.append([venue["label"], "申込人数", *venue["people"]])
        rows.append([venue["label"], "参加決定人数", *venue["decided"]])
    book.table(
        "研修会議Ⅱ 会場別",
        [Column("会場"), Column("項目"), *numbers],
        rows,
        caption=["研修会議Ⅱ 会場別の団体数・人数の年度比較"],
        notes=["空欄は、その年度にその会場がないことを示します。"],
        key_columns=2,
    )
    if comparison.get("responses"):
        book.table(
            "アンケート 回収率",
            [Column("項目"), *(Column(y, "number") for y in years)],
            (
                [r["label"], *(_rounded(v, 1 if r["kind"] == "pct" else 0) for v in r["values"])]
                for r in comparison["responses"]
            ),
            caption=["参加者アンケートの回収数・回収率（%）の年度比較"],
            notes=["空欄は、その年度にアンケートまたはその基数がないことを示します。"],
            key_columns=1,
        )
    if comparison.get("ratings"):
        book.table(
            "アンケート 評価",
            [
                Column("研修"),
                Column("プログラム"),
                *(Column(f"肯定的評価% {y}", "number", "0.0") for y in years),
                *(Column(f"平均 {y}", "number", "0.00") for y in years),
            ],
            (
                [
                    r["training"],
                    r["title"],
                    *(_rounded(v, 1) for v in r["positive"]),
                    *(_rounded(v, 2) for v in r["mean"]),
                ]
                for r in comparison["ratings"]
            ),
            caption=[
                "問1 内容の評価の年度比較（プログラム名で対応）。肯定的評価＝参考になった＋"
                "やや参考になった（%）、平均は 参考になった＝5 … 参考にならなかった＝1。"
            ],
            notes=["空欄は、その年度にそのプログラムがないか、回答がないことを示します。"],
            key_columns=2,
        )
    return book.to_bytes()
