"""The printable paper form (QR code decoded from the rasterised PDF) and the entry screen."""

import io
import subprocess

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from app.surveys.models import SurveyResponse


def test_paper_pdf_has_the_questions_and_a_decodable_qr_code(
    client, staff, open_event, tmp_path, backend
):
    if backend != "sqlite":
        pytest.skip("rendering does not depend on the database")
    staff(client, "secretariat")
    response = client.get("/console/surveys/paper.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    for part in (
        "参加者アンケート",
        "QRコードからも御回答いただけます。",
        "歯科衛生士会",
        "シンポジストによるディスカッション",
        "御回答ありがとうございました",
    ):
        assert part in text, part
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "200",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]
    assert codes == [f"http://localhost/survey/{open_event.slug}?ch=paper"]


def entry(**fields):
    data = {
        "paper_no": "1",
        "F1": "4",
        "F3": "5",
        "F2": "45",
        "Q1_1_1": "13",
        "Q1_1_9": "2",
        "Q1_2_5": "14",
        "Q3": "31",
        "Q4": "2",
        "Q2_months": "9,10",
        "Q8": "有意義でした",
    }
    data.update(fields)
    return data


def test_entry_by_numbers_as_on_the_sheet(client, staff, db, open_event):
    staff(client, "secretariat")
    page = client.get("/console/surveys/entry").text
    assert 'name="paper_no" value="1"' in page and "autofocus" in page
    response = client.post("/console/surveys/entry", data=entry())
    assert response.status_code == 302
    (stored,) = db.session.scalars(db.select(SurveyResponse)).all()
    assert stored.channel == "paper" and stored.source == "entry" and stored.paper_no == 1
    a = stored.answers
    assert (a["F1"], a["F3"], a["F2"]) == (4, 5, [4, 5])
    assert (a["Q1_1_1_c"], a["Q1_1_1_t"], a["Q1_1_9_c"]) == (1, 3, 2)
    assert "Q1_1_9_t" not in a
    assert (a["Q1_2_5_c"], a["Q1_2_5_t"]) == (1, 4)
    assert (a["Q3_1"], a["Q3_2"], a["Q2_months"]) == (3, 1, [9, 10])
    assert 'name="paper_no" value="2"' in client.get("/console/surveys/entry").text


def test_entry_errors_are_shown_next_to_the_field_and_nothing_stored(client, staff, db, open_event):
    staff(client, "secretariat")
    response = client.post("/console/surveys/entry", data=entry(F1="", Q1_1_3="71"))
    assert response.status_code == 422
    assert "F1を選択してください。" in response.text
    assert "問1-1の3（⓵内容について）の選択肢にない値です。" in response.text
    assert 'value="71"' in response.text  # typed values kept
    assert db.session.scalars(db.select(SurveyResponse)).all() == []


def test_the_same_paper_number_is_never_entered_twice(client, staff, db, open_event):
    staff(client, "secretariat")
    assert client.post("/console/surveys/entry", data=entry()).status_code == 302
    response = client.post("/console/surveys/entry", data=entry())
    assert response.status_code == 422
    assert "用紙番号 1 は既に入力済みです。" in response.text
    assert len(db.session.scalars(db.select(SurveyResponse)).all()) == 1
