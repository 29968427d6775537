"""The Excel sheet: generated, filled with openpyxl, imported; broken sheets refused by cell."""

import io

from openpyxl import Workbook, load_workbook

from app.surveys import services
from app.surveys.models import SurveyImport, SurveyResponse
from app.surveys.tabulation import answers_frame, tabulate
from tests.surveys.conftest import web_answer


def fill(sheet: bytes, values: dict) -> bytes:
    """Fill the answer cells named in the hidden _meta sheet, as a person would in Excel."""
    wb = load_workbook(io.BytesIO(sheet))
    meta, ws = wb["_meta"], wb["アンケート"]
    cells = {k: ref for k, ref in meta.iter_rows(min_row=4, max_col=2, values_only=True) if k}
    for key, value in values.items():
        if isinstance(value, list):  # F2, Q2_months: a ○ per chosen option
            for code in value:
                ws[cells[f"{key}#{code}"]] = "○"
        else:
            ws[cells[key]] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def as_dropdown(definition, raw: dict) -> dict:
    """The web answer as the drop-down texts of the sheet (「4 市町村」)."""
    from app.surveys.definition import SCALE_CONTENT, SCALE_TIME

    out = {}
    for key, value in raw.items():
        if key in ("F1", "F3", "Q4", "Q5"):
            out[key] = f"{value} {definition.question(key).option(int(value)).label}"
        elif key.startswith(("Q3_",)):
            out[key] = f"{value} {definition.question('Q3').option(int(value)).label}"
        elif key.endswith("_c"):
            out[key] = f"{value} {SCALE_CONTENT[int(value) - 1]}"
        elif key.endswith("_t"):
            out[key] = f"{value} {SCALE_TIME[int(value) - 1]}"
        elif key.endswith("_row"):
            rows = definition.question(key[:4]).rows
            out[key] = f"{value} {rows[int(value) - 1]}"
        else:
            out[key] = value
    return out


def stored(db):
    return db.session.scalars(db.select(SurveyResponse)).all()


def test_sheet_has_dropdowns_protection_and_the_questions(open_event, definition):
    wb = load_workbook(io.BytesIO(services.survey_sheet(open_event)))
    ws = wb["アンケート"]
    assert ws.protection.sheet
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "参加者アンケート" in texts
    assert "行政説明（老健局）" in texts and "講評" in texts
    assert "～　御回答ありがとうございました　～" in texts
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert len(lists) >= 8  # F1, F3, content, time, mark, Q3, Q4, Q5
    f1_cell = next(
        ref for k, ref in wb["_meta"].iter_rows(min_row=4, max_col=2, values_only=True) if k == "F1"
    )
    assert not ws[f1_cell].protection.locked  # only answer cells are open
    assert ws["B1"].protection.locked
    assert wb["_meta"].sheet_state == "veryHidden"
    choices = [c.value for c in wb["選択肢"]["A"]]
    assert choices[3] == "4 市町村" and len(choices) == 23


def test_round_trip_gives_the_same_tabulation_as_the_web(client, db, open_event, definition):
    answers = [
        web_answer(),
        web_answer(F1="1", F3="1", F2=["1"], Q4="1", Q1_1_1="３．良かった", Q1_1_1_row=None),
        web_answer(F1="23", F1_other="社会福祉協議会", F3="3", F2=None, Q2_months=["11"]),
    ]
    for raw in answers:
        assert client.post(f"/survey/{open_event.slug}?ch=chat", data=raw).status_code == 302
    web = answers_frame(services.answer_records(open_event))
    for response in stored(db):
        db.session.delete(response)
    db.session.commit()

    sheet = services.survey_sheet(open_event)
    files = [
        (f"回答{i}.xlsx", fill(sheet, as_dropdown(definition, raw)))
        for i, raw in enumerate(answers)
    ]
    results = services.import_survey_sheets(open_event, files)
    assert [r.status for r in results] == ["imported"] * 3, results
    assert {r.channel for r in stored(db)} == {"excel"}
    excel = answers_frame(services.answer_records(open_event))

    def strip(frame):
        return frame.drop(columns=["_id", "_channel", "_at"])

    web_tab = tabulate(definition, strip(web))
    excel_tab = tabulate(definition, strip(excel))
    for a, b in zip(web_tab.tables, excel_tab.tables, strict=True):
        assert a.rows == b.rows, a.id
    assert [t.text for t in web_tab.texts] == [t.text for t in excel_tab.texts]
    assert [t.row for t in web_tab.texts] == [t.row for t in excel_tab.texts]


