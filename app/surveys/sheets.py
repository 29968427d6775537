"""The questionnaire as an Excel sheet, and reading a filled one back (pure: written by
app.core.spreadsheets, read with openpyxl).

The sheet has the same questions as the web form, a drop-down list on every choice, the labels
locked (sheet protection) and only the yellow answer cells open. A very hidden sheet ``_meta``
names the event and the cell of every answer, so a foreign workbook is recognised and every
error can name its cell. A free-text cell is read by its type: a date there is refused with its
cell, a number kept as its digits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from openpyxl.styles import Alignment, Border, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.core.spreadsheets import (
    BOLD,
    TOP,
    Book,
    CellError,
    ReadLimits,
    WorkbookError,
    read_text,
    read_workbook,
    write,
)
from app.surveys.definition import SCALE_CONTENT, SCALE_TIME, Definition

MARKER = "kenshu-desk-survey-sheet"
SHEET = "アンケート"
LISTS = "選択肢"
META = "_meta"
MARK = "○"
ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_ROWS_READ = 400
# A filled questionnaire is three small sheets: anything far bigger is not one (issue 8 §4).
SHEET_LIMITS = ReadLimits(
    sheets=5, rows=MAX_ROWS_READ, columns=30, uncompressed_bytes=5 * 1024 * 1024
)


class SheetError(Exception):
    """A workbook refused as a whole (not ours, another event, unreadable)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SheetAnswer:
    """What a filled sheet says: the raw mapping for clean_answers and each key's cell."""

    raw: dict
    cells: dict[str, str]
    errors: dict[str, str]


def definition_fingerprint(definition: Definition) -> str:
    """A short hash of the questions: a sheet of another questionnaire is refused. The notes
    of what changed and the venue codes of F3's options are left out (what a respondent
    reads is hashed, and sheets made before options had codes keep their fingerprint)."""
    data = definition.to_dict()
    data.pop("changes", None)
    for question in data["questions"]:
        for option in question.get("options", ()):
            option.pop("venue", None)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def accepted_fingerprints(definition: Definition) -> set[str]:
    """The fingerprints of this questionnaire and of each earlier version of it before venues
    were appended to F3 after the first answer (two options per venue, one note each,
    ``definition.with_venues_appended``): a sheet mailed before an addition still reads, its
    F3 codes meaning what they meant."""
    prints = {definition_fingerprint(definition)}
    f3 = definition.question("F3")
    for k in range(1, len(definition.changes) + 1):
        options = f3.options[: len(f3.options) - 2 * k]
        questions = tuple(
            replace(q, options=options) if q.id == "F3" else q for q in definition.questions
        )
        earlier = replace(definition, questions=questions, changes=definition.changes[:-k])
        prints.add(definition_fingerprint(earlier))
    return prints


