"""Every xlsx and CSV the system writes, and reading cells back by their type (pure: openpyxl,
csv; no Flask, no SQLAlchemy).

Writing (``Book``, ``write``, ``csv_bytes``; streamed with bounded memory: ``write_table_xlsx`` /
``stream_table_xlsx`` in openpyxl's write-only mode, ``csv_chunks``):

- **Text stays text.** A cell is never a formula. Text that a spreadsheet could take for one
  (OWASP "CSV Injection": a leading ``= + - @``, tab or CR; also the full-width ``＝ ＋ － ＠``,
  which Japanese Excel converts on entry) is written in xlsx as a text cell with Excel's
  quote prefix (shown as typed, still text when edited) and in CSV with a leading ``'``.
- **What a cell cannot hold is removed**: the control characters XML 1.0 forbids (U+0000–U+0008,
  U+000B, U+000C, U+000E–U+001F), lone surrogates, U+FFFE/U+FFFF; CR LF becomes LF; text is cut
  at Excel's 32,767 characters per cell.
- **Dates are date cells** in JST (an aware instant is converted; a naive one is UTC, as stored)
  shown in 令和 (``[$-411]ggge"年"m"月"d"日"``); in CSV ``2023/10/06 17:00``.
- **Codes and phone numbers are text** with the ``@`` format, so 011002 keeps its 0.
- A **table sheet** has column widths from its content (a full-width character counts two), a
  bold header row that is frozen and filtered, and prints on A4 fit to the page width (landscape
  when wide) with the header rows repeated and a print area. Every other visible sheet prints
  fit to width with a print area too.

Reading (``read_text``, ``read_phone``, ``read_municipality_code``): a cell is read by its type;
a value that cannot be what the column holds raises ``CellError`` with the cell reference.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Literal
from urllib.parse import quote

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Color, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.core.jpdates import to_jst

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# OWASP CSV Injection: = + - @ tab CR; the full-width forms Japanese Excel turns into them.
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
MAX_CELL_CHARS = 32767  # Excel's limit of characters in one cell
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DATE_FORMAT = '[$-411]ggge"年"m"月"d"日"'
DATETIME_FORMAT = '[$-411]ggge"年"m"月"d"日" h:mm'
TIME_FORMAT = "h:mm"
TEXT_FORMAT = "@"
CSV_DATETIME = "%Y/%m/%d %H:%M"
CSV_DATE = "%Y/%m/%d"

Kind = Literal["text", "code", "number", "date", "datetime"]

# Column widths are in Excel's unit (the width of "0" in the default font); a full-width
# character takes two. A4 at 100 % holds about 95 units across in portrait, 140 in landscape
# (margins of 1 cm). All columns go on one page across (Excel's 「すべての列を1ページに
# 印刷」) unless that prints below 40 %; a wider sheet prints over several pages across, its
# key columns repeated.
MIN_WIDTH = 5
MAX_WIDTH = 40
HEADER_WIDTH = 10  # a longer header wraps instead of widening its column
CONTENT_PERCENTILE = 0.95
PORTRAIT_UNITS = 95
LANDSCAPE_UNITS = 140
MIN_SCALE = 0.4
LINE_HEIGHT = 15  # points per line of text in a row (Excel's default row is 15)
MAX_ROW_HEIGHT = 409  # Excel's limit
_FIXED_WIDTHS = {"date": 15, "datetime": 20}

# Bold in the workbook's own font (a Font without a name prints in another typeface).
BOLD = Font(name="Calibri", sz=11, family=2, b=True, color=Color(theme=1), scheme="minor")
HEAD_FONT = BOLD
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
HEAD_BORDER = Border(bottom=Side(style="thin", color="808080"))
HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


# --- text ----------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """What a spreadsheet can hold of ``value``: unholdable characters removed, CR LF and CR as
    LF, at most 32,767 characters."""
    text = _UNHOLDABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return text[:MAX_CELL_CHARS]


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could run ``text`` as a formula (OWASP leaders, full-width too)."""
    return text.startswith(FORMULA_LEADERS)


