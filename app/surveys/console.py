"""The console pages of the questionnaire (分析担当 and 事務局)."""

from __future__ import annotations

import io
from collections import Counter

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from app.core import spreadsheets
from app.core.auth import staff_required
from app.core.confirm import confirmation_page, irreversible
from app.core.paging import paginate_list
from app.core.uploads import accepts_upload
from app.events.models import current_event_or_404, current_upload_limit_mb
from app.surveys import exports, jobs, pdf, services
from app.surveys.charts import chart_svg
from app.surveys.definition import CHANNEL_SHORT, CHANNELS, AnswerError
from app.surveys.forms import (
    ActionForm,
    PaperEntryForm,
    SheetImportForm,
    entry_errors,
    entry_sections,
    entry_to_raw,
)
from app.surveys.qr import qr_png
from app.surveys.tabulation import format_cell
from app.surveys.urls import short_url, survey_url

bp = Blueprint("surveys_console", __name__, url_prefix="/console/surveys")
ROLES = ("analyst", "secretariat")
SECRETARIAT = ("secretariat",)


@bp.route("/")
@staff_required(*ROLES)
def overview():
    event = current_event_or_404()
    survey = services.ensure_survey(event)
    return render_template(
        "surveys/console/overview.html",
        event=event,
        definition=survey.definition,
        count=services.response_count(event),
        is_open=services.survey_is_open(event),
        channels=[(code, label, survey_url(event, code)) for code, label in CHANNELS.items()],
        short_url=short_url(event),
        texts_job=jobs.latest_texts_pdf(event),
        form=ActionForm(),
    )


def _download(data: bytes, filename: str, mimetype: str):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    return response


def _spreadsheet(data: bytes, filename: str) -> Response:
    """An xlsx or CSV download with the headers of app.core.spreadsheets (one charset)."""
    return Response(data, headers=spreadsheets.download_headers(filename))


@bp.route("/sheet.xlsx")
@staff_required(*ROLES)
def sheet():
    event = current_event_or_404()
    return _spreadsheet(services.survey_sheet(event), f"{event.slug}_アンケート.xlsx")


@bp.route("/slide")
@staff_required(*ROLES)
def slide():
    """Full-screen page for the last slide of 研修会議Ⅰ: the QR code and the short URL."""
    event = current_event_or_404()
    definition = services.ensure_survey(event).definition
    return render_template(
        "surveys/console/slide.html",
        event=event,
        definition=definition,
        short_url=short_url(event),
    )


@bp.route("/import", methods=["GET", "POST"])
@staff_required(*SECRETARIAT)
@accepts_upload(current_upload_limit_mb)
def import_sheets():
    """Upload of filled Excel sheets, many at once."""
    event = current_event_or_404()
    form = SheetImportForm()
    results = None
    if form.validate_on_submit():
        files = [(f.filename or "", f.read()) for f in request.files.getlist("files") if f]
        files = [(name, data) for name, data in files if name or data]
        if not files:
            form.files.errors.append("ファイルを選択してください。")
        else:
            results = services.import_survey_sheets(event, files, current_user)
            done = sum(r.status == "imported" for r in results)
            flash(f"{done}件のExcelシートを取り込みました。", "success" if done else "warning")
    return render_template(
        "surveys/console/import.html", event=event, form=form, results=results
    ), (422 if results and any(r.status == "refused" for r in results) else 200)


@bp.route("/results")
@staff_required(*ROLES)
def results():
    """All tables, with the charts drawn on the server as inline SVG."""
    event = current_event_or_404()
    definition, _records, tab = services.tabulate_event(event)
    return render_template(
        "surveys/console/results.html",
        event=event,
        definition=definition,
        tab=tab,
        charts=[(c, Markup(chart_svg(c))) for c in tab.charts],
        fmt=format_cell,
    )


@bp.route("/texts")
@staff_required(*ROLES)
def texts():
    """Free text per question, filterable by question, channel and a word."""
    event = current_event_or_404()
    definition, _records, tab = services.tabulate_event(event)
    key = request.args.get("q", "")
    word = request.args.get("word", "").strip()
    channel = request.args.get("ch", "")
    fields = definition.text_fields()
    if key and key not in dict(fields):
        key = ""  # a hand-made URL: every question
    items = [
        t
        for t in tab.texts
        if (not key or t.key == key)
        and (not channel or t.channel == channel)
        and (not word or word in t.text)
    ]
    per_question = Counter(
        t.key
        for t in tab.texts
        if (not channel or t.channel == channel) and (not word or word in t.text)
    )
    return render_template(
        "surveys/console/texts.html",
        event=event,
        fields=fields,
        page=paginate_list(items),
        per_question=[(k, label, per_question[k]) for k, label in fields if per_question[k]],
        key=key,
        word=word,
        channel=channel,
        channels=CHANNEL_SHORT,
    )


