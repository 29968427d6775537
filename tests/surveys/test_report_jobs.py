"""The report PDF stays short whatever the number of comments; the free text is a background job
(app.core.jobs on Huey) with a progress page, a download, and a Japanese message on failure."""

from __future__ import annotations

import io
import re
import signal
import time

import pytest
from huey.storage import SqliteStorage
from pypdf import PdfReader

from app.core import jobs
from app.surveys import jobs as survey_jobs
from app.surveys import pdf, services
from tests.surveys.conftest import web_answer

# Every test lays out a PDF or runs its job: what it checks does not depend on the database.
pytestmark = pytest.mark.sqlite_only("rendering does not depend on the database")

COMMENTS = ["資料を事前に配ってほしい", "グループワークが役に立った", "開催時期を早めてほしい"]


@pytest.fixture
def commented(open_event):
    for i, text in enumerate(COMMENTS):
        services.submit_response(open_event, "qr", web_answer(Q8=f"{text}（{i}）"))
    return open_event


def _pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_report_lists_counts_and_points_to_the_free_text_when_there_are_many(
    client, staff, commented, monkeypatch
):
    monkeypatch.setattr(pdf, "INLINE_TEXTS", 2)
    staff(client, "analyst")
    text = _pdf_text(client.get("/console/surveys/report.pdf").data)
    assert "回答数 n=3" in text
    assert "資料を事前に配ってほしい" not in text
    assert "本文は「自由記載（PDF）」と集計（Excel）の「自由記載」シートにあります" in text
    assert re.search(r"Q8.*?3|3件", text)


def test_free_text_pdf_job_shows_progress_then_the_download(client, staff, commented, monkeypatch):
    monkeypatch.setattr(pdf, "TEXTS_CHUNK", 4)  # 3 answers × 4 comments: three runs
    staff(client, "analyst")
    overview = client.get("/console/surveys/")
    assert "自由記載（PDF）を作成する" in overview.text
    response = client.post("/console/surveys/texts.pdf")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "完了" in page.text and "自由記載（PDF）をダウンロード" in page.text
    assert 'http-equiv="refresh"' not in page.text  # finished: no more reloading
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    download = client.get(f"/console/jobs/{job_id}/download")
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    text = _pdf_text(download.data)
    for i, comment in enumerate(COMMENTS):
        assert f"{comment}（{i}）" in text
    assert "前回の自由記載（PDF）：完了" in client.get("/console/surveys/").text


def test_running_job_page_refreshes_and_shows_how_far_it_is(client, staff, commented):
    staff(client, "analyst")
    state = jobs.JobState(
        id="running-job", kind=survey_jobs.TEXTS_PDF, label="自由記載（PDF）", scope="x",
        roles=survey_jobs.ROLES, state="running", done=400, total=1200,
    )  # fmt: skip
    jobs._save(state)
    page = client.get("/console/jobs/running-job").text
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "作成中" in page and "400／1,200（33%）" in page
    assert "ダウンロード" not in page
    assert client.get("/console/jobs/running-job/download").status_code == 404


def test_job_of_another_role_is_forbidden_and_unknown_is_404(client, staff, commented):
    staff(client, "secretariat")
    jobs._save(jobs.JobState(id="j-other", kind="k", label="x", scope="s", roles=("analyst",)))
    assert client.get("/console/jobs/j-other").status_code == 403
    assert client.get("/console/jobs/no-such-job").status_code == 404


def test_failed_job_shows_a_japanese_message(client, staff, commented, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(pdf, "texts_pdf", broken)
    staff(client, "analyst")
    response = client.post("/console/surveys/texts.pdf")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "エラー" in page.text and "作成中にエラーが発生しました。" in page.text
    assert "font missing" not in page.text and "RuntimeError" not in page.text


def test_a_real_consumer_on_sqlite_runs_the_job(client, staff, commented, tmp_path):
    """Not immediate: the job goes through Huey's SQLite queue to a consumer thread."""
    staff(client, "analyst")
    jobs.huey.immediate = False
    jobs.huey.storage = SqliteStorage(jobs.NAME, filename=str(tmp_path / "huey.sqlite3"))
    consumer = jobs.huey.create_consumer(
        workers=1, worker_type="thread", periodic=False, check_worker_health=False
    )
    try:
        response = client.post("/console/surveys/texts.pdf")
        job_id = response.headers["Location"].rsplit("/", 1)[1]
        assert "順番待ち" in client.get(f"/console/jobs/{job_id}").text  # nobody consumes yet
        handlers = {
            sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        consumer.start()  # worker threads; start() itself returns at once
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        deadline = time.monotonic() + 60
        while not jobs.get(job_id).finished and time.monotonic() < deadline:
            time.sleep(0.2)
        assert jobs.get(job_id).state == "done"
        assert COMMENTS[0] in _pdf_text(client.get(f"/console/jobs/{job_id}/download").data)
    finally:
        consumer.stop(graceful=True)
        jobs.huey.immediate = True


def test_the_same_report_is_not_laid_out_twice_and_a_new_answer_makes_a_new_one(
    client, staff, commented, monkeypatch
):
    made = []
    report_pdf = pdf.report_pdf

    def counting(*args, **kwargs):
        made.append(1)
        return report_pdf(*args, **kwargs)

    monkeypatch.setattr(pdf, "report_pdf", counting)
    staff(client, "analyst")
    first = client.get("/console/surveys/report.pdf").data
    assert client.get("/console/surveys/report.pdf").data == first
    assert len(made) == 1
    services.submit_response(commented, "chat", web_answer(Q8="追加の回答"))
    text = _pdf_text(client.get("/console/surveys/report.pdf").data)
    assert len(made) == 2 and "回答数 n=4" in text and "追加の回答" in text


def test_a_large_excel_report_points_to_the_streamed_raw_answers(
    client, staff, commented, monkeypatch
):
    from openpyxl import load_workbook

    from app.surveys import exports

    monkeypatch.setattr(exports, "RAW_IN_REPORT", 2)
    staff(client, "analyst")
    wb = load_workbook(io.BytesIO(client.get("/console/surveys/report.xlsx").data))
    assert "回答データ" not in wb.sheetnames and "自由記載" in wb.sheetnames
    toc = [c for row in wb["目次"].iter_rows(values_only=True) for c in row if c]
    assert any("「回答データ（Excel）」からダウンロードしてください" in c for c in toc)
    raw = load_workbook(io.BytesIO(client.get("/console/surveys/answers.xlsx").data))
    assert len(list(raw["回答データ"].iter_rows(values_only=True))) == 4  # header + 3 answers