def csv_text(value: str) -> str:
    """A CSV field: without what a cell cannot hold, and prefixed with ``'`` when it could run
    as a formula."""
    text = _UNHOLDABLE.sub("", value)
    return "'" + text if is_formula_like(text) else text


_NARROW = frozenset(".,:;'|!ijlI()[] ")
_WIDE = frozenset("mwMW@%")


def _char_width(c: str) -> float:
    if unicodedata.east_asian_width(c) in "WFA":
        return 2.0
    return 0.5 if c in _NARROW else 1.5 if c in _WIDE else 1.0


def display_width(value) -> float:
    """Width of a value in Excel's unit (the width of "0"): full-width (and ambiguous, as in
    Japanese fonts) characters count two, narrow Latin ones (. i l) half, m w @ one and a
    half; the longest line counts."""
    text = value if isinstance(value, str) else str(value)
    return max((sum(_char_width(c) for c in line) for line in text.split("\n")), default=0.0)


# --- cells ---------------------------------------------------------------------------------


def excel_datetime(value: datetime) -> datetime:
    """The JST wall-clock time of an instant, naive, to the second (what Excel stores)."""
    return to_jst(value).replace(tzinfo=None, microsecond=0)


def write(
    ws: Worksheet,
    row: int,
    column: int,
    value,
    kind: Kind | None = None,
    *,
    number_format: str | None = None,
) -> Cell:
    """Put ``value`` in a cell: the one way a value enters a workbook of the system.

    ``kind`` None takes it from the value (str → text, datetime → datetime, date → date,
    int/float → number); ``code`` writes digits as text (``@``). A bool is refused (TypeError):
    write its label. Returns the cell for styling.
    """
    return fill(ws.cell(row=row, column=column), value, kind, number_format=number_format)


def fill(cell: Cell, value, kind: Kind | None = None, *, number_format: str | None = None) -> Cell:
    """``write`` for a cell made elsewhere (a write-only workbook's ``WriteOnlyCell``)."""
    if value is None or value == "":
        return cell
    if isinstance(value, bool):
        raise TypeError("write the label of a yes/no value, not a bool")
    if kind == "code" or (kind in (None, "text") and isinstance(value, str)):
        text = clean_text(value if isinstance(value, str) else str(value))
        cell.value = text
        cell.data_type = "s"  # openpyxl takes a leading = as a formula: it never is one here
        if is_formula_like(text):
            cell.quotePrefix = True
        if kind == "code":
            cell.number_format = TEXT_FORMAT
    elif isinstance(value, datetime):
        cell.value = excel_datetime(value)
        cell.number_format = number_format or DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = number_format or DATE_FORMAT
    elif isinstance(value, time):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = number_format or TIME_FORMAT
    elif isinstance(value, int | float | Decimal):
        cell.value = value
        if number_format:
            cell.number_format = number_format
    else:
        return fill(cell, str(value), "text")
    return cell


def _neutralise_formulas(ws: Worksheet) -> None:
    """The last guard: a cell that became a formula some other way is turned into text."""
    for cell in ws._cells.values():
        if cell.data_type == "f":
            cell.data_type = "s"
            cell.quotePrefix = True


def shown(value, number_format: str | None = None) -> str:
    """A value as a spreadsheet shows it (numbers in their format: ``0.0``, ``#,##0``), to
    measure its width."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value if isinstance(value, str) else str(value)
    places = 0
    if number_format and "." in number_format:
        places = len(number_format.split(".", 1)[1].rstrip(";"))
    elif not number_format and isinstance(value, float):
        return f"{value:.10g}"
    grouping = "," if number_format and "," in number_format else ""
    return f"{value:{grouping}.{places}f}"


def _column_width(ws: Worksheet, column: int) -> float:
    dim = ws.column_dimensions.get(get_column_letter(column))
    return dim.width if dim is not None and dim.width else 8.43


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` wide."""
    return sum(
        max(1, math.ceil(display_width(line) / max(width - 1, 1))) for line in text.split("\n")
    )


def _raise_row(ws: Worksheet, row: int, lines: int) -> None:
    if lines <= 1:
        return
    height = min(LINE_HEIGHT * lines + 3, MAX_ROW_HEIGHT)
    current = ws.row_dimensions[row].height
    if current is None or current < height:
        ws.row_dimensions[row].height = height


