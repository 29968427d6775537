"""The questionnaire's downloads read back as a person opens them, and the sweep of every
spreadsheet export of the system with hostile text stored through every way in."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from werkzeug.routing import AnyConverter

from app.core.jpdates import to_jst
from app.core.text import CONTROL_IN_TEXT, as_typed
from app.registration.models import Registration
from app.surveys import services
from app.surveys.definition import AnswerError
from app.surveys.models import SurveyResponse
from tests.surveys.conftest import web_answer

FORMULA = "=1+1 資料を事前に配布してほしい"
LEADERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
ONE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xlsx(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data))


def _csv(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def _heads(ws, row=1):
    return [c.value for c in ws[row]]


def test_a_formula_answer_stays_text_in_every_survey_export(client, staff, open_event):
    services.submit_response(open_event, "qr", web_answer(Q8=FORMULA))
    staff(client, "analyst")
    answers = _xlsx(client.get("/console/surveys/answers.xlsx")).active
    cell = answers.cell(2, _heads(answers).index("問8（自由記載）") + 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (FORMULA, "s", True)
    report = _xlsx(client.get("/console/surveys/report.xlsx"))
    raw = report["回答データ"]
    cell = raw.cell(2, _heads(raw).index("問8（自由記載）") + 1)
    assert (cell.value, cell.data_type) == (FORMULA, "s")
    texts = [
        c for row in report["自由記載"].iter_rows(min_row=2) for c in row if c.value == FORMULA
    ]
    assert texts and all(c.data_type == "s" for c in texts)
    rows = _csv(client.get("/console/surveys/answers.csv"))
    assert rows[1][rows[0].index("問8（自由記載）")] == "'" + FORMULA


def test_a_control_character_in_an_answer_does_not_break_the_workbooks(
    client, staff, db, open_event
):
    # The questionnaire now refuses control characters (issue 8 §2); an answer stored before
    # that rule still reaches the workbooks.
    with pytest.raises(AnswerError):
        services.submit_response(open_event, "qr", web_answer(Q8="資料\x01を配布"))
    services.submit_response(open_event, "qr", web_answer(Q8="資料を配布"))
    stored = db.session.scalars(select(SurveyResponse)).one()
    stored.answers = {**stored.answers, "Q8": "資料\x01を配布"}
    db.session.commit()
    staff(client, "analyst")
    answers = _xlsx(client.get("/console/surveys/answers.xlsx")).active
    assert answers.cell(2, _heads(answers).index("問8（自由記載）") + 1).value == "資料を配布"
    report = _xlsx(client.get("/console/surveys/report.xlsx"))
    assert "資料を配布" in [r[4] for r in report["自由記載"].iter_rows(values_only=True)]


def test_the_answer_time_is_a_date_cell_in_jst(client, staff, open_event, db):
    services.submit_response(open_event, "qr", web_answer())
    stored = db.session.scalars(select(SurveyResponse)).one()
    staff(client, "analyst")
    ws = _xlsx(client.get("/console/surveys/answers.xlsx")).active
    cell = ws.cell(2, _heads(ws).index("回答日時") + 1)
    assert cell.is_date
    assert cell.value == to_jst(stored.submitted_at).replace(tzinfo=None, microsecond=0)


def test_a_row_of_a_question_cannot_be_read_as_another_question(client, staff, open_event):
    services.submit_response(open_event, "qr", web_answer())
    staff(client, "analyst")
    heads = _heads(_xlsx(client.get("/console/surveys/answers.xlsx")).active)
    assert "問1-1［1］行政説明（老健局） ⓵内容" in heads
    assert "問3［1］研修会議Ⅰ（講演・事例発表中心）" in heads
    definition = services.ensure_survey(open_event).definition
    numbers = {q.number.rstrip(".") for q in definition.questions}
    for head in heads[3:]:
        # the question's own number comes first, whole; a row of it only ever in ［］
        number = re.match(r"[^\s［（]+", head).group(0)
        assert number in numbers, head
    assert not [h for h in heads if h.startswith("問1-1-1") and "［" in h]


def test_the_report_prints_fit_to_width_with_its_headers(client, staff, open_event):
    for _ in range(3):
        services.submit_response(open_event, "qr", web_answer())
    staff(client, "analyst")
    report = _xlsx(client.get("/console/surveys/report.xlsx"))
    for ws in report.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth >= 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_area, ws.title
        assert ws.page_setup.paperSize == 9  # A4
    raw = report["回答データ"]
    assert (raw.freeze_panes, raw.print_title_rows) == ("B2", "$1:$1")
    assert raw.print_title_cols == "$A:$A"  # 回答ID on every page across
    assert raw.auto_filter.ref.startswith("A1:")
    texts = report["自由記載"]
    assert (texts.freeze_panes, texts.print_title_rows) == ("A2", "$1:$1")
    assert texts.page_setup.fitToWidth == 1
    table = next(report[n] for n in report.sheetnames if n.startswith("問1-1 研修会議Ⅰ ⓵内容"))
    assert (table.freeze_panes, table.print_title_rows) == ("B3", "$1:$2")
    assert table.auto_filter.ref.startswith("A2:")
    assert table.page_setup.fitToWidth == 1
    sheet = _xlsx(client.get("/console/surveys/sheet.xlsx"))["アンケート"]
    assert sheet.page_setup.fitToWidth == 1 and sheet.print_area.endswith(
        "$A$1:$D$" + str(sheet.max_row)
    )


def test_answers_csv_has_one_charset(client, staff, open_event):
    services.submit_response(open_event, "qr", web_answer())
    staff(client, "analyst")
    rows = _csv(client.get("/console/surveys/answers.csv"))
    at = rows[1][rows[0].index("回答日時")]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", at), at


def _fill(sheet: bytes, values: dict) -> bytes:
    """Fill answer cells as Excel stores what a person types (text stays text)."""
    wb = load_workbook(io.BytesIO(sheet))
    meta, ws = wb["_meta"], wb["アンケート"]
    cells = {k: ref for k, ref in meta.iter_rows(min_row=4, max_col=2, values_only=True) if k}
    for key, value in values.items():
        if isinstance(value, list):
            for code in value:
                ws[cells[f"{key}#{code}"]] = "○"
            continue
        ws[cells[key]] = value
        if isinstance(value, str):
            ws[cells[key]].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_sheet_import_reads_text_cells_by_type(db, open_event, definition):
    sheet = services.survey_sheet(open_event)
    base = {"F1": "4 市町村", "F3": "1 研修会議Ⅰのみ参加"}
    dated = _fill(sheet, {**base, "Q8": datetime(2026, 3, 4)})
    numbered = _fill(sheet, {**base, "Q8": 12345, "Q2_reason": 3.5})
    results = services.import_survey_sheets(open_event, [("d.xlsx", dated), ("n.xlsx", numbered)])
    assert results[0].status == "refused"
    (message,) = results[0].errors
    assert re.fullmatch(
        r"アンケート!C\d+：日付が入力されています。文字で入力してください。", message
    )
    assert results[1].status == "imported", results[1].errors
    stored = db.session.scalars(select(SurveyResponse)).one().answers
    assert (stored["Q8"], stored["Q2_reason"]) == ("12345", "3.5")


# --- the sweep: every export, every way in -------------------------------------------------

HOSTILE = [
    FORMULA,
    "+81 3 1234 5678 へ連絡",
    "-5度でした",
    "@担当者宛",
    "＝全角イコール",
    "＋全角プラス",
    "－全角マイナス",
    "＠全角アット",
    "制御\x01文字\x1b入り",
    "絵文字😀👍🏽入り",
    "0012345 先頭のゼロ",
    "改行\r\nあり",
]
LONG = "長い回答。" * 800  # 4,000 characters, the questionnaire's limit

# Rules with <fmt> that are not spreadsheets; any other export the sweep cannot fill fails.
NOT_SPREADSHEETS = {"surveys.qr_code": "the QR code of a channel (png, svg)"}


def _exports(app) -> list[tuple[str, str]]:
    """(endpoint, url) of every spreadsheet download: a rule ending in .xlsx/.csv or with a
    <fmt> argument, each argument filled from its any(...) converter."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.endswith((".xlsx", ".csv")) and "fmt" not in rule.arguments:
            continue
        if rule.endpoint in NOT_SPREADSHEETS:
            continue
        choices = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                items = sorted(converter.items)
                choices[name] = (
                    [i for i in items if i in ("xlsx", "csv")] if name == "fmt" else items
                )
            elif name == "fmt":
                choices[name] = ["xlsx", "csv"]
            else:
                pytest.fail(
                    f"the export sweep cannot fill <{name}> of {rule.rule} ({rule.endpoint})"
                )
        combos = [{}]
        for name, values in choices.items():
            combos = [{**c, name: v} for c in combos for v in values]
        with app.test_request_context():
            from flask import url_for

            found += [(rule.endpoint, url_for(rule.endpoint, **c)) for c in combos]
    return found


