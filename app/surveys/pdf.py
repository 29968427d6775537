"""PDFs of the questionnaire: the report and the printable A4 paper form (WeasyPrint)."""

from __future__ import annotations

import base64

from flask import render_template
from markupsafe import Markup
from weasyprint import HTML

from app.events.models import Event
from app.surveys.charts import chart_svg
from app.surveys.definition import CHANNEL_SHORT, SCALE_CONTENT, SCALE_TIME, Definition
from app.surveys.tabulation import Tabulation, format_cell


def report_pdf(event: Event, definition: Definition, tab: Tabulation) -> bytes:
    """The report as PDF: the same tables, charts and free text as the Excel report."""
    html = render_template(
        "surveys/pdf/report.html",
        event=event,
        definition=definition,
        tab=tab,
        charts=[(c, Markup(chart_svg(c))) for c in tab.charts],
        fmt=format_cell,
        channel_short=CHANNEL_SHORT,
    )
    return HTML(string=html).write_pdf()


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
    return HTML(string=html).write_pdf()