def fit_row_heights(ws: Worksheet) -> None:
    """Rows as tall as their wrapped text needs (Excel and LibreOffice do not measure them when
    they open a file); a height the writer set is only raised, merged cells are left to their
    writer."""
    merged = {cell for rng in ws.merged_cells.ranges for cell in rng.cells}
    need: dict[int, int] = {}
    for (row, column), cell in ws._cells.items():
        if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
            continue
        if (row, column) in merged:
            continue
        need[row] = max(need.get(row, 1), _lines(cell.value, _column_width(ws, column)))
    for row, lines in need.items():
        _raise_row(ws, row, lines)


# --- tables and sheets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a table: its header, what it holds, and optionally its width.

    ``kind``: text | code (digits kept as text) | number | date | datetime.
    ``number_format`` for numbers (e.g. ``#,##0``); ``width`` fixes the width, else it follows
    the content up to ``max_width`` (longer text wraps).
    """

    title: str
    kind: Kind = "text"
    number_format: str | None = None
    width: float | None = None
    max_width: float = MAX_WIDTH


@dataclass
class TableSheet:
    """A written table: its sheet, the header row and the first and last data rows."""

    ws: Worksheet
    header_row: int
    first_row: int
    last_row: int
    columns: list[Column] = field(default_factory=list)


def sheet_title(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: no ``[]:*?/\\``, at most 31 characters (Excel's limits)."""
    name = clean_text(re.sub(r"[\[\]:*?/\\]", "", title)).replace("\n", " ").strip("' ")[:31]
    name = name or "表"
    base, i = name, 2
    while name in used:
        suffix = f"_{i}"
        name = f"{base[: 31 - len(suffix)]}{suffix}"
        i += 1
    used.add(name)
    return name


class Book:
    """One workbook of the system. ``table`` writes a list with its header; ``sheet`` gives a
    free layout; ``to_bytes`` applies the print settings and the formula guard."""

    def __init__(self) -> None:
        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        self._titles: set[str] = set()

    def sheet(self, title: str, *, state: str = "visible") -> Worksheet:
        """A sheet laid out by the caller (write its cells with ``write``); ``state`` hidden or
        veryHidden for helper sheets."""
        ws = self.workbook.create_sheet(sheet_title(title, self._titles))
        ws.sheet_state = state
        return ws

    def table(
        self,
        title: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence],
        *,
        caption: Sequence[str] = (),
        notes: Sequence[str] = (),
        key_columns: int = 0,
    ) -> TableSheet:
        """A sheet holding a table: ``caption`` lines above the header, ``notes`` below the
        rows. The header row is frozen (with ``key_columns`` columns on the left), filtered and
        repeated on every printed page."""
        ws = self.sheet(title)
        header = len(caption) + 1
        for c, column in enumerate(columns, 1):
            cell = write(ws, header, c, column.title)
            cell.font, cell.fill, cell.border, cell.alignment = (
                HEAD_FONT,
                HEAD_FILL,
                HEAD_BORDER,
                HEAD_ALIGN,
            )
        sizes: list[list[tuple[int, float]]] = [[] for _ in columns]  # (row, width) per column
        r = header
        for r, values in enumerate(rows, header + 1):  # r: the last row written, after
            for c, (column, value) in enumerate(zip(columns, values, strict=True), 1):
                cell = write(ws, r, c, value, column.kind, number_format=column.number_format)
                # rows with wrapped text read from the top; line breaks show only when wrapped
                cell.alignment = WRAP if isinstance(value, str) and "\n" in value else TOP
                if value is not None and column.kind not in _FIXED_WIDTHS:
                    sizes[c - 1].append((r, display_width(shown(value, column.number_format))))
        last = end = r
        self._shape(ws, columns, sizes)
        for row, line in enumerate(caption, 1):
            self._banner(ws, row, line, len(columns)).font = HEAD_FONT
        if notes:
            end += 1  # a blank row between the table and its notes
            for line in notes:
                end += 1
                self._banner(ws, end, line, len(columns))
        last_letter = get_column_letter(max(len(columns), 1))
        ws.freeze_panes = ws.cell(row=header + 1, column=key_columns + 1).coordinate
        ws.auto_filter.ref = f"A{header}:{last_letter}{max(last, header)}"
        ws.print_title_rows = f"1:{header}"
        if key_columns:
            ws.print_title_cols = f"A:{get_column_letter(key_columns)}"
        ws.print_area = f"A1:{last_letter}{end}"
        return TableSheet(ws, header, header + 1, last, list(columns))

    @staticmethod
    def _banner(ws: Worksheet, row: int, text: str, span: int) -> Cell:
        """A line above or below a table, across its width, wrapped (its height set, since no
        spreadsheet fits the height of merged cells)."""
        cell = write(ws, row, 1, text)
        if span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        cell.alignment = WRAP
        across = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(1, span + 1))
        _raise_row(ws, row, _lines(text, across))
        return cell

    @staticmethod
    def _shape(
        ws: Worksheet, columns: Sequence[Column], sizes: list[list[tuple[int, float]]]
    ) -> None:
        """Column widths from the content: the width most cells need (95th percentile), so one
        long value wraps instead of widening its column; the header row's height."""
        for c, column in enumerate(columns, 1):
            width = _width(column, sizes[c - 1])
            ws.column_dimensions[get_column_letter(c)].width = width
            for row, w in sizes[c - 1]:
                if w > width - 1:
                    ws.cell(row=row, column=c).alignment = WRAP

    def to_bytes(self) -> bytes:
        """The xlsx: every visible sheet gets its print settings and rows tall enough for their
        wrapped text; no cell is a formula."""
        for ws in self.workbook.worksheets:
            _neutralise_formulas(ws)
            if ws.sheet_state == "visible":
                fit_row_heights(ws)
                print_setup(ws)
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()


