"""Year over year (issue 10 §6): the figures of several events side by side, matched by label.

Built from each event's ``registration.reports.applicants_table`` (handed over by the console,
the event layer does not import registration); the workbook is written by
``core.spreadsheets``. A row an event does not have (a venue added later) is blank there,
never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core import spreadsheets
from app.core.spreadsheets import Column


def compare(years: Sequence[tuple[str, dict]]) -> dict:
    """``years``: (年度 label, applicants_table) oldest first.

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
    return {"years": labels, "registrations": registrations, "venues": list(venues.values())}


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
    return book.to_bytes()