def build_sheet(definition: Definition, slug: str, heading: str, url: str = "") -> bytes:
    """The xlsx of the questionnaire for the event ``slug`` (printed portrait, fit to width)."""
    book = Book()
    ws = book.sheet(SHEET)
    ws.page_setup.orientation = "portrait"  # a form, read down
    lists = book.sheet(LISTS, state="hidden")
    meta = book.sheet(META, state="veryHidden")
    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = 58
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 22
    wrap = Alignment(wrap_text=True, vertical="top")

    list_refs: dict[str, str] = {}

    def add_list(name: str, values: list[str]) -> str:
        col = len(list_refs) + 1
        letter = get_column_letter(col)
        for i, v in enumerate(values, 1):
            write(lists, i, col, v)
        ref = f"'{LISTS}'!${letter}$1:${letter}${len(values)}"
        list_refs[name] = ref
        return ref

    validations: dict[str, DataValidation] = {}

    def validation(name: str, values: list[str]) -> DataValidation:
        if name not in validations:
            dv = DataValidation(
                type="list",
                formula1=add_list(name, values),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="選択肢にない値です",
                error="プルダウンから選択してください。",
            )
            ws.add_data_validation(dv)
            validations[name] = dv
        return validations[name]

    cells: dict[str, str] = {}
    row = 1

    def line(a="", b="", *, bold=False, fill=None, height=None):
        nonlocal row
        write(ws, row, 1, a).alignment = TOP  # the number next to the first line of its text
        write(ws, row, 2, b).alignment = wrap
        if bold:
            ws.cell(row=row, column=1).font = BOLD
            ws.cell(row=row, column=2).font = BOLD
        if fill:
            for col in range(1, 5):
                ws.cell(row=row, column=col).fill = fill
        if height:
            ws.row_dimensions[row].height = height
        row += 1
        return row - 1

    def answer(key: str, col: int = 3, list_name: str | None = None, values=None, text=False):
        cell = ws.cell(row=row - 1, column=col)
        cell.fill = ANSWER_FILL
        cell.border = BOX
        cell.protection = Protection(locked=False)
        if text:
            cell.alignment = wrap
        if list_name:
            validation(list_name, values).add(cell.coordinate)
        cells[key] = cell.coordinate

    line("", heading, bold=True)
    line("", definition.title, bold=True)
    line("", definition.subtitle, bold=True)
    line("", "黄色のセルに、プルダウンから選択するか記入してください。F1とF3は必須です。")
    if url:
        line("", f"Webからも回答できます（内容は同じです）：{url}")
    section = 0
    for q in definition.questions:
        if q.section != section:
            section = q.section
            row += 1
            line("", definition.sections[section], bold=True, fill=HEAD_FILL)
        if q.heading:
            line("", q.heading, bold=True)
        title = f"{q.label}" + ("（必須）" if q.required else "")
        line(q.number.rstrip("."), title, bold=True)
        for note in q.notes[:1]:
            line("", note)
        if q.kind == "single":
            values = [f"{o.code} {o.label}" for o in q.options]
            line("", "回答（番号を選択）")
            answer(q.id, list_name=q.id, values=values)
            if any(o.other for o in q.options):
                line("", f"「{q.options[-1].label}」を選んだ場合の内容")
                answer(f"{q.id}_other", text=True)
        elif q.kind == "multiple":
            for o in q.options:
                line("", f"{o.code}. {o.label}（該当する場合は「{MARK}」）")
                answer(f"{q.id}#{o.code}", list_name="mark", values=[MARK])
            line("", f"「{q.options[-1].label}」を選んだ場合の内容")
            answer(f"{q.id}_other", text=True)
        elif q.kind == "matrix":
            line(
                "",
                "⓵内容について：" + "　".join(f"{i}.{s}" for i, s in enumerate(SCALE_CONTENT, 1)),
            )
            line("", "②時間について：" + "　".join(f"{i}.{s}" for i, s in enumerate(SCALE_TIME, 1)))
            r = line("", "プログラム", bold=True)
            write(ws, r, 3, "⓵内容について").font = BOLD
            write(ws, r, 4, "②時間について").font = BOLD
            for i, label in enumerate(q.rows, 1):
                line(str(i), label)
                answer(
                    f"{q.id}_{i}_c",
                    list_name="content",
                    values=[f"{k} {s}" for k, s in enumerate(SCALE_CONTENT, 1)],
                )
                answer(
                    f"{q.id}_{i}_t",
                    col=4,
                    list_name="time",
                    values=[f"{k} {s}" for k, s in enumerate(SCALE_TIME, 1)],
                )
        elif q.kind == "text":
            if q.training:
                rows = definition.question("Q1_1" if q.id == "Q1_1_1" else "Q1_2").rows
                line("", "どのプログラムへの御意見ですか（任意）")
                answer(
                    f"{q.id}_row",
                    list_name=f"{q.id}_row",
                    values=[f"{i} {r}" for i, r in enumerate(rows, 1)],
                )
            line("", "（自由記載）", height=60)
            answer(q.id, text=True)
        elif q.kind == "months":
            for m in range(1, 13):
                line("", f"{q.rows[0]}：{m}月（希望する場合は「{MARK}」）")
                answer(f"Q2_months#{m}", list_name="mark", values=[MARK])
            line("", q.rows[1], height=45)
            answer("Q2_reason", text=True)
        elif q.kind == "items":
            values = [f"{o.code} {o.label}" for o in q.options]
            for i, label in enumerate(q.rows, 1):
                line(str(i), label)
                answer(f"{q.id}_{i}", list_name=q.id, values=values)
        elif q.kind == "texts":
            for i, label in enumerate(q.rows, 1):
                line(str(i), label, height=45)
                answer(f"{q.id}_{i}", text=True)
    row += 1
    line("", definition.closing)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    lists.protection.sheet = True
    meta.protection.sheet = True
    head = [(MARKER, 1), ("event", slug), ("definition", definition_fingerprint(definition))]
    for i, (key, value) in enumerate([*head, *cells.items()], 1):
        write(meta, i, 1, key)
        write(meta, i, 2, value)
    return book.to_bytes()


def read_sheet(definition: Definition, slug: str, data: bytes) -> SheetAnswer:
    """The answers of a filled sheet. Raises SheetError for a workbook that is not this event's
    questionnaire; cell-level problems (a mark other than ○, a date in any answer cell) are
    returned in ``errors`` with their cell. Free text is read as text (12345 → "12345")."""
    try:
        book = read_workbook(data, SHEET_LIMITS)
    except WorkbookError as exc:
        raise SheetError(exc.message) from None
    if META not in book or SHEET not in book or book[META].get("A1") != MARKER:
        raise SheetError("このシステムで作成したアンケート用Excelシートではありません。")
    meta, sheet = book[META], book[SHEET]
    if meta.get("B2") != slug:
        raise SheetError("別の研修会議のアンケート用Excelシートです。")
    if meta.get("B3") not in accepted_fingerprints(definition):
        raise SheetError("設問が現在のアンケートと異なる、古いExcelシートです。")
    texts = text_keys(definition)
    raw: dict = {}
    cells: dict[str, str] = {}
    errors: dict[str, str] = {}
    for row in range(4, MAX_ROWS_READ + 1):
        key, ref = meta.get(f"A{row}"), meta.get(f"B{row}")
        if not key:
            break
        value = sheet.get(str(ref))
        if "#" in key:
            base, code = key.split("#")
            cells.setdefault(base, ref)
            text = "" if value is None else str(value).strip()
            if text in (MARK, "〇", "◯", "O", "o", "1"):
                raw.setdefault(base, []).append(code)
            elif text:
                errors[f"{base}#{code}"] = f"{SHEET}!{ref}：「{MARK}」以外の値です（{text}）。"
                cells[f"{base}#{code}"] = ref
            continue
        cells[key] = ref
        try:
            # free text as text; a choice cell may hold a number, never a date
            text = read_text(value, ref)
        except CellError as exc:
            errors[key] = f"{SHEET}!{ref}：{exc.message}"
            continue
        if value is not None:
            raw[key] = text if key in texts else value
    return SheetAnswer(raw, cells, errors)


def text_keys(definition: Definition) -> set[str]:
    """The answer keys that hold free text (自由記載 and その他の内容)."""
    keys = {key for key, _ in definition.text_fields()}
    keys |= {
        f"{q.id}_other"
        for q in definition.questions
        if q.kind in ("single", "multiple") and any(o.other for o in q.options)
    }
    return keys