def _width(column: Column, sizes: Sequence[tuple[int, float]]) -> float:
    """A column's width: fixed, or the width most of its cells need (95th percentile) and at
    least its header's (up to ``HEADER_WIDTH``), plus 2 of padding, within its bounds."""
    if column.width:
        return column.width
    head = display_width(column.title)
    widths = sorted(w for _, w in sizes)
    content = _FIXED_WIDTHS.get(column.kind) or (
        widths[int(CONTENT_PERCENTILE * (len(widths) - 1))] if widths else 0
    )
    width = min(math.ceil(max(content, min(head, HEADER_WIDTH))) + 2, column.max_width)
    return max(width, MIN_WIDTH)


def sheet_width(ws: Worksheet) -> float:
    """The width of the used columns, in Excel's unit (unset columns at 8.43)."""
    return sum(_column_width(ws, c) for c in range(1, ws.max_column + 1))


def print_setup(ws: Worksheet) -> None:
    """A4, fit to the page width (landscape when wider than portrait holds, unless the writer
    chose; several pages across when it would print below 40 %), pages as many as needed
    down, a print area, page numbers in the footer and the sheet name in the header."""
    _page_setup(ws, sheet_width(ws))
    if not ws.print_area:
        ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"


def _page_setup(ws, width: float) -> None:
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if ws.page_setup.orientation is None:  # a writer may choose (a form prints portrait)
        ws.page_setup.orientation = "portrait" if width <= PORTRAIT_UNITS else "landscape"
    landscape = ws.page_setup.orientation == "landscape"
    across = LANDSCAPE_UNITS if landscape else PORTRAIT_UNITS
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = max(1, math.ceil(width / (across / MIN_SCALE)))
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.center.text = "&P / &N"


def table_xlsx(
    title: str, columns: Sequence[Column], rows: Iterable[Sequence], *, key_columns: int = 0
) -> bytes:
    """A workbook of one table sheet, in memory (small tables; see ``write_table_xlsx``)."""
    out = io.BytesIO()
    write_table_xlsx(out, title, columns, rows, key_columns=key_columns)
    return out.getvalue()


# Column widths of a streamed table come from its first rows (the rest are not kept).
WIDTH_SAMPLE_ROWS = 1000
CHUNK_BYTES = 64 * 1024


