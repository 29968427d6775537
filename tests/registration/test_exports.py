"""The registration and team exports read back as a person opens them (openpyxl, csv), and the
Excel import reading cells by their type."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.core.jpdates import to_jst
from app.registration.models import Registration, TeamMember

_FORM = {
    "channel": "youtube",
    "name": "山田\x01太郎",
    "kana": "やまだ たろう",
    "email": "yamada@city.example.jp",
    "email_confirm": "yamada@city.example.jp",
    "phone": "0312345678",
    "category": "muni",
    "municipality": "011002",
    "organisation": "",
    "department": "=1+1 高齢福祉課",
    "occupation": "保健師",
    "consent": "y",
}


def _team_form():
    data = {"channel": "t2_tokyo", "team_municipality": "011002", "note": "", "consent": "y"}
    member = {
        "name": "札幌\x01花子",
        "kana": "さっぽろ はなこ",
        "email": "hanako@city.sapporo.example.jp",
        "phone": "09012345678",
        "category": "muni",
        "municipality": "same",
        "organisation": "",
        "department": "@保健福祉局",
        "occupation": "事務職",
        "category_other": "",
    }
    for key, value in member.items():
        data[f"members-0-{key}"] = value
    return data


def _book(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data))


def _column(ws, title):
    return [c.value for c in ws[1]].index(title) + 1


def _store_past_the_forms(client, db):
    """The forms now refuse control characters (issue 8 §2): rows that hold one (stored before
    that rule, or changed in the database) still reach the workbooks. Post the clean form, then
    put the character in as such a row has it."""
    refused = client.post("/register", data=_FORM)
    assert refused.status_code == 200 and "制御文字" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    clean = {**_FORM, "name": "山田太郎"}
    team = {k: v.replace("\x01", "") for k, v in _team_form().items()}
    assert client.post("/register", data=clean).status_code == 302
    assert client.post("/team/apply", data=team).status_code == 302
    db.session.scalars(select(Registration)).one().name = "山田\x01太郎"
    db.session.scalars(select(TeamMember)).one().name = "札幌\x01花子"
    db.session.commit()


def test_a_control_character_in_a_name_does_not_break_the_workbooks(client, staff, db, event):
    _store_past_the_forms(client, db)
    console = staff(client)
    ws = _book(console.get("/console/export/registrations.xlsx")).active
    assert ws.cell(2, _column(ws, "氏名")).value == "山田太郎"
    assert ws.cell(2, _column(ws, "部署名")).value == "=1+1 高齢福祉課"
    assert ws.cell(2, _column(ws, "部署名")).data_type == "s"
    teams = _book(console.get("/console/export/teams.xlsx")).active
    assert teams.cell(2, _column(teams, "氏名")).value == "札幌花子"
    assert teams.cell(2, _column(teams, "部署名")).value == "@保健福祉局"
    rows = list(csv.reader(io.StringIO(console.get("/console/export/teams.csv").text)))
    assert rows[1][rows[0].index("氏名")] == "札幌花子"
    assert rows[1][rows[0].index("部署名")] == "'@保健福祉局"


def test_dates_are_date_cells_and_codes_keep_their_zeros(client, staff, db, event):
    _store_past_the_forms(client, db)
    registration = db.session.scalars(select(Registration)).one()
    console = staff(client)
    ws = _book(console.get("/console/export/registrations.xlsx")).active
    when = ws.cell(2, _column(ws, "申込日時"))
    assert when.is_date and isinstance(when.value, datetime)
    assert when.value == to_jst(registration.created_at).replace(tzinfo=None, microsecond=0)
    assert "ggge" in when.number_format  # shown in 令和
    phone = ws.cell(2, _column(ws, "電話番号"))
    assert (phone.value, phone.data_type, phone.number_format) == ("0312345678", "s", "@")
    teams = _book(console.get("/console/export/teams.xlsx")).active
    code = teams.cell(2, _column(teams, "団体コード"))
    assert (code.value, code.number_format) == ("011002", "@")
    assert teams.cell(2, _column(teams, "電話番号")).value == "09012345678"
    assert teams.cell(2, _column(teams, "申込日時")).is_date
    assert ws.cell(2, _column(ws, "受付経路")).value == "Web申込"  # the label, not "web"


def test_the_workbooks_print_one_page_wide_with_the_header_on_every_page(
    client, staff, db, event, make_registration, make_team
):
    for n in range(30):
        make_registration(
            "youtube", organisation="", department=f"高齢福祉課 地域包括ケア推進係{n}"
        )
    make_team(size=3)
    console = staff(client)
    # one column more each since the 参加（当日） column (issue 11 §3)
    for what, last in (("registrations", "Q31"), ("teams", "R4")):
        ws = _book(console.get(f"/console/export/{what}.xlsx")).active
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{last}"
        assert ws.print_title_rows == "$1:$1"
        assert ws.print_area.endswith("!$A$1:$" + "$".join([last[0], last[1:]]))
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.page_setup.paperSize == 9  # A4
        widths = {
            c[0].column_letter: ws.column_dimensions[c[0].column_letter].width for c in ws.columns
        }
        # widths follow the content: not the ~10 of every column before
        if what == "registrations":
            assert widths["A"] <= 10  # 受付番号
            assert widths["F"] >= len("person100@city.example.jp")  # メールアドレス
            # 部署名: 「高齢福祉課 地域包括ケア推進係29」 is 31 wide (full-width counts two): the
            # column stops at 24 and the text wraps in a row tall enough for it
            assert widths["L"] == 24 and ws["L2"].alignment.wrap_text
            assert ws.row_dimensions[2].height >= 30
        assert sum(widths.values()) <= 280  # one page across at half size or larger on A4


def test_csv_has_one_charset_a_bom_and_crlf(client, staff, db, event, make_registration):
    make_registration("youtube")
    for what in ("registrations", "teams"):
        response = staff(client).get(f"/console/export/{what}.csv")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.data.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in response.data and response.data.count(b"\n") == response.data.count(
            b"\r\n"
        )
        assert "attachment" in response.headers["Content-Disposition"]


# --- the import ---------------------------------------------------------------------------

HEADERS = [
    "参加方法",
    "氏名",
    "ふりがな",
    "メールアドレス",
    "電話番号",
    "参加区分",
    "参加区分（その他）",
    "団体コード",
    "所属（団体名）",
    "部署名",
    "職種",
]


def _sheet(*rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _row(n, phone="", code="011002", department="高齢福祉課"):
    return [
        "ウェビナー参加",
        f"取込 太郎{n}",
        "とりこみ たろう",
        f"import{n}@city.example.jp",
        phone,
        "市町村担当者",
        "",
        code,
        "",
        department,
        "事務職",
    ]


def _post(console, sheet):
    return console.post(
        "/console/import", data={"file": (sheet, "申込.xlsx")}, content_type="multipart/form-data"
    )


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Registration))


def test_import_restores_the_leading_zero_of_a_phone_and_a_code(client, staff, db, event):
    response = _post(
        staff(client),
        _sheet(
            _row(1, phone=312345678, code=11002),
            _row(2, phone=9012345678),
            _row(3, phone=3.12345678e8),
        ),
    )
    assert response.status_code == 302, response.text
    phones = db.session.scalars(select(Registration.phone).order_by(Registration.id)).all()
    assert phones == ["0312345678", "09012345678", "0312345678"]
    assert {r.municipality_code for r in db.session.scalars(select(Registration))} == {"011002"}


def test_import_refuses_a_date_or_an_uncertain_number_with_its_cell(client, staff, db, event):
    html = _post(
        staff(client),
        _sheet(
            _row(1, phone=datetime(2026, 3, 4)),
            _row(2, phone=12345),
            _row(3, department=date(2026, 3, 4)),
            _row(4, code=1100),
        ),
    ).text
    assert "2行目（E2）：電話番号に日付が入力されています。" in html
    assert "3行目（E3）：電話番号「12345」は市外局番からの番号として読めません" in html
    assert "4行目（J4）：部署名に日付が入力されています。" in html
    assert "5行目（H5）：団体コード「1100」は6桁の団体コードとして読めません" in html
    assert "2026-03-04" not in html
    assert _count(db) == 0
