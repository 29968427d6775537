"""The one spreadsheet writer and the cell readers (pure: no app), read back with openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from app.core import spreadsheets as sp
from app.core.spreadsheets import Book, CellError, Column

LEADERS = ["=1+1", "+81", "-5", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋81", "－5", "＠担当"]


def _read(data: bytes):
    return load_workbook(io.BytesIO(data))


def _one(value, kind="text"):
    book = Book()
    book.table("表", [Column("見出し", kind)], [[value]])
    return _read(book.to_bytes())["表"]["A2"]


@pytest.mark.parametrize("typed", LEADERS)
def test_text_that_could_run_as_a_formula_stays_text_as_typed(typed):
    cell = _one(typed)
    held = typed.replace("\r", "\n")  # a cell's line end is LF; a leading LF runs nothing
    assert (cell.value, cell.data_type) == (held, "s")
    assert cell.quotePrefix == sp.is_formula_like(held)


@pytest.mark.parametrize("typed", LEADERS)
def test_csv_prefixes_a_formula_leader_with_an_apostrophe(typed):
    body = sp.csv_bytes([Column("見出し")], [[typed]])
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + typed]


def test_plain_text_has_no_quote_prefix():
    cell = _one("山田 太郎")
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("山田 太郎", "s", False)


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        ("山田\x01太郎", "山田太郎"),
        ("a\x00b\x08c\x0bd\x0ce\x1ff", "abcdef"),
        ("行1\r\n行2\r行3", "行1\n行2\n行3"),
        ("タブ\tあり", "タブ\tあり"),
        ("末尾\ufffe\uffff", "末尾"),
        ("絵文字😀👍🏽", "絵文字😀👍🏽"),
    ],
)
def test_characters_a_cell_cannot_hold_are_removed(typed, held):
    assert _one(typed).value == held
    body = sp.csv_bytes([Column("x")], [[typed]]).decode("utf-8-sig")
    assert "\x01" not in body and "\x00" not in body


def test_text_is_cut_at_what_a_cell_holds():
    assert len(_one("長" * 40000).value) == sp.MAX_CELL_CHARS


def test_an_instant_is_a_date_cell_in_jst_shown_in_reiwa():
    cell = _one(datetime(2023, 10, 6, 8, 0, 30, 123456, tzinfo=UTC), "datetime")
    assert cell.is_date and cell.value == datetime(2023, 10, 6, 17, 0, 30)
    assert cell.number_format == sp.DATETIME_FORMAT and "ggge" in cell.number_format
    day = _one(date(2023, 10, 19), "date")
    assert day.is_date and day.value == datetime(2023, 10, 19)
    body = sp.csv_bytes(
        [Column("日時", "datetime"), Column("日", "date")],
        [[datetime(2023, 10, 6, 8, 0, tzinfo=UTC), date(2023, 10, 19)]],
    )
    assert body.decode("utf-8-sig").splitlines()[1] == "2023/10/06 17:00,2023/10/19"


@pytest.mark.parametrize("code", ["011002", "0312345678", "09012345678"])
def test_codes_keep_their_leading_zero_as_text(code):
    cell = _one(code, "code")
    assert (cell.value, cell.data_type, cell.number_format) == (code, "s", "@")


def test_a_bool_is_refused_write_its_label():
    with pytest.raises(TypeError):
        _one(True)


def test_a_table_sheet_is_frozen_filtered_sized_and_printable():
    columns = [
        Column("受付番号", "number"),
        Column("氏名"),
        Column("メールアドレス"),
        Column("申込日時", "datetime"),
        Column("記載内容", max_width=40),
    ]
    rows = [
        [
            i,
            f"山田 太郎{i}",
            f"person{i}@city.example.jp",
            datetime(2023, 9, 1, tzinfo=UTC),
            "あ" * 50,
        ]
        for i in range(1, 51)
    ]
    book = Book()
    book.table("申込者", columns, rows)
    ws = _read(book.to_bytes())["申込者"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E51"
    assert ws.print_title_rows == "$1:$1"
    assert ws.print_area == "'申込者'!$A$1:$E$51"
    widths = [ws.column_dimensions[c].width for c in "ABCDE"]
    # 受付番号: its header (4 full-width = 8); 氏名: 山田 太郎50 = 11; the e-mail (. i l half,
    # m @ one and a half: 23); the date; the free text capped at 40; each with 2 of padding
    assert widths == [10, 13, 25, 22, 40]
    assert ws["E2"].alignment.wrap_text  # wider than its column: wraps
    assert not ws["B2"].alignment.wrap_text
    assert ws["A1"].font.b
    assert ws.page_setup.orientation == "landscape"  # 111 units: wider than portrait holds
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.oddFooter.center.text == "&P / &N"


def test_rows_are_as_tall_as_their_wrapped_text():
    book = Book()
    book.table("表", [Column("記載内容", width=22)], [["短い"], ["あ" * 30], ["一行目\n二行目"]])
    ws = _read(book.to_bytes())["表"]
    assert ws.row_dimensions[2].height is None  # fits: Excel's own height
    assert ws.row_dimensions[3].height == 15 * 3 + 3  # 60 units in 21: three lines
    assert ws.row_dimensions[4].height == 15 * 2 + 3
    assert ws["A3"].alignment.wrap_text and not ws["A2"].alignment.wrap_text


def test_numbers_are_measured_as_they_are_shown():
    assert sp.shown(29.666666, "0.0") == "29.7"
    assert sp.shown(1533, "#,##0") == "1,533"
    assert sp.shown(0.1 + 0.2) == "0.3"
    book = Book()
    book.table("表", [Column("%", "number", "0.0")], [[29.666666666]])
    assert _read(book.to_bytes())["表"].column_dimensions["A"].width == 6  # 「29.7」 + 2


def test_a_narrow_table_prints_portrait_and_a_very_wide_one_over_pages_across():
    book = Book()
    book.table("狭い", [Column("氏名")], [["山田"]])
    book.table("広い", [Column(f"列{i}", width=30) for i in range(20)], [[1] * 20], key_columns=1)
    wb = _read(book.to_bytes())
    assert wb["狭い"].page_setup.orientation == "portrait"
    wide = wb["広い"]
    assert wide.page_setup.fitToWidth == 2  # 600 units, at most 350 a page (40 %)
    assert (wide.print_title_cols, wide.freeze_panes) == ("$A:$A", "B2")


def test_captions_and_notes_around_a_table():
    book = Book()
    book.table(
        "表",
        [Column("区分"), Column("n", "number", "#,##0")],
        [["全体", 1234]],
        caption=["表題"],
        notes=["注"],
    )
    ws = _read(book.to_bytes())["表"]
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value, ws["A5"].value] == [
        "表題",
        "区分",
        "全体",
        "注",
    ]
    assert (ws.freeze_panes, ws.print_title_rows, ws.auto_filter.ref) == ("A3", "$1:$2", "A2:B3")
    assert ws.print_area.endswith("$A$1:$B$5")
    assert ws["B3"].number_format == "#,##0"


def test_free_sheets_get_print_settings_and_a_formula_never_survives():
    book = Book()
    ws = book.sheet("目次")
    sp.write(ws, 1, 1, '=HYPERLINK("http://x")')
    ws["A2"] = "=1+1"  # written around the module: the guard still makes it text
    hidden = book.sheet("_meta", state="veryHidden")
    sp.write(hidden, 1, 1, "x")
    wb = _read(book.to_bytes())
    assert wb["目次"]["A2"].data_type == "s" and wb["目次"]["A2"].value == "=1+1"
    assert wb["目次"].print_area and wb["目次"].page_setup.fitToWidth == 1
    assert wb["_meta"].sheet_state == "veryHidden"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("問1-1　研修会議Ⅰ", "問1-1　研修会議Ⅰ"),
        ("a/b:c[d]*?", "abcd"),
        ("", "表"),
        ("長" * 40, "長" * 31),
    ],
)
def test_sheet_titles_are_what_excel_accepts(title, expected):
    assert sp.sheet_title(title, set()) == expected


def test_sheet_titles_are_unique():
    used: set[str] = set()
    assert [sp.sheet_title("表" * 31, used) for _ in range(3)] == [
        "表" * 31,
        "表" * 29 + "_2",
        "表" * 29 + "_3",
    ]


def test_csv_has_a_bom_crlf_and_neutralised_headers():
    body = sp.csv_bytes([Column("=見出し"), Column("n", "number")], [["a", 1], [None, -5]])
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig") == "'=見出し,n\r\na,1\r\n,-5\r\n"  # a number is not text


def test_download_headers_carry_one_charset_and_the_japanese_name():
    headers = sp.download_headers("研修会議Ⅰ申込者_20231006_1700.csv")
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%E7%A0%94" in headers["Content-Disposition"]
    assert sp.download_headers("a.xlsx")["Content-Type"] == sp.XLSX_MIMETYPE


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), ("  山田 ", "山田"), (12345, "12345"), (3.0, "3"), (3.5, "3.5"), ("=1+1", "=1+1")],
)
def test_read_text(value, text):
    assert sp.read_text(value, "B2", "氏名") == text


@pytest.mark.parametrize("value", [datetime(2026, 3, 4), date(2026, 3, 4), True])
def test_read_text_refuses_a_date_or_a_bool_with_its_cell(value):
    with pytest.raises(CellError) as info:
        sp.read_text(value, "J4", "部署名")
    assert info.value.ref == "J4" and info.value.message.startswith("部署名に")


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        (312345678, "0312345678"),  # 03-1234-5678
        (9012345678, "09012345678"),  # 090
        (5012345678, "05012345678"),  # 050 IP phone
        (8001234567, "08001234567"),  # 0800
        (120123456, "0120123456"),  # 0120
        (312345678.0, "0312345678"),
        ("03-1234-5678", "03-1234-5678"),
        ("0312345678", "0312345678"),
        (None, ""),
    ],
)
def test_read_phone_gives_back_the_lost_zero_where_certain(value, phone):
    assert sp.read_phone(value, "E2") == phone


@pytest.mark.parametrize("value", [12345, 3123456789, 81312345678, 3.5, datetime(2026, 3, 4)])
def test_read_phone_refuses_what_it_cannot_tell(value):
    with pytest.raises(CellError) as info:
        sp.read_phone(value, "E2")
    assert info.value.ref == "E2"


@pytest.mark.parametrize(
    ("value", "code"),
    [(11002, "011002"), (131016, "131016"), ("11002", "011002"), ("011002", "011002")],
)
def test_read_municipality_code(value, code):
    assert sp.read_municipality_code(value, "H2") == code


@pytest.mark.parametrize("value", [1100, 1234567, 11002.5])
def test_read_municipality_code_refuses_other_numbers(value):
    with pytest.raises(CellError):
        sp.read_municipality_code(value, "H2")


def _cells(ws):
    return [
        (c.coordinate, c.value, c.data_type, c.number_format, c.quotePrefix, c.alignment.wrap_text)
        for row in ws.iter_rows()
        for c in row
    ]


def test_a_streamed_table_reads_back_as_the_table_of_a_book():
    """write_table_xlsx (write-only, bounded memory) writes the sheet Book.table writes."""
    columns = [
        Column("受付番号", "number"),
        Column("氏名"),
        Column("メールアドレス", max_width=34),
        Column("申込日時", "datetime"),
        Column("記載内容", max_width=40),
        Column("団体コード", "code"),
        Column("%", "number", "0.0"),
    ]
    rows = [
        [
            i,
            LEADERS[i % len(LEADERS)] + f"山田{i}",
            f"person{i}@city.example.jp",
            datetime(2023, 9, 1, i % 24, tzinfo=UTC),
            "あ" * 50 if i % 3 else "一行目\n二行目",
            "011002",
            i / 7,
        ]
        for i in range(1, 61)
    ]
    book = Book()
    book.table("申込者", columns, rows, key_columns=1)
    expected = _read(book.to_bytes())["申込者"]
    streamed = _read(sp.table_xlsx("申込者", columns, iter(rows), key_columns=1))["申込者"]
    assert _cells(streamed) == _cells(expected)
    assert streamed["B2"].quotePrefix and streamed["B2"].data_type == "s"
    assert streamed["D2"].number_format == sp.DATETIME_FORMAT
    assert streamed["F2"].value == "011002" and streamed["F2"].number_format == "@"
    for attr in ("freeze_panes", "print_title_rows", "print_title_cols", "print_area"):
        assert getattr(streamed, attr) == getattr(expected, attr), attr
    assert streamed.auto_filter.ref == expected.auto_filter.ref == "A1:G61"
    letters = "ABCDEFG"
    assert [streamed.column_dimensions[c].width for c in letters] == [
        expected.column_dimensions[c].width for c in letters
    ]
    heights = range(1, 62)
    assert [streamed.row_dimensions[r].height for r in heights] == [
        expected.row_dimensions[r].height for r in heights
    ]
    for attr in ("orientation", "fitToWidth", "fitToHeight", "paperSize"):
        assert getattr(streamed.page_setup, attr) == getattr(expected.page_setup, attr), attr
    assert streamed.sheet_properties.pageSetUpPr.fitToPage
    assert streamed.oddFooter.center.text == "&P / &N" and streamed.oddHeader.center.text == "&A"
    assert streamed["A1"].font.b


def test_streamed_xlsx_and_csv_come_in_chunks_that_make_the_whole_file():
    columns = [Column("番号", "number"), Column("記載内容")]
    rows = [[i, "あ" * 100] for i in range(5000)]
    chunks = list(sp.stream_table_xlsx("表", columns, iter(rows)))
    assert len(chunks) > 1
    ws = _read(b"".join(chunks))["表"]
    assert ws.max_row == 5001 and ws["B5001"].value == "あ" * 100
    parts = list(sp.csv_chunks(columns, iter(rows)))
    assert len(parts) > 1 and b"".join(parts) == sp.csv_bytes(columns, rows)
    assert len(list(csv.reader(io.StringIO(b"".join(parts).decode("utf-8-sig"))))) == 5001
