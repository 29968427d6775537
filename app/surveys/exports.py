"""Downloads of the questionnaire (pure: written by app.core.spreadsheets): the Excel report,
the raw answers (xlsx, CSV) and the free text. The PDF report is in pdf.py (it renders a
template).

Column headings of the raw answers (docs/decisions.md, Spreadsheets): the question's number
comes first and whole (「問1-1」, 「F2」); a row of a question follows in ［］ with its label
(「問1-1［1］行政説明（老健局） ⓵内容」), so a row is never read as another question (問1-1-1
is a question of its own); a part of one answer follows after a space (「問1-1-1 対象プログラム
番号」, 「F1 その他の内容」).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Sequence

from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from app.core.spreadsheets import (
    BOLD,
    Book,
    Column,
    csv_bytes,
    csv_chunks,
    stream_table_xlsx,
    write,
)
from app.surveys.charts import chart_png
from app.surveys.definition import CHANNEL_SHORT, Definition
from app.surveys.tabulation import Tabulation

SMALL_FILL = PatternFill("solid", fgColor="FCE4D6")
NUMBER_FORMATS = {"n": "#,##0", "pct": "0.0", "mean": "0.00", "sd": "0.00"}
TEXT_WIDTH = 60  # free text wraps at this width
# The Excel report holds the raw answers up to this many (FY2023: 737); beyond, they are the
# streamed 回答データ download only (docs/performance.md, Reports and exports).
RAW_IN_REPORT = 2000
CHART_COLUMN_PX = 64  # a column of the default width, in pixels
CHART_ROW_PX = 20


def answer_columns(definition: Definition) -> list[tuple[str, Column]]:
    """(key, column) of the raw answers, in form order; choices are their numbers."""
    cols: list[tuple[str, Column]] = [
        ("_id", Column("回答ID", "number")),
        ("_channel", Column("回答経路")),
        ("_at", Column("回答日時", "datetime")),
    ]
    text = {"max_width": TEXT_WIDTH}
    for q in definition.questions:
        n = q.number.rstrip(".")
        if q.kind == "single":
            cols.append((q.id, Column(f"{n} {q.label.split('（')[0]}", "number")))
            if any(o.other for o in q.options):
                cols.append((f"{q.id}_other", Column(f"{n} その他の内容", **text)))
        elif q.kind == "multiple":
            cols.append((q.id, Column(f"{n}（複数）")))
            cols.append((f"{q.id}_other", Column(f"{n} その他の内容", **text)))
        elif q.kind == "matrix":
            for i, row in enumerate(q.rows, 1):
                cols.append((f"{q.id}_{i}_c", Column(f"{n}［{i}］{row} ⓵内容", "number")))
                cols.append((f"{q.id}_{i}_t", Column(f"{n}［{i}］{row} ②時間", "number")))
        elif q.kind == "text":
            cols.append((q.id, Column(f"{n}（自由記載）", **text)))
            if q.training:
                cols.append((f"{q.id}_row", Column(f"{n} 対象プログラム番号", "number")))
        elif q.kind == "months":
            cols.append(("Q2_months", Column(f"{n} 希望月")))
            cols.append(("Q2_reason", Column(f"{n} 理由", **text)))
        elif q.kind == "items":
            cols += [
                (f"{q.id}_{i}", Column(f"{n}［{i}］{row}", "number"))
                for i, row in enumerate(q.rows, 1)
            ]
        elif q.kind == "texts":
            cols += [
                (f"{q.id}_{i}", Column(f"{n}［{i}］{row}", **text))
                for i, row in enumerate(q.rows, 1)
            ]
    return cols


def _value(record: dict, key: str):
    value = record.get(key)
    if value is None:
        return None
    if key == "_channel":
        return CHANNEL_SHORT.get(value, value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def answers_rows(
    definition: Definition, records: Sequence[dict]
) -> tuple[list[Column], list[list]]:
    """Columns and rows of the raw answers (choices as their numbers, 無回答 blank, 回答日時 the
    stored instant)."""
    cols = answer_columns(definition)
    return [c for _, c in cols], [[_value(r, k) for k, _ in cols] for r in records]


def answers_stream(definition: Definition, records: Iterable[dict], fmt: str) -> Iterator[bytes]:
    """The raw answers as ``xlsx`` or ``csv`` in chunks, rows made one at a time (the sheet of
    ``answers_xlsx`` with bounded memory: app.core.spreadsheets' write-only writer)."""
    cols = answer_columns(definition)
    columns = [c for _, c in cols]
    rows = ([_value(r, k) for k, _ in cols] for r in records)
    if fmt == "csv":
        return csv_chunks(columns, rows)
    return stream_table_xlsx("回答データ", columns, rows, key_columns=1)


def answers_csv(definition: Definition, records: Sequence[dict]) -> bytes:
    """Raw answers as CSV (UTF-8 with a BOM, CRLF, neutralised text)."""
    return csv_bytes(*answers_rows(definition, records))


def _write_answers(book: Book, definition: Definition, records: Sequence[dict]) -> None:
    columns, rows = answers_rows(definition, records)
    book.table("回答データ", columns, rows, key_columns=1)


def answers_xlsx(definition: Definition, records: Sequence[dict]) -> bytes:
    """Raw answers as xlsx: one sheet 回答データ, 回答ID repeated on every page across."""
    book = Book()
    _write_answers(book, definition, records)
    return book.to_bytes()


def _table_columns(table) -> list[Column]:
    return [
        Column(title, "text" if kind == "label" else "number", NUMBER_FORMATS.get(kind))
        for title, kind in zip(table.columns, table.kinds, strict=True)
    ]


def report_xlsx(
    tab: Tabulation, definition: Definition, records: Sequence[dict], heading: str
) -> bytes:
    """The Excel report: a contents sheet, one sheet per table, the charts as images, the free
    text and the raw answers — these while at most ``RAW_IN_REPORT`` answers; beyond, the
    contents sheet points to the raw-answers download, which streams (a sheet of 7,370 answers ×
    100 columns held in memory took 190 MB)."""
    with_raw = len(records) <= RAW_IN_REPORT
    book = Book()
    toc = book.sheet("目次")
    toc.column_dimensions["A"].width = 90
    write(toc, 1, 1, f"{heading}　{definition.subtitle} 集計結果").font = BOLD
    lines = [f"回答数 n={tab.n:,}", tab.caveat, ""]
    for table in tab.tables:
        sheet = _write_table(book, table, tab.caveat)
        lines.append(f"{sheet.ws.title}：{table.title}")
    lines += [
        "グラフ：各グラフ（画像）",
        "自由記載：自由記載の一覧",
        "回答データ：回答の一覧（選択肢は番号）"
        if with_raw
        else f"回答データ：回答数が{RAW_IN_REPORT:,}件を超えるため、この集計ファイルには含めていません。"
        "アンケートの画面の「回答データ（Excel）」からダウンロードしてください。",
    ]
    for r, line in enumerate(lines, 2):
        write(toc, r, 1, line)
    _write_charts(book, tab)
    book.table(
        "自由記載",
        [
            Column("設問", max_width=30),
            Column("回答ID", "number"),
            Column("回答経路"),
            Column("対象プログラム", max_width=30),
            Column("記載内容", width=TEXT_WIDTH + 20),
        ],
        (
            [
                t.question,
                t.response_id,
                CHANNEL_SHORT.get(t.channel, t.channel),
                f"{t.row}. {t.row_label}" if t.row else "",
                t.text,
            ]
            for t in tab.texts
        ),
    )
    if with_raw:
        _write_answers(book, definition, records)
    return book.to_bytes()


def _write_table(book: Book, table, caveat: str):
    """One table of the report: its title above, the label column frozen, small bases (n<5)
    shaded and marked ※, totals bold, its note and the caveat below."""
    rows = [
        [
            f"{v}※" if kind == "label" and i in table.small_rows else v
            for v, kind in zip(row, table.kinds, strict=True)
        ]
        for i, row in enumerate(table.rows)
    ]
    notes = [n for n in (table.note, caveat) if n]
    sheet = book.table(
        table.title.replace("　", " "),
        _table_columns(table),
        rows,
        caption=[table.title],
        notes=notes,
        key_columns=1,
    )
    for i in range(len(table.rows)):
        if i not in table.total_rows and i not in table.small_rows:
            continue
        for c in range(1, len(table.columns) + 1):
            cell = sheet.ws.cell(row=sheet.first_row + i, column=c)
            if i in table.total_rows:
                cell.font = BOLD
            if i in table.small_rows:
                cell.fill = SMALL_FILL
    return sheet


def _write_charts(book: Book, tab: Tabulation) -> None:
    """The charts as images one below the other; the print area covers them all."""
    ws = book.sheet("グラフ")
    row, widest = 1, 1
    for chart in tab.charts:
        image = XLImage(io.BytesIO(chart_png(chart, scale=1.5)))
        image.width, image.height = image.width / 1.5, image.height / 1.5
        image.anchor = f"A{row}"
        ws.add_image(image)
        row += math.ceil(image.height / CHART_ROW_PX) + 2
        widest = max(widest, math.ceil(image.width / CHART_COLUMN_PX))
    ws.print_area = f"A1:{get_column_letter(widest)}{max(row - 1, 1)}"