def write_table_xlsx(
    fileobj: IO[bytes],
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    *,
    key_columns: int = 0,
) -> int:
    """A workbook of one table sheet written to ``fileobj`` row by row (openpyxl's write-only
    mode): memory stays bounded whatever the number of rows. Returns the number of rows.

    The same sheet as ``Book.table`` without caption or notes: text never a formula, dates in
    令和, codes as text, the header bold, frozen, filtered and repeated on printed pages,
    rows as tall as their wrapped text, the print setup of ``print_setup``. The one difference:
    column widths are measured on the first ``WIDTH_SAMPLE_ROWS`` rows only.
    """
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet_title(title, set()))
    rows = iter(rows)
    sample = [list(values) for values in islice(rows, WIDTH_SAMPLE_ROWS)]
    sizes: list[list[tuple[int, float]]] = [[] for _ in columns]
    for r, values in enumerate(sample, 2):
        for c, (column, value) in enumerate(zip(columns, values, strict=True)):
            if value is not None and column.kind not in _FIXED_WIDTHS:
                sizes[c].append((r, display_width(shown(value, column.number_format))))
    widths = [_width(column, sizes[c]) for c, column in enumerate(columns)]
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = f"{get_column_letter(key_columns + 1)}2"
    _page_setup(ws, sum(widths))  # before the first row: the sheet's properties come first
    header = []
    for column in columns:
        cell = fill(WriteOnlyCell(ws), column.title)
        cell.font, cell.fill, cell.border, cell.alignment = (
            HEAD_FONT,
            HEAD_FILL,
            HEAD_BORDER,
            HEAD_ALIGN,
        )
        header.append(cell)
    head_lines = max(
        (_lines(c.title, w) for c, w in zip(columns, widths, strict=True) if c.title), default=1
    )
    _raise_row(ws, 1, head_lines)
    ws.append(header)
    last = 1
    styles: dict[tuple, object] = {}
    for last, values in enumerate(chain(sample, rows), 2):
        cells, lines = [], 1
        for column, width, value in zip(columns, widths, values, strict=True):
            cell = fill(WriteOnlyCell(ws), value, column.kind, number_format=column.number_format)
            if cell.data_type == "f":  # the formula guard of Book.to_bytes
                cell.data_type, cell.quotePrefix = "s", True
            text = None if value is None else shown(value, column.number_format)
            measured = (
                text is not None
                and column.kind not in _FIXED_WIDTHS
                and 2 * len(text) > width - 1  # no character is wider than 2: fits unmeasured
                and display_width(text) > width - 1
            )
            wrap = (isinstance(value, str) and "\n" in value) or measured
            # the alignment setter hashes an Alignment per cell; a style array already made for
            # the same number format, quote prefix and wrapping is copied instead
            plain = cell._style is None  # nothing styled yet (openpyxl makes it lazily)
            key = (0, 0, wrap) if plain else (cell._style.numFmtId, cell._style.quotePrefix, wrap)
            style = styles.get(key)
            if style is None:
                cell.alignment = WRAP if wrap else TOP
                styles[key] = copy(cell._style)
            else:
                cell._style = copy(style)
            if wrap and isinstance(cell.value, str):
                lines = max(lines, _lines(cell.value, width))
            cells.append(cell)
        _raise_row(ws, last, lines)
        ws.append(cells)
    last_letter = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A1:{last_letter}{last}"
    ws.print_title_rows = "1:1"
    if key_columns:
        ws.print_title_cols = f"A:{get_column_letter(key_columns)}"
    ws.print_area = f"A1:{last_letter}{last}"
    workbook.save(fileobj)
    return last - 1


