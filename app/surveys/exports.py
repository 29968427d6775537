"""Downloads of the questionnaire (pure: openpyxl, csv): the Excel report, raw answers (xlsx,
CSV) and the free text. The PDF report is in pdf.py (it renders a template)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Alignment, Font, PatternFill

from app.core.jpdates import to_jst
from app.surveys.charts import chart_png
from app.surveys.definition import CHANNEL_SHORT, Definition
from app.surveys.tabulation import Tabulation

HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
SMALL_FILL = PatternFill("solid", fgColor="FCE4D6")
NUMBER_FORMATS = {"n": "#,##0", "pct": "0.0", "mean": "0.00", "sd": "0.00"}


def answer_columns(definition: Definition) -> list[tuple[str, str]]:
    """(key, column heading) of the raw answers, in form order."""
    cols = [("_id", "回答ID"), ("_channel", "回答経路"), ("_at", "回答日時")]
    for q in definition.questions:
        num = q.number.rstrip(".")
        if q.kind == "single":
            cols.append((q.id, f"{num} {q.label.split('（')[0]}"))
            if any(o.other for o in q.options):
                cols.append((f"{q.id}_other", f"{num} その他の内容"))
        elif q.kind == "multiple":
            cols += [(q.id, f"{num}（複数）"), (f"{q.id}_other", f"{num} その他の内容")]
        elif q.kind == "matrix":
            for i, row in enumerate(q.rows, 1):
                cols.append((f"{q.id}_{i}_c", f"{num}-{i} {row} ⓵内容"))
                cols.append((f"{q.id}_{i}_t", f"{num}-{i} {row} ②時間"))
        elif q.kind == "text":
            cols.append((q.id, f"{num}（自由記載）"))
            if q.training:
                cols.append((f"{q.id}_row", f"{num} 対象プログラム番号"))
        elif q.kind == "months":
            cols += [("Q2_months", f"{num} 希望月"), ("Q2_reason", f"{num} 理由")]
        elif q.kind == "items" or q.kind == "texts":
            cols += [(f"{q.id}_{i}", f"{num}-{i} {row}") for i, row in enumerate(q.rows, 1)]
    return cols


def _value(record: dict, key: str):
    value = record.get(key)
    if value is None:
        return None
    if key == "_channel":
        return CHANNEL_SHORT.get(value, value)
    if key == "_at":
        return to_jst(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def answers_rows(definition: Definition, records: Sequence[dict]) -> tuple[list[str], list[list]]:
    """Headings and rows of the raw answers (choices as their numbers, 無回答 blank)."""
    cols = answer_columns(definition)
    return [h for _, h in cols], [[_value(r, k) for k, _ in cols] for r in records]


def answers_csv(definition: Definition, records: Sequence[dict]) -> bytes:
    """Raw answers as CSV in UTF-8 with a BOM (opens in Excel without garbling)."""
    head, rows = answers_rows(definition, records)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(head)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "表"
    base, i = name, 2
    while name in used:
        name = f"{base[:26]}_{i}"
        i += 1
    used.add(name)
    return name


def _write_answers(wb: Workbook, definition: Definition, records: Sequence[dict]) -> None:
    ws = wb.create_sheet("回答データ")
    head, rows = answers_rows(definition, records)
    ws.append([_head(ws, h) for h in head])
    for row in rows:
        ws.append(row)


def _head(ws, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True)
    cell.fill = HEAD_FILL
    return cell


def answers_xlsx(definition: Definition, records: Sequence[dict]) -> bytes:
    """Raw answers as xlsx."""
    wb = Workbook(write_only=True)
    _write_answers(wb, definition, records)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_xlsx(
    tab: Tabulation, definition: Definition, records: Sequence[dict], heading: str
) -> bytes:
    """The Excel report: a contents sheet, one sheet per table, the charts as images, the free
    text and the raw answers."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    toc = wb.create_sheet(_sheet_name("目次", used))
    toc.column_dimensions["A"].width = 90
    toc.append([_head(toc, f"{heading}　{definition.subtitle} 集計結果")])
    toc.append([f"回答数 n={tab.n:,}"])
    toc.append([tab.caveat])
    toc.append([])
    sheets = []
    for table in tab.tables:
        sheets.append((table, _sheet_name(table.title.replace("　", " "), used)))
    for table, name in sheets:
        toc.append([f"{name}：{table.title}"])
    toc.append(["グラフ：各グラフ（画像）"])
    toc.append(["自由記載：自由記載の一覧"])
    toc.append(["回答データ：回答の一覧（選択肢は番号）"])
    for table, name in sheets:
        ws = wb.create_sheet(name)
        ws.column_dimensions["A"].width = 48
        ws.append([_head(ws, table.title)])
        ws.append([_head(ws, c) for c in table.columns])
        for i, row in enumerate(table.rows):
            cells = []
            for value, kind in zip(row, table.kinds, strict=True):
                label = value
                if kind == "label" and i in table.small_rows:
                    label = f"{value}※"
                cell = WriteOnlyCell(ws, value=label)
                if kind in NUMBER_FORMATS and value is not None:
                    cell.number_format = NUMBER_FORMATS[kind]
                if i in table.total_rows:
                    cell.font = Font(bold=True)
                if i in table.small_rows:
                    cell.fill = SMALL_FILL
                cells.append(cell)
            ws.append(cells)
        ws.append([])
        if table.note:
            ws.append([table.note])
        ws.append([tab.caveat])
    charts = wb.create_sheet(_sheet_name("グラフ", used))
    anchor_row = 1
    for chart in tab.charts:
        image = XLImage(io.BytesIO(chart_png(chart, scale=1.5)))
        image.width, image.height = image.width / 1.5, image.height / 1.5
        image.anchor = f"A{anchor_row}"
        charts.add_image(image)
        anchor_row += int(image.height / 20) + 2
    texts = wb.create_sheet(_sheet_name("自由記載", used))
    texts.column_dimensions["A"].width = 30
    texts.column_dimensions["E"].width = 80
    texts.append(
        [_head(texts, h) for h in ("設問", "回答ID", "回答経路", "対象プログラム", "記載内容")]
    )
    wrap = Alignment(wrap_text=True, vertical="top")
    for t in tab.texts:
        cell = WriteOnlyCell(texts, value=t.text)
        cell.alignment = wrap
        row_label = f"{t.row}. {t.row_label}" if t.row else ""
        texts.append(
            [t.question, t.response_id, CHANNEL_SHORT.get(t.channel, t.channel), row_label, cell]
        )
    _write_answers(wb, definition, records)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