def test_same_file_is_never_counted_twice(db, open_event, definition):
    data = fill(services.survey_sheet(open_event), {"F1": "4 市町村", "F3": "1 研修会議Ⅰのみ参加"})
    first = services.import_survey_sheets(open_event, [("a.xlsx", data), ("copy.xlsx", data)])
    assert [r.status for r in first] == ["imported", "duplicate"]
    again = services.import_survey_sheets(open_event, [("a.xlsx", data)])
    assert again[0].status == "duplicate"
    assert len(stored(db)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(SurveyImport)) == 1


def cell_of(sheet: bytes, key: str) -> str:
    wb = load_workbook(io.BytesIO(sheet))
    return next(
        r for k, r in wb["_meta"].iter_rows(min_row=4, max_col=2, values_only=True) if k == key
    )


def test_broken_sheets_are_refused_with_their_cell_and_nothing_stored(db, open_event, definition):
    sheet = services.survey_sheet(open_event)
    wrong_option = fill(
        sheet, {"F1": "4 市町村", "F3": "1 研修会議Ⅰのみ参加", "Q4": "3 どちらでもよい"}
    )
    missing_f1 = fill(sheet, {"F3": "1 研修会議Ⅰのみ参加", "Q8": "意見"})
    bad_mark = fill(sheet, {"F1": "4", "F3": "1", "F2": []})
    wb = load_workbook(io.BytesIO(bad_mark))
    wb["アンケート"][cell_of(sheet, "F2#3")] = "はい"
    buf = io.BytesIO()
    wb.save(buf)
    foreign = Workbook()
    foreign.active["A1"] = "F1"
    foreign.active["B1"] = "4"
    fbuf = io.BytesIO()
    foreign.save(fbuf)
    results = services.import_survey_sheets(
        open_event,
        [
            ("wrong.xlsx", wrong_option),
            ("missing.xlsx", missing_f1),
            ("mark.xlsx", buf.getvalue()),
            ("foreign.xlsx", fbuf.getvalue()),
            ("text.xlsx", b"not a workbook"),
        ],
    )
    assert [r.status for r in results] == ["refused"] * 5
    assert results[0].errors == [f"アンケート!{cell_of(sheet, 'Q4')}：問4の選択肢にない値です。"]
    assert results[1].errors == [f"アンケート!{cell_of(sheet, 'F1')}：F1を選択してください。"]
    assert results[2].errors == [
        f"アンケート!{cell_of(sheet, 'F2#3')}：「○」以外の値です（はい）。"
    ]
    assert results[3].errors == ["このシステムで作成したアンケート用Excelシートではありません。"]
    assert results[4].errors == ["Excelファイル（.xlsx）として読み込めません。"]
    assert stored(db) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(SurveyImport)) == 0


def test_good_files_of_a_batch_are_kept_when_another_is_refused(db, open_event, definition):
    sheet = services.survey_sheet(open_event)
    good = fill(sheet, {"F1": "4 市町村", "F3": "2"})
    bad = fill(sheet, {"F3": "2"})
    results = services.import_survey_sheets(open_event, [("good.xlsx", good), ("bad.xlsx", bad)])
    assert [r.status for r in results] == ["imported", "refused"]
    assert len(stored(db)) == 1
