"""Console tables and charts, and the reports read back (openpyxl, pypdf)."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.surveys import services
from tests.core.test_labels import visible_text
from tests.surveys.conftest import web_answer


@pytest.fixture
def answered(open_event):
    services.submit_response(open_event, "qr", web_answer())
    services.submit_response(open_event, "chat", web_answer(F1="1", F3="1", Q1_1_1_c="2"))
    services.submit_response(
        open_event, "mail", web_answer(F1="7", F3="2", Q8="資料を事前に配ってほしい")
    )
    return open_event


def test_results_page_has_tables_and_server_side_charts(client, staff, answered):
    staff(client, "analyst")
    page = client.get("/console/surveys/results").text
    assert "回答数 n=3" in page
    assert "<svg" in page and "<script" not in page.split("<main>")[1].split("</main>")[0]
    assert "行政説明（老健局）（n=2）" in page  # ⓵内容: the two who attended Ⅰ
    assert "肯定的評価" in page and "%長い側" in page
    assert "F3 参加状況 × F1区分" in page and "全体" in page
    assert '<span title="n&lt;5">※</span>' in page


def test_free_text_filter(client, staff, answered):
    staff(client, "secretariat")
    page = client.get("/console/surveys/texts?q=Q8&word=資料").text
    assert "資料を事前に配ってほしい" in page
    assert "ありがとうございました。" not in page
    page = client.get("/console/surveys/texts?q=Q1_1_1").text
    assert "1. 行政説明（老健局）" in page  # the row picked in the form


def test_excel_report_reads_back(client, staff, answered):
    staff(client, "analyst")
    response = client.get("/console/surveys/report.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[0] == "目次"
    assert "回答データ" in wb.sheetnames and "自由記載" in wb.sheetnames
    content = next(wb[n] for n in wb.sheetnames if n.startswith("問1-1 研修会議Ⅰ ⓵内容"))
    rows = list(content.iter_rows(values_only=True))
    assert rows[1][:3] == ("プログラム", "有効回答", "無回答")
    first = rows[2]
    assert first[0].startswith("1. 行政説明（老健局）") and first[1] == 2
    assert first[3:5] == (50, 50)  # 参考になった, やや参考になった
    assert len(wb["グラフ"]._images) == 7  # F1, F2, F3, 問1-1 ⓵②, 問1-2 ⓵②
    raw = list(wb["回答データ"].iter_rows(values_only=True))
    assert raw[0][:3] == ("回答ID", "回答経路", "回答日時") and len(raw) == 4
    texts = [r[4] for r in wb["自由記載"].iter_rows(min_row=2, values_only=True)]
    assert "資料を事前に配ってほしい" in texts


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_pdf_report_reads_back(client, staff, answered):
    staff(client, "analyst")
    response = client.get("/console/surveys/report.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "参加者アンケート 集計結果" in text
    assert "回答数 n=3" in text
    assert "行政説明（老健局）（n=2）" in text  # chart label, drawn as SVG text
    assert "資料を事前に配ってほしい" in text


def test_raw_answers_csv_and_xlsx(client, staff, answered):
    staff(client, "analyst")
    data = client.get("/console/surveys/answers.csv").data
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == [
        "回答ID",
        "回答経路",
        "回答日時",
        "F1 ご所属を教えてください。",
    ]
    assert [r[1] for r in rows[1:]] == ["画面QR", "チャットURL", "メール"]
    f2 = rows[0].index("F2（複数）")
    assert rows[1][f2] == "4,9"
    wb = load_workbook(io.BytesIO(client.get("/console/surveys/answers.xlsx").data))
    assert wb.active.max_row == 4


def test_chart_png_draws_japanese_text():
    from PIL import Image

    from app.surveys.charts import chart_png
    from app.surveys.tabulation import Chart

    chart = Chart(
        "x",
        "問1-1　研修会議Ⅰ　⓵内容について",
        "stacked",
        ["行政説明（老健局）（n=10）"],
        [
            "参考になった",
            "やや参考になった",
            "どちらでもない",
            "あまり参考にならなかった",
            "参考にならなかった",
        ],
        [[50.0, 30.0, 10.0, 5.0, 5.0]],
    )
    image = Image.open(io.BytesIO(chart_png(chart))).convert("L")
    # the label area (left) holds dark glyph pixels
    label_box = image.crop((0, 60, 660, 130))
    assert label_box.getextrema()[0] < 80


def test_analyst_cannot_import(client, staff, answered):
    staff(client, "analyst")
    assert client.get("/console/surveys/import").status_code == 403


@pytest.fixture
def undecided(db, open_event, make_team, make_registration):
    """One registrant of 研修会議Ⅰ, a 研修会議Ⅱ team of 2 taking part and one of 3 still 選定中;
    three answers of people who say they attended both (研修会議Ⅱ: 3 answers over a base of 2)."""
    make_registration(channel="webinar")
    make_team(size=2, municipality="011002")
    pending = make_team(size=3, municipality="012025")
    pending.status = "pending"
    db.session.commit()
    for _ in range(3):
        services.submit_response(open_event, "qr", web_answer(F3="4"))
    return open_event


RATE_NOTES = (
    "研修会議Ⅱ参加者（F3で参加と回答）※3",
    "※3 回収率が100%を超えています（3件／2人）。基数は研修会議Ⅱの参加団体（受付済・参加決定・"
    "人数調整）の参加者2人で、選定中の1団体（3人）は参加が決まっていないため含めていません。"
    "回答数はF3で研修会議Ⅱに参加したと回答した人数です。",
    "※1 回収率が100%を超えています（3件／1人）。基数は研修会議Ⅰの有効な申込者1人です。"
    "回答数は回答全体（研修会議Ⅱのみの参加者を含む）です。",
)


def test_a_rate_over_100_or_on_an_undecided_base_says_what_its_base_is(
    client, staff, undecided, backend
):
    staff(client, "analyst")
    page = visible_text(client.get("/console/surveys/results").text)
    assert "150.0" in page  # 3 / 2
    for note in RATE_NOTES:
        assert note in page, note
    assert (
        "※4 基数は研修会議Ⅰの申込者と研修会議Ⅱの参加団体の参加者（メールアドレスの重複を除く）"
        in page
    )
    assert "回収率は参考値です。" in page
    wb = load_workbook(io.BytesIO(client.get("/console/surveys/report.xlsx").data))
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c]
    for note in RATE_NOTES:
        assert any(note in c for c in cells), note
    if backend == "sqlite":  # rendering does not depend on the database
        pdf = PdfReader(io.BytesIO(client.get("/console/surveys/report.pdf").data))
        text = "".join(p.extract_text() for p in pdf.pages).replace("\n", "")
        for note in RATE_NOTES:
            assert note.replace("\n", "") in text, note


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_pdf_report_keeps_every_heading_with_what_follows(client, staff, answered):
    staff(client, "analyst")
    pdf = PdfReader(io.BytesIO(client.get("/console/surveys/report.pdf").data))
    _definition, _records, tab = services.tabulate_event(answered)
    headings = {t.section for t in tab.tables} | {t.title for t in tab.tables}
    headings |= {"グラフ", "自由記載"}
    assert len(pdf.pages) > 5
    for number, page in enumerate(pdf.pages, 1):
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        body = _squeeze("".join(line for line in lines if not PAGE_NUMBER.match(line)))
        assert body, f"page {number} is empty"
        for heading in headings:
            assert not body.endswith(_squeeze(heading)), f"page {number} ends with 「{heading}」"


PAGE_NUMBER = re.compile(r"^\s*\d+ / \d+\s*$")


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_the_lean_stylesheet_lays_the_report_out_as_weasyprints_own(
    client, staff, answered, monkeypatch
):
    """The report is laid out with the reduced user-agent stylesheet (app/core/pdf_ua.css);
    with WeasyPrint's full one it gives the same pages, line by line."""
    from weasyprint import HTML

    from app.core import pdf as core_pdf
    from app.surveys import pdf

    assert "_ua_stylesheets" in vars(HTML)  # the hook LeanHTML overrides
    assert core_pdf.LeanHTML(string="<p>")._ua_stylesheets() == [core_pdf._lean_ua()]
    definition, _records, tab = services.tabulate_event(answered)
    calls = []
    with monkeypatch.context() as m:
        m.setattr(pdf, "write_pdf", lambda html, **kw: calls.append((html, kw)) or b"")
        pdf.report_pdf(answered, definition, tab)
    [(html, kw)] = calls
    assert kw == {"lean": True}
    lean = core_pdf.LeanHTML(string=html).render(font_config=core_pdf.font_config())
    full = HTML(string=html).render(font_config=core_pdf.font_config())
    assert len(lean.pages) == len(full.pages) > 5
    for a, b in zip(lean.pages, full.pages, strict=True):  # every box where it was
        assert _boxes(a._page_box) == _boxes(b._page_box)


def _boxes(page) -> list[tuple]:
    return [
        (type(box).__name__, getattr(box, "text", ""), box.position_x, box.position_y, box.width)
        for box in page.descendants()
    ]
