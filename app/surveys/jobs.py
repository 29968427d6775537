"""Background jobs of the questionnaire (app.core.jobs): the free-text PDF, which grows with the
answers (about 2 ms per comment: 25 s for the 12,000 comments of ten times FY2023)."""

from __future__ import annotations

from app.core import jobs
from app.events.models import Event
from app.extensions import db
from app.surveys import pdf, services

TEXTS_PDF = "surveys.texts_pdf"
ROLES = ("analyst", "secretariat")


@jobs.register(TEXTS_PDF, "自由記載（PDF）")
def build_texts_pdf(job: jobs.Job, event_id: int) -> jobs.JobResult:
    """Every comment of the event as PDF; progress in comments."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise LookupError(f"event {event_id} is gone")
    definition, _records, tab = services.tabulate_event(event)
    job.progress(0, len(tab.texts))
    data = pdf.texts_pdf(event, definition, tab, progress=job.progress)
    return jobs.JobResult(data, f"{event.slug}_アンケート自由記載.pdf", "application/pdf")


def start_texts_pdf(event: Event) -> str:
    """Queue the free-text PDF of ``event``; the job's id."""
    return jobs.start(TEXTS_PDF, str(event.id), ROLES, event_id=event.id)


def latest_texts_pdf(event: Event) -> jobs.JobState | None:
    return jobs.latest(TEXTS_PDF, str(event.id))
