"""The questionnaire of an event, its answers, and the Excel files they were imported from.

Answers are anonymous (decisions.md: Questionnaire): no link to a registration or team.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.models import StaffUser
from app.core.preview import TestMarked
from app.events.models import Event
from app.extensions import db
from app.surveys.definition import CHANNEL_SHORT, Definition


class Survey(db.Model):
    """An event's 参加者アンケート: the questions as data (generated from the programme)."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    definition_data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    event: Mapped[Event] = relationship()

    @property
    def definition(self) -> Definition:
        return Definition.from_dict(self.definition_data)


class SurveyImport(db.Model):
    """One uploaded Excel sheet; the same file (by content) is never imported twice."""

    __tablename__ = "survey_import"
    __table_args__ = (UniqueConstraint("event_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    staff: Mapped[StaffUser | None] = relationship()


class SurveyResponse(TestMarked, db.Model):
    """One anonymous answer. ``channel``: qr | chat | mail | excel | paper; ``source``: web (the
    respondent), excel (an imported sheet), entry (typed in by staff from a paper form)."""

    __tablename__ = "survey_response"
    TEST_LABEL = "アンケートの回答"
    __table_args__ = (
        # A paper form (by the number staff write on it) is entered once.
        UniqueConstraint("event_id", "paper_no"),
        Index("ix_survey_response_event_channel", "event_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    SOURCES = {"web": "回答者が入力", "excel": "Excelシートの取込", "entry": "事務局が紙から入力"}
    source: Mapped[str] = mapped_column(String(10), default="web")
    answers: Mapped[dict] = mapped_column(JSON)
    # The choices again as one ASCII string and the rest of the answer (free text) as a small
    # dict, for tabulating without reading every JSON (tabulation.encode_answers; None: written
    # before migration 0014 could not encode it, read from ``answers`` instead).
    codes: Mapped[str | None] = mapped_column(Text)
    texts: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_import.id", ondelete="CASCADE"), unique=True
    )
    paper_no: Mapped[int | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    survey_import: Mapped[SurveyImport | None] = relationship()

    @property
    def source_label(self) -> str:
        return self.SOURCES[self.source]

    @property
    def channel_label(self) -> str:
        return CHANNEL_SHORT.get(self.channel, self.channel)
