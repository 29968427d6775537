"""Bounded input (issue 8 §2, §4): a plain request is at most about 1 MB, an upload view takes the
event's limit, and a workbook from outside is read within limits on its sheets, rows, columns
and unpacked size."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlencode

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.core.spreadsheets import ReadLimits, WorkbookError, read_workbook
from app.registration.models import Registration
from app.surveys import services
from app.surveys.models import SurveyResponse
from tests.registration.test_views import _form
from tests.surveys.conftest import open_event  # noqa: F401


def _with_empty_cells(xlsx: bytes, sheet_index: int, cells: int) -> bytes:
    """The workbook with ``cells`` styled empty cells added to one sheet: a file of a few hundred
    KB that unpacks to tens of MB (what a sheet dragged down to row 1,048,576 becomes)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == f"xl/worksheets/sheet{sheet_index}.xml":
                rows = "".join(
                    f'<row r="{r}">'
                    + "".join(f'<c r="{c}{r}" s="0"/>' for c in "ABCDEFGHIJ")
                    + "</row>"
                    for r in range(1000, 1000 + cells // 10)
                )
                data = re.sub(rb"</sheetData>", rows.encode() + b"</sheetData>", data, count=1)
            dst.writestr(info, data)
    return out.getvalue()


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(db, open_event):  # noqa: F811
    sheet = services.survey_sheet(open_event)
    bloated = _with_empty_cells(sheet, 1, 3_000_000)
    assert len(bloated) < 20 * 1024 * 1024  # under the upload limit: it reaches the reader
    (result,) = services.import_survey_sheets(open_event, [("膨張.xlsx", bloated)])
    assert result.status == "refused"
    assert "ファイルの中身が大きすぎます" in result.errors[0]
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


@pytest.mark.parametrize(
    ("where", "message"),
    [((5, 1), "読み込めるのは 3行・2列まで"), ((1, 9), "読み込めるのは 3行・2列まで")],
    ids=["row", "column"],
)
def test_values_past_the_row_and_column_limits_are_refused_with_their_cell(where, message):
    wb = Workbook()
    wb.active.cell(*where, value="x")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(WorkbookError) as refused:
        read_workbook(buf.getvalue(), ReadLimits(sheets=2, rows=3, columns=2))
    assert message in refused.value.message


def test_too_many_sheets_are_refused():
    wb = Workbook()
    for n in range(4):
        wb.create_sheet(f"s{n}")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(WorkbookError, match="シートが多すぎます"):
        read_workbook(buf.getvalue(), ReadLimits(sheets=3))


def test_registration_import_refuses_a_bloated_workbook(client, staff, db, event):
    wb = Workbook()
    wb.active.append(["参加方法", "氏名"])
    buf = io.BytesIO()
    wb.save(buf)
    bloated = _with_empty_cells(buf.getvalue(), 1, 3_000_000)
    console = staff(client)
    html = console.post("/console/import", **_body({}, {"file": ("名簿.xlsx", bloated)})).get_data(
        as_text=True
    )
    assert "ファイルの中身が大きすぎます" in html
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def _body(fields: dict, files: dict | None = None) -> dict:
    """The request body built in memory (the test client would spool a large one to a
    temporary file that it leaves open when the app refuses the request)."""
    if files is None:
        return {
            "data": urlencode(fields).encode(),
            "content_type": "application/x-www-form-urlencoded",
        }
    values = {
        **fields,
        **{k: FileStorage(io.BytesIO(d), filename=n) for k, (n, d) in files.items()},
    }
    boundary, data = encode_multipart(values)
    return {"data": data, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_a_plain_form_is_refused_past_a_megabyte_with_the_japanese_page(client, db, event):
    response = client.post("/register", **_body(_form(name="長" * 2_000_000)))
    assert response.status_code == 413
    assert "大きすぎます" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_an_upload_view_takes_files_up_to_the_event_limit(client, staff, db, event):
    event.upload_limit_mb = 3
    db.session.commit()
    console = staff(client)
    pdf = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)  # 2 MB: over the plain limit, under the event's
    response = console.post(
        "/console/materials", **_body({"title": "当日資料"}, {"file": ("当日資料.pdf", pdf)})
    )
    assert response.status_code == 302, response.status_code
    too_big = b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024)
    response = console.post(
        "/console/materials",
        **_body({"title": "大きい資料"}, {"file": ("大きい資料.pdf", too_big)}),
    )
    assert response.status_code == 413
