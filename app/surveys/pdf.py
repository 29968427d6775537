"""PDFs of the questionnaire: the report, its free text, and the printable A4 paper form
(WeasyPrint).

Speed (docs/performance.md, Reports and exports): the report's tables use a fixed layout, fonts
are loaded once per thread (one ``FontConfiguration`` reused), and the free text — which grows
with the answers, about 20–40 ms per comment in WeasyPrint — is in the report only while it is
short (``INLINE_TEXTS`` comments); beyond that the report lists the counts per question and the
comments are a document of their own, built in chunks (``texts_pdf``) by a background job with
its progress.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections import Counter
from collections.abc import Callable

from flask import render_template
from markupsafe import Markup
from pypdf import PdfWriter

from app.core import jobs
from app.core.pdf import html_to_pdf
from app.events.models import Event
from app.surveys.charts import chart_svg
from app.surveys.definition import CHANNEL_SHORT, SCALE_CONTENT, SCALE_TIME, Definition
from app.surveys.tabulation import Tabulation, format_cell

# At most this many comments are printed in the report itself (the FY2023 demo has 33; 737
# answers with realistic comments have about 1,200, which would take 30 s).
INLINE_TEXTS = 100
# Comments per WeasyPrint run of the free-text PDF: one step of the job's progress.
TEXTS_CHUNK = 400


def write_pdf(html: str, *, lean: bool = False) -> bytes:
    """HTML → PDF bytes with the thread's font configuration (app.core.pdf); ``lean``: with
    the reduced user-agent stylesheet (the report's template uses only what it holds)."""
    return html_to_pdf(html, lean=lean)


def text_counts(definition: Definition, tab: Tabulation) -> list[tuple[str, int]]:
    """(question, number of comments) per free-text question, in the questionnaire's order."""
    counts = Counter(t.key for t in tab.texts)
    return [(label, counts[key]) for key, label in definition.text_fields() if counts[key]]


def report_pdf(event: Event, definition: Definition, tab: Tabulation) -> bytes:
    """The report as PDF: the same tables and charts as the Excel report; the free text itself
    when there are at most ``INLINE_TEXTS`` comments, else their counts and where they are."""
    html = render_template(
        "surveys/pdf/report.html",
        event=event,
        definition=definition,
        tab=tab,
        charts=[(c, Markup(chart_svg(c))) for c in tab.charts],
        fmt=format_cell,
        channel_short=CHANNEL_SHORT,
        inline_texts=len(tab.texts) <= INLINE_TEXTS,
        text_counts=text_counts(definition, tab),
    )
    return write_pdf(html, lean=True)


def cached_report_pdf(event: Event, definition: Definition, tab: Tabulation) -> bytes:
    """``report_pdf``, kept in the job store (app.core.jobs: Redis or SQLite, seen by every
    worker) under the event with a digest of what it shows: the same report downloaded again —
    by a second person, or after the survey closed — is not laid out again (about 2 s of CPU)."""
    inline = len(tab.texts) <= INLINE_TEXTS
    shown = (
        event.name,
        definition.subtitle,
        tab.n,
        tab.caveat,
        tab.tables,
        tab.charts,
        tab.texts if inline else text_counts(definition, tab),
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()
    key = f"report-pdf:{event.id}"
    kept = jobs.huey.get(key, peek=True)
    if kept and kept[0] == digest:
        return kept[1]
    data = report_pdf(event, definition, tab)
    jobs.huey.put(key, (digest, data))
    return data


def texts_pdf(
    event: Event,
    definition: Definition,
    tab: Tabulation,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Every comment as PDF, ``TEXTS_CHUNK`` comments per WeasyPrint run, merged with pypdf;
    ``progress(done, total)`` is called after each run (comments done, all comments)."""
    texts = tab.texts
    total = len(texts)
    writer = PdfWriter()
    chunks = [texts[i : i + TEXTS_CHUNK] for i in range(0, total, TEXTS_CHUNK)] or [[]]
    done = 0
    for number, chunk in enumerate(chunks):
        part = Tabulation(tab.n, tab.rates, [], [], chunk)
        html = render_template(
            "surveys/pdf/report.html",
            event=event,
            definition=definition,
            tab=part,
            all_texts=total,
            first_chunk=number == 0,
            texts_only=True,
            channel_short=CHANNEL_SHORT,
        )
        writer.append(io.BytesIO(write_pdf(html, lean=True)))
        done += len(chunk)
        if progress:
            progress(done, total)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def paper_pdf(event: Event, definition: Definition, url: str, qr_png: bytes) -> bytes:
    """The A4 paper form with the QR code of the web form (「QRコードからも御回答いただけます」)."""
    html = render_template(
        "surveys/pdf/paper.html",
        event=event,
        definition=definition,
        url=url,
        qr_data=base64.b64encode(qr_png).decode(),
        scale_content=SCALE_CONTENT,
        scale_time=SCALE_TIME,
    )
    return write_pdf(html)