def _member(n, value, **fields):
    data = {
        "name": value[:100],
        "kana": "さっぽろ たろう",
        "email": f"m{n}@city.sapporo.example.jp",
        "phone": "0112223333",
        "category": "kankei_dantai",
        "municipality": "",
        "organisation": value[:200],
        "department": value[:200],
        "occupation": value[:100],
        "category_other": "",
    }
    data.update(fields)
    return data


def _store_everything(client, staff, db, event):
    """Hostile text in every free-text field, through every way in; returns what each export
    must hold (as stored, i.e. as the form keeps it)."""
    from app.events.models import Training
    from app.registration.exports import IMPORT_HEADERS

    # a programme row label becomes a questionnaire row and column heading
    t1 = db.session.scalars(
        select(Training).where(Training.event_id == event.id, Training.code == "t1")
    ).one()
    rated = next(p for p in t1.programme if p.survey_label)
    rated.survey_label = "=行政説明\x01（老健局）"
    db.session.commit()
    values = [*HOSTILE, LONG]
    # The forms refuse control characters (newline aside in multi-line fields): those values are
    # refused where typed and put in afterwards as rows stored before that rule.
    control = [v for v in values if CONTROL_IN_TEXT.search(v)]
    assert control
    people: list[str] = []
    # the public registration form
    for n, value in enumerate(values):
        # one-line boxes take no control character at all, not even a line break
        if ONE_LINE_CONTROL.search(value):
            refused = client.post(
                "/register",
                data={"channel": "youtube", "name": value[:100], "consent": "y"},
            )
            assert "制御文字" in refused.get_data(as_text=True), value
            value = ONE_LINE_CONTROL.sub("", value)  # typed again without it
        response = client.post(
            "/register",
            data={
                "channel": "youtube",
                "name": value[:100],
                "kana": "やまだ たろう",
                "email": f"web{n}@example.jp",
                "email_confirm": f"web{n}@example.jp",
                "phone": "0312345678",
                "category": "other",
                "category_other": value[:100],
                "municipality": "",
                "organisation": value[:200],
                "department": value[:200],
                "occupation": value[:100],
                "consent": "y",
            },
        )
        assert response.status_code == 302, (value, response.text[:2000])
        people += [value[:100], value[:100], value[:200], value[:200], value[:100]]
    # the team form (a representative of the municipality, then organisations)
    team = {"channel": "t2_tokyo", "team_municipality": "011002", "note": "", "consent": "y"}
    members = [_member(0, HOSTILE[0], category="muni", municipality="same", organisation="")]
    members += [_member(i, v) for i, v in enumerate(HOSTILE[1:6], 1)]
    for i, m in enumerate(members):
        team.update({f"members-{i}-{k}": v for k, v in m.items()})
    assert client.post("/team/apply", data=team).status_code == 302
    team_people = [
        v
        for m in members
        for k, v in m.items()
        if k in ("name", "organisation", "department", "occupation") and v
    ]
    # the Excel import of registrations (a phone typed as a number)
    wb = Workbook()
    ws = wb.active
    ws.append(IMPORT_HEADERS)
    excel_values = [v for v in HOSTILE if not ILLEGAL.search(v)]  # what Excel can hold
    for n, value in enumerate(excel_values[5:], 1):
        ws.append(
            [
                "YouTube",
                value,
                "とりこみ",
                f"imp{n}@example.jp",
                312345678,
                "その他",
                value,
                "",
                value,
                value,
                value,
            ]
        )
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
        people += [value] * 5
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    console = staff(client)
    response = console.post(
        "/console/import", data={"file": (buf, "取込.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.text[:3000]
    # the survey: web form, Excel sheet, paper entry
    answers: list[str] = []
    text_keys = ["Q1_1_1", "Q1_2_1", "Q2_reason", "Q6_1", "Q6_2", "Q7_1", "Q8"]
    for value in values:
        if value in control:
            raw = web_answer(F1="23", Q8=value)
            refused = client.post(f"/survey/{event.slug}?ch=chat", data=raw)
            assert "制御文字" in refused.get_data(as_text=True), value
            value = CONTROL_IN_TEXT.sub("", value)  # typed again without it
        raw = web_answer(
            F1="23", F1_other=value[:200], F2_other=value[:200], **{k: value for k in text_keys}
        )
        assert client.post(f"/survey/{event.slug}?ch=chat", data=raw).status_code == 302
        answers += [value[:200], value[:200]] + [value] * len(text_keys)
    sheet = console.get("/console/surveys/sheet.xlsx").data
    files = []
    for n, value in enumerate(excel_values):
        files.append(
            (
                io.BytesIO(
                    _fill(
                        sheet,
                        {"F1": "4 市町村", "F3": "1 研修会議Ⅰのみ参加", "Q8": value, "Q6_1": value},
                    )
                ),
                f"回答{n}.xlsx",
            )
        )
    response = console.post(
        "/console/surveys/import", data={"files": files}, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.text[:3000]
    answers += [v for v in excel_values for _ in range(2)]
    for n, value in enumerate(HOSTILE, 1):
        if value in control:
            value = CONTROL_IN_TEXT.sub("", value)
        response = console.post(
            "/console/surveys/entry",
            data={"paper_no": str(n), "F1": "4", "F3": "1", "Q8": value, "Q2_reason": value},
        )
        assert response.status_code == 302, response.text[:3000]
        answers += [value, value]
    # Rows stored before the forms refused control characters reach every export too.
    legacy = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).first()
    legacy.answers = {**legacy.answers, "Q8": control[0]}
    answers.append(control[0])
    person = db.session.scalars(select(Registration).order_by(Registration.id)).first()
    person.department = control[0]
    people.append(control[0])
    db.session.commit()
    count = len(values) + len(excel_values) + len(HOSTILE)
    assert len(db.session.scalars(select(SurveyResponse)).all()) == count

    def form(value):  # what the registration forms keep: the text as typed (issue 9 §5)
        return as_typed(value)

    def answer(value):  # what the questionnaire keeps: one line end, trimmed
        return value.replace("\r\n", "\n").strip()

    heading = "=行政説明（老健局）"
    return {
        ("registration_console.export", "registrations"): {form(v) for v in people},
        ("registration_console.export", "teams"): {form(v) for v in team_people},
        ("surveys_console.answers", None): {answer(v) for v in answers}
        | {f"問1-1［1］{heading} ⓵内容"},
        ("surveys_console.report", None): {answer(v) for v in answers},
        ("surveys_console.sheet", None): {heading},
        # 年度比較 holds counts and labels, no text a person typed; its layout is still swept.
        ("events_console.compare_xlsx", None): set(),
    }


def _held(text: str) -> str:
    """What a spreadsheet cell can hold of a text."""
    return ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))[:32767]


def _check_xlsx(url: str, data: bytes, expected: set[str]) -> None:
    wb = load_workbook(io.BytesIO(data))
    texts = set()
    for ws in wb.worksheets:
        header_row = None
        if ws.auto_filter.ref:
            header_row = int(re.match(r"[A-Z]+(\d+)", ws.auto_filter.ref).group(1))
            assert (
                ws.freeze_panes and int(re.sub(r"[A-Z]", "", ws.freeze_panes)) == header_row + 1
            ), (url, ws.title)
            assert ws.print_title_rows and ws.print_title_rows.endswith(f"${header_row}"), (
                url,
                ws.title,
            )
        if ws.sheet_state == "visible":
            assert ws.sheet_properties.pageSetUpPr.fitToPage, (url, ws.title)
            assert ws.page_setup.fitToWidth >= 1 and ws.page_setup.fitToHeight == 0, (url, ws.title)
            assert ws.print_area, (url, ws.title)
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (url, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not ILLEGAL.search(cell.value), (url, cell.coordinate)
                    if cell.value.startswith(LEADERS):
                        assert cell.quotePrefix, (url, ws.title, cell.coordinate)
                    texts.add(cell.value)
        if header_row:
            for col, head in enumerate(_heads(ws, header_row), 1):
                if isinstance(head, str) and head.endswith("日時"):
                    dates = [ws.cell(r, col) for r in range(header_row + 1, ws.max_row + 1)]
                    assert all(c.is_date for c in dates if c.value is not None), (url, head)
                    assert any(c.value is not None for c in dates), (url, head)
    missing = {_held(v) for v in expected} - texts
    assert not missing, (url, sorted(missing)[:5])


def _check_csv(url: str, response, expected: set[str]) -> None:
    rows = _csv(response)
    assert response.data.count(b"\n") == response.data.count(b"\r\n") or any(
        "\n" in f for r in rows for f in r
    )
    fields = set()
    for row in rows:
        for field in row:
            assert not ILLEGAL.search(field), (url, field)
            assert not field.startswith(LEADERS), (url, field)
            fields.add(field)
    held = {_held(v) for v in expected}
    missing = {("'" + v if v.startswith(LEADERS) else v) for v in held} - fields
    assert not missing, (url, sorted(missing)[:5])


def test_every_export_holds_hostile_text_as_typed(app, client, staff, db, open_event):
    expected = _store_everything(client, staff, db, open_event)
    exports = _exports(app)
    assert {e for e, _ in exports} >= {
        "registration_console.export",
        "surveys_console.answers",
        "surveys_console.report",
        "surveys_console.sheet",
    }
    for endpoint, url in exports:
        what = (
            url.rsplit("/", 1)[1].split(".")[0]
            if endpoint == "registration_console.export"
            else None
        )
        assert (endpoint, what) in expected, f"the sweep does not know what {url} should hold"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if url.endswith(".xlsx"):
            _check_xlsx(url, response.data, expected[endpoint, what])
        else:
            _check_csv(url, response, expected[endpoint, what])
