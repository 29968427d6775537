"""The printable paper form (QR code decoded from the rasterised PDF) and the entry screen."""

import csv
import io
import re
import subprocess
from html.parser import HTMLParser

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from app.surveys.exports import answer_columns
from app.surveys.models import SurveyResponse
from tests.core.test_labels import visible_text
from tests.surveys.conftest import web_answer


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_paper_pdf_has_the_questions_and_a_decodable_qr_code(client, staff, open_event, tmp_path):
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
        "Q1_1_1_ct": "13",
        "Q1_1_9_ct": "2",
        "Q1_2_5_ct": "14",
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
    response = client.post("/console/surveys/entry", data=entry(F1="", Q1_1_3_ct="71"))
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


def test_entry_page_counts_the_paper_forms_entered_not_every_answer(client, staff, open_event):
    for _ in range(6):
        client.post(f"/survey/{open_event.slug}?ch=paper", data=web_answer())
    staff(client, "secretariat")
    assert "入力済みの用紙：0件" in visible_text(client.get("/console/surveys/entry").text)
    assert client.post("/console/surveys/entry", data=entry()).status_code == 302
    assert "入力済みの用紙：1件" in visible_text(client.get("/console/surveys/entry").text)


class _Inputs(HTMLParser):
    """(name, label text) of every box of the entry form, in page order."""

    def __init__(self):
        super().__init__()
        self.boxes: list[tuple[str, str]] = []
        self._label: list[str] | None = None
        self._name = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._label, self._name = [], ""
        elif tag in ("input", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self._name = attrs["name"]
            if self._label is None:
                self.boxes.append((self._name, ""))

    def handle_endtag(self, tag):
        if tag == "label" and self._label is not None:
            self.boxes.append((self._name, "".join(self._label).strip()))
            self._label = None

    def handle_data(self, data):
        if self._label is not None:
            self._label.append(data)


def entry_boxes(page: str) -> list[tuple[str, str]]:
    parser = _Inputs()
    parser.feed(page)
    return parser.boxes


def test_entry_labels_cite_every_question_as_the_sheet_does(client, staff, definition):
    staff(client, "secretariat")
    labels = dict(entry_boxes(client.get("/console/surveys/entry").text))
    for label in labels.values():
        # 「問6.-1」「問1-1-1. 対象番号」: the printed 「.」 is not part of the number
        assert not re.search(r"(問[0-9-]+|F[0-9])[.．]", label), label
    assert labels["Q6_1"] == "問6-1 全体テーマについて"
    assert labels["Q7_2"] == "問7-2 行政説明について"
    assert labels["Q1_1_1"] == "問1-1-1 自由記載"
    assert labels["Q1_1_1_row"] == "問1-1-1 対象番号（1～9）"
    assert labels["Q1_2_1_row"] == "問1-2-1 対象番号（1～6）"
    assert labels["Q8"] == "問8"
    assert labels["Q2_reason"] == "問2 その理由（自由記載）"
    assert labels["F1"] == "F1 所属（1～23）"
    page = visible_text(client.get("/console/surveys/entry").text)
    assert "問1-1 研修会議Ⅰ（⓵②の2桁）" in page and "問2～問8" in page


def typed_value(name: str, definition) -> str:
    """What a secretariat member types into the box ``name`` (every box gets a value)."""
    both = next(o.code for o in definition.question("F3").options if o.attends == ("t1", "t2"))
    fixed = {
        "paper_no": "112",
        "F1": "23",  # その他: its text is kept
        "F2": "19",  # 1 and 9 (その他)
        "F3": str(both),
        "Q1_1_1_row": "2",
        "Q1_2_1_row": "3",
        "Q2_months": "9,10",
        "Q3": "31",
        "Q4": "2",
        "Q5": "1",
    }
    if name in fixed:
        return fixed[name]
    pair = re.fullmatch(r"Q1_[12]_(\d+)_ct", name)
    if pair:
        row = int(pair[1])
        return f"{row % 5 + 1}{(row + 2) % 5 + 1}"
    if name in {key for key, _ in definition.text_fields()} | {"F1_other", "F2_other"}:
        return f"{name}の記入内容"
    raise AssertionError(f"the round trip does not know what to type into {name!r}")


def test_every_box_of_the_entry_screen_is_stored_and_exported(client, staff, db, definition):
    staff(client, "secretariat")
    boxes = [name for name, _ in entry_boxes(client.get("/console/surveys/entry").text)]
    assert len(boxes) == len(set(boxes)), "two boxes share a name"
    typed = {name: typed_value(name, definition) for name in boxes}
    response = client.post("/console/surveys/entry", data=typed, follow_redirects=True)
    assert "用紙番号 112 を登録しました。" in response.text
    (stored,) = db.session.scalars(db.select(SurveyResponse)).all()
    expected = {
        "F1": 23,
        "F2": [1, 9],
        "F3": int(typed["F3"]),
        "Q1_1_1_row": 2,
        "Q1_2_1_row": 3,
        "Q2_months": [9, 10],
        "Q3_1": 3,
        "Q3_2": 1,
        "Q4": 2,
        "Q5": 1,
    }
    for name, value in typed.items():
        pair = re.fullmatch(r"(Q1_[12]_\d+)_ct", name)
        if pair:
            expected[f"{pair[1]}_c"], expected[f"{pair[1]}_t"] = int(value[0]), int(value[1])
        elif value.endswith("の記入内容"):
            expected[name] = value
    assert stored.paper_no == 112
    assert stored.answers == expected
    # … and every value is in the raw answers, as the export writes them today
    keys = {key: i for i, (key, _) in enumerate(answer_columns(definition))}
    csv_rows = list(csv.reader(io.StringIO(client.get("/console/surveys/answers.csv").text)))
    sheet = load_workbook(io.BytesIO(client.get("/console/surveys/answers.xlsx").data)).active
    xlsx_rows = [[c.value for c in row] for row in sheet.iter_rows()]
    for key, value in expected.items():
        shown = ",".join(map(str, value)) if isinstance(value, list) else value
        assert csv_rows[1][keys[key]].lstrip("\ufeff") == str(shown), key
        assert xlsx_rows[1][keys[key]] == shown, key