@bp.route("/report.<any(xlsx, pdf):fmt>")
@staff_required(*ROLES)
def report(fmt: str):
    """The report as Excel or PDF."""
    event = current_event_or_404()
    definition, records, tab = services.tabulate_event(event, records=fmt == "xlsx")
    if fmt == "xlsx":
        data = exports.report_xlsx(tab, definition, records, event.name)
        return _spreadsheet(data, f"{event.slug}_アンケート集計.xlsx")
    data = pdf.cached_report_pdf(event, definition, tab)
    return _download(data, f"{event.slug}_アンケート集計.pdf", "application/pdf")


@bp.route("/texts.pdf", methods=["POST"])
@staff_required(*ROLES)
def texts_pdf():
    """Start the free-text PDF in the background and show its progress (app.core.jobs)."""
    event = current_event_or_404()
    if not ActionForm().validate_on_submit():
        flash("もう一度お試しください。", "warning")
        return redirect(url_for("surveys_console.overview"))
    return redirect(url_for("jobs.status", job_id=jobs.start_texts_pdf(event)))


@bp.route("/answers.<any(xlsx, csv):fmt>")
@staff_required(*ROLES)
def answers(fmt: str):
    """The raw answers as xlsx or CSV (choices as their numbers)."""
    event = current_event_or_404()
    definition = services.ensure_survey(event).definition
    records = services.iter_answer_records(event)  # read while the file is written or sent
    body = exports.answers_stream(definition, records, fmt)
    if fmt == "csv":
        body = stream_with_context(body)
    return Response(
        body, headers=spreadsheets.download_headers(f"{event.slug}_アンケート回答.{fmt}")
    )


@bp.route("/paper.pdf")
@staff_required(*ROLES)
def paper():
    """The A4 paper questionnaire with the QR code of the paper channel."""
    event = current_event_or_404()
    definition = services.ensure_survey(event).definition
    url = survey_url(event, "paper")
    data = pdf.paper_pdf(event, definition, url, qr_png(url, box_size=8))
    return _download(data, f"{event.slug}_アンケート用紙.pdf", "application/pdf")


@bp.route("/entry", methods=["GET", "POST"])
@staff_required(*SECRETARIAT)
def entry():
    """Data entry of paper forms, by the keyboard alone (numbers as on the sheet)."""
    event = current_event_or_404()
    definition = services.ensure_survey(event).definition
    form = PaperEntryForm()
    errors: dict = {}
    values: dict = {}
    if form.validate_on_submit():
        values = request.form.to_dict()
        try:
            services.enter_paper_response(
                event, form.paper_no.data, entry_to_raw(request.form, definition), current_user
            )
        except AnswerError as exc:
            errors = entry_errors(exc.errors, definition)
        else:
            flash(f"用紙番号 {form.paper_no.data} を登録しました。", "success")
            return redirect(url_for("surveys_console.entry"))
    elif request.method == "GET":
        form.paper_no.data = services.next_paper_no(event)
    if form.paper_no.errors or errors.get("paper_no"):
        errors.setdefault("paper_no", (form.paper_no.errors or [""])[0])
        values = values or request.form.to_dict()
    return render_template(
        "surveys/console/entry.html",
        event=event,
        definition=definition,
        form=form,
        sections=entry_sections(definition),
        errors=errors,
        values=values,
        count=services.paper_entry_count(event),
    ), (422 if errors else 200)


def _mail_page():
    event = current_event_or_404()
    pending, gaps = services.invitation_gaps(event)
    return confirmation_page(
        "アンケート依頼メールの一斉送信",
        missing=gaps,
        back_url=url_for("surveys_console.mail"),
        button=f"{pending:,}名にメールを送る",
        explanation=f"まだ送っていない申込者{pending:,}名に、アンケートのURL・QRコード・"
        "Excelシートをメールで送ります。",
    )


@bp.route("/mail", methods=["GET", "POST"])
@staff_required(*SECRETARIAT)
@irreversible("アンケート依頼メールの一斉送信", page=_mail_page)
def mail():
    """The questionnaire mail to all registrants, sent through the outbox, with its progress."""
    event = current_event_or_404()
    form = ActionForm()
    if form.validate_on_submit():
        count = services.queue_survey_invitations(event, current_user)
        flash(f"{count}件のメールを送信待ちにしました。", "success")
        return redirect(url_for("surveys_console.mail"))
    progress = services.invitation_progress(event)
    return render_template(
        "surveys/console/mail.html",
        event=event,
        form=form,
        progress=progress,
        total=sum(progress.values()),
        recipients=len(services.registrant_emails(event)),
    )