def stream_table_xlsx(
    title: str, columns: Sequence[Column], rows: Iterable[Sequence], *, key_columns: int = 0
) -> Iterator[bytes]:
    """``write_table_xlsx`` into a temporary file, then its bytes in 64 KiB chunks (for a
    streamed download). The rows are read before the first chunk is given."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the generator)
    try:
        write_table_xlsx(spool, title, columns, rows, key_columns=key_columns)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(CHUNK_BYTES):
                yield chunk

    return chunks()


# --- CSV -----------------------------------------------------------------------------------


def _csv_value(value, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return excel_datetime(value).strftime(CSV_DATETIME)
    if isinstance(value, date):
        return value.strftime(CSV_DATE)
    if isinstance(value, str) or kind in ("text", "code"):
        return csv_text(str(value))
    return str(value)


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """``csv_bytes`` as a stream: the BOM and header, then about 64 KiB of rows a chunk."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([csv_text(c.title) for c in columns])
    for values in rows:
        writer.writerow([_csv_value(v, c.kind) for c, v in zip(columns, values, strict=True)])
        if out.tell() >= CHUNK_BYTES // 3:  # at most 3 bytes a character in UTF-8
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def csv_bytes(columns: Sequence[Column], rows: Iterable[Sequence]) -> bytes:
    """CSV in UTF-8 with a BOM (Excel opens it as UTF-8), CRLF line ends, every text field
    neutralised as in ``csv_text``, dates as ``2023/10/06 17:00`` (JST)."""
    return b"".join(csv_chunks(columns, rows))


# --- downloads -----------------------------------------------------------------------------


def download_headers(filename: str) -> dict[str, str]:
    """HTTP headers of a download named ``filename`` (.xlsx, .csv, .pdf or .zip): one Content-Type with
    one charset, an attachment with the Japanese name (RFC 6266/5987) and an ASCII fallback,
    not kept in caches (the files hold personal data)."""
    suffix = filename.rsplit(".", 1)[-1].lower()
    content_type = {
        "xlsx": XLSX_MIMETYPE,
        "csv": CSV_CONTENT_TYPE,
        "pdf": "application/pdf",
        "zip": "application/zip",
    }[suffix]
    return {
        "Content-Type": content_type,
        "Content-Disposition": (
            f"attachment; filename=\"download.{suffix}\"; filename*=UTF-8''{quote(filename)}"
        ),
        "Cache-Control": "private, no-store",
    }


# --- reading -------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell whose value cannot be what its column holds: ``ref`` (e.g. E5) and ``message``."""

    def __init__(self, ref: str, message: str):
        super().__init__(f"{ref}：{message}")
        self.ref = ref
        self.message = message


def _number_text(value: float | int | Decimal) -> str:
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    return str(value)


def read_text(value, ref: str, label: str = "") -> str:
    """A text cell as text: blank → "", numbers as their digits (3 → "3", 3.0 → "3");
    a date or TRUE/FALSE is refused (CellError), never turned into "2026-03-04 00:00:00"."""
    if value is None:
        return ""
    where = f"{label}に" if label else ""
    if isinstance(value, datetime | date | time):
        raise CellError(ref, f"{where}日付が入力されています。文字で入力してください。")
    if isinstance(value, bool):
        raise CellError(ref, f"{where}TRUE/FALSEが入力されています。文字で入力してください。")
    if isinstance(value, int | float | Decimal):
        return _number_text(value)
    return str(value).strip()


def _digits_of_number(value, ref: str, label: str) -> str | None:
    """The digits of a number cell (None for a text cell); a fraction is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if value != int(value) or value < 0:
        raise CellError(ref, f"{label}「{value}」は数字の並びとして読めません。")
    return str(int(value))


def restore_phone_zero(digits: str) -> str | None:
    """A Japanese phone number that lost its leading 0 (typed as a number), or None when the
    loss cannot be told for certain.

    Rule (総務省 電気通信番号計画): a number dialled within Japan starts with one 0; after it
    come 9 digits (fixed lines 0AB-CDEF-GHJK with A ≠ 0, 0120, 0570, 0990) or 10 digits
    (070/080/090 mobiles, 050 IP phones, 020, 060, 0800). So 9 digits not starting with 0 are
    certain, and 10 digits when they start with 20, 50, 60, 70, 80, 90 or 800.
    """
    if not digits.isdigit() or digits.startswith("0"):
        return None
    if len(digits) == 9:
        return "0" + digits
    if len(digits) == 10 and (
        digits[:2] in {"20", "50", "60", "70", "80", "90"} or digits.startswith("800")
    ):
        return "0" + digits
    return None


def read_phone(value, ref: str, label: str = "電話番号") -> str:
    """A phone cell: text as typed; a number gets back the 0 that Excel dropped when that is
    certain (``restore_phone_zero``), else it is refused with its cell."""
    digits = _digits_of_number(value, ref, label)
    if digits is None:
        return read_text(value, ref, label)
    restored = restore_phone_zero(digits)
    if restored is None:
        raise CellError(
            ref,
            f"{label}「{digits}」は市外局番からの番号として読めません。"
            "文字で（例：03-1234-5678）入力してください。",
        )
    return restored


def read_municipality_code(value, ref: str, label: str = "団体コード") -> str:
    """A 団体コード cell (全国地方公共団体コード, 6 digits: prefecture 01–47, 3 digits, check
    digit). A number lost at most one 0 (prefectures 01–09): 5 digits get it back, 6 are kept,
    any other number is refused. Text is kept (5 digits padded, as before)."""
    digits = _digits_of_number(value, ref, label)
    if digits is None:
        text = read_text(value, ref, label)
        return text.zfill(6) if len(text) == 5 and text.isdigit() else text
    if len(digits) in (5, 6):
        return digits.zfill(6)
    raise CellError(
        ref,
        f"{label}「{digits}」は6桁の団体コードとして読めません。6桁（例：011002）で入力してください。",
    )


# ------------------------------------------------------------------ workbooks from outside


@dataclass(frozen=True)
class ReadLimits:
    """How much of a workbook from outside is read: sheets, rows and columns with something in
    them, and the uncompressed size of the whole file (a 354 KB file can unpack to hundreds of MB
    of empty cells)."""

    sheets: int = 10
    rows: int = 20_000
    columns: int = 60
    uncompressed_bytes: int = 50 * 1024 * 1024


class WorkbookError(ValueError):
    """A workbook refused as a whole; ``message`` says why in Japanese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_workbook(data: bytes, limits: ReadLimits) -> dict[str, dict[str, object]]:
    """Every non-empty cell of a workbook from outside, as ``{sheet: {"A1": value}}``.

    Read in openpyxl's read-only (streaming) mode after the zip's declared sizes are checked, so
    memory and time stay bounded; values as stored (no formulas evaluated). Raises
    WorkbookError for a file that is not an xlsx or that exceeds ``limits``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError("Excelファイル（.xlsx）として読み込めません。") from None
    if unpacked > limits.uncompressed_bytes:
        raise WorkbookError(
            f"ファイルの中身が大きすぎます（展開後 {unpacked / 1024 / 1024:,.0f}MB、"
            f"上限 {limits.uncompressed_bytes // 1024 // 1024}MB）。"
            "不要なシートや書式を削除して保存し直してください。"
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken or foreign file
        raise WorkbookError("Excelファイル（.xlsx）として読み込めません。") from None
    try:
        if len(wb.sheetnames) > limits.sheets:
            raise WorkbookError(
                f"シートが多すぎます（{len(wb.sheetnames)}枚、上限 {limits.sheets}枚）。"
            )
        out: dict[str, dict[str, object]] = {}
        for ws in wb.worksheets:
            rows, columns = ws.max_row or 0, ws.max_column or 0  # as the file declares them
            if rows > limits.rows or columns > limits.columns:
                raise WorkbookError(
                    f"シート「{ws.title}」は {rows:,}行・{columns}列まで使われています。"
                    f"読み込めるのは {limits.rows:,}行・{limits.columns}列までです。"
                    "不要な行・列を削除して保存し直してください。"
                )
            cells: dict[str, object] = {}
            # One row and one column past the limits: enough to see that something is there.
            for row in ws.iter_rows(max_row=limits.rows + 1, max_col=limits.columns + 1):
                for cell in row:
                    if cell.value is None or not hasattr(cell, "column"):
                        continue
                    if cell.row > limits.rows or cell.column > limits.columns:
                        raise WorkbookError(
                            f"シート「{ws.title}」の {cell.coordinate} に値があります。"
                            f"読み込めるのは {limits.rows:,}行・{limits.columns}列までです。"
                        )
                    cells[cell.coordinate] = cell.value
            out[ws.title] = cells
        return out
    finally:
        wb.close()
