"""Use cases of the questionnaire; each commits its own transaction."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from app.core import audit, collector, preview
from app.core.db import execute_compiled
from app.core.jpdates import format_datetime, now_utc
from app.core.mail import queue_mail, render_mail
from app.core.models import OutboxMessage, StaffUser
from app.events.models import Event
from app.extensions import db
from app.registration import reports
from app.registration.models import Registration, Team, TeamMember
from app.registration.rules import TEAM_COUNTED_STATUSES, TEAM_STATUS_LABELS
from app.registration.services.seats import insert_new, one_statement, take_pending
from app.surveys import qr, sheets, tabulation
from app.surveys.definition import (
    WEB_CHANNELS,
    AnswerError,
    Definition,
    build_definition,
    clean_answers,
    is_open,
    with_venues_appended,
)
from app.surveys.models import Survey, SurveyImport, SurveyResponse
from app.surveys.tabulation import RateBase
from app.surveys.urls import survey_url

AUDIT_ACTIONS = audit.actions(
    {
        "survey.regenerate": "アンケート設問の再作成",
        "survey.follow": "アンケート設問の更新（研修会議の設定に合わせて）",
        "survey.append": "アンケートF3の選択肢の追加",
        "survey.import": "アンケートExcelの取込",
        "survey.paper_entry": "紙のアンケートの入力",
        "survey.mail": "アンケート依頼メールの送信",
    }
)


# 研修会議Ⅱ teams whose participation is not decided yet: in no 回収率 base, and said so.
TEAM_UNDECIDED_STATUSES = ("pending",)


def audit_target(event: Event) -> str:
    """What the 操作履歴 names as the target of an action on the questionnaire: the event's
    name as a person reads it (never an internal id); at most 100 characters (the column)."""
    return f"{event.name}　参加者アンケート"[:100]


class SurveyClosedError(Exception):
    """The questionnaire is not taking answers now."""

    message = "このアンケートは現在、回答を受け付けていません。"


class SurveyChangeError(Exception):
    """The questionnaire cannot be changed (answers exist)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DuplicatePaperError(AnswerError):
    """A paper form number entered twice."""


def definition_from_programme(event: Event) -> Definition:
    """The questionnaire generated from the event: rated programme rows and venues."""
    rows = {}
    names = {}
    for training in event.trainings:
        rows[training.code] = [p.survey_label for p in training.programme if p.survey_label]
        names[training.code] = training.name
    return build_definition(
        rows.get("t1", []),
        rows.get("t2", []),
        [v.name for v in event.venues],
        t1_name=names.get("t1", "研修会議Ⅰ"),
        t2_name=names.get("t2", "研修会議Ⅱ"),
        venue_codes=[v.code for v in event.venues],
    )


def ensure_survey(event: Event, follow: bool = True) -> Survey:
    """The event's questionnaire, generated from its programme the first time, and following
    the event after that (``follow_event``); commits when it changed.

    ``follow=False`` (an answer being submitted): the questionnaire as stored, which is the
    one the person's form was built from by its GET (that GET followed the event), so the
    answer is checked against what was shown and the submit stays at 6 round trips (issue 12)."""
    query = select(Survey).where(Survey.event_id == event.id)
    survey = db.session.scalar(query)
    if survey is None:
        survey = Survey(
            event_id=event.id, definition_data=definition_from_programme(event).to_dict()
        )
        db.session.add(survey)
        try:
            db.session.commit()
        except IntegrityError:  # another request created it first (one survey per event)
            db.session.rollback()
            survey = db.session.scalar(query)
    if follow:
        follow_event(event, survey)
    return survey


def follow_event(event: Event, survey: Survey) -> None:
    """The questionnaire follows the event's programme and venues (issue 10 §1): until the
    first answer it is rebuilt from them (the rated rows, F3 in the venues' order); after it,
    a venue added to the event gets its F3 options appended at the end (never reordered or
    removed: the answers hold option numbers), named in ``Definition.changes`` and the audit
    log. Rated programme rows cannot change once answers exist (``events.services``).
    Commits only when something changed."""
    if not response_count(event):
        # As JSON stores it (tuples come back as lists), so that equal means unchanged.
        fresh = json.loads(json.dumps(definition_from_programme(event).to_dict()))
        if fresh != survey.definition_data:
            survey.definition_data = fresh
            audit.record("survey.follow", audit_target(event), "", event.id)
            db.session.commit()
        return
    venues = [(v.code, v.name) for v in event.venues]
    definition, added = with_venues_appended(survey.definition, venues)
    if added:
        survey.definition_data = definition.to_dict()
        for name in added:
            audit.record(
                "survey.append",
                audit_target(event),
                f"会場「{name}」をF3の選択肢に追加（回答があるため最後に追加）",
                event.id,
            )
        db.session.commit()


def regenerate_survey(event: Event, staff: StaffUser | None = None) -> Survey:
    """Rebuild the questionnaire from the current programme; refused once answers exist, since
    their row numbers refer to the old rows."""
    survey = ensure_survey(event)
    if response_count(event):
        raise SurveyChangeError("回答があるため、設問を作り直すことはできません。")
    survey.definition_data = definition_from_programme(event).to_dict()
    audit.record("survey.regenerate", audit_target(event), "", event.id)
    db.session.commit()
    return survey


def response_count(event: Event) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.event_id == event.id)
    )


def paper_entry_count(event: Event) -> int:
    """Paper forms typed in by staff (source ``entry``): web and Excel answers are not counted,
    the QR code on the paper form included."""
    return db.session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.event_id == event.id, SurveyResponse.source == "entry")
    )


@dataclass(frozen=True)
class AnswerTarget:
    """What a submitted answer needs of its event and questionnaire, read in one SELECT
    (``answer_target``): the event's key, slug and answering period, and the survey's row
    version (``Survey.updated_at``, None while the event has no survey yet)."""

    id: int
    slug: str
    survey_opens_at: datetime | None
    survey_closes_at: datetime | None
    survey_id: int | None
    survey_updated_at: datetime | None


def answer_target(slug: str) -> AnswerTarget | None:
    """The event of ``slug`` and its survey's version in one SELECT, or None (no such event).
    Issue 12: the submit loaded the whole event, then the survey's JSON, and parsed it again
    on every answer."""
    # On the session's connection: six columns need none of the ORM's execution.
    row = execute_compiled(db.session.connection(), answer_target_query(), {"slug": slug}).first()
    return None if row is None else AnswerTarget(*row)


@functools.cache
def answer_target_query():
    """``AnswerTarget``'s columns of the event of ``:slug`` (the questionnaire's page adds
    its own to them)."""
    return (
        select(
            Event.id,
            Event.slug,
            Event.survey_opens_at,
            Event.survey_closes_at,
            Survey.id,
            Survey.updated_at,
        )
        .outerjoin(Survey, Survey.event_id == Event.id)
        .where(Event.slug == bindparam("slug"))
    )


# Parsed questionnaires by (survey id, updated_at), per process: the last few versions read.
_definitions: dict[tuple[int, datetime], Definition] = {}
_DEFINITIONS_KEPT = 8


def stored_definition(target: AnswerTarget) -> Definition:
    """The survey's questionnaire as stored (``ensure_survey(follow=False)``), parsed once per
    version and process: a version is its ``updated_at``, which every change of
    ``Survey.definition_data`` sets (``onupdate``). A survey not generated yet is generated
    here (``ensure_survey``). Definitions are frozen, so one is shared by every request."""
    if target.survey_id is None:
        return ensure_survey(db.session.get(Event, target.id), follow=False).definition
    key = (target.survey_id, target.survey_updated_at)
    definition = _definitions.get(key)
    if definition is None:
        row = db.session.execute(
            select(Survey.definition_data, Survey.updated_at).where(Survey.id == target.survey_id)
        ).one()
        definition = Definition.from_dict(row.definition_data)
        if len(_definitions) >= _DEFINITIONS_KEPT:
            _definitions.clear()
        # Under the version read with the data: a change since the target was read is kept
        # under its own version, never under the older one.
        _definitions[(target.survey_id, row.updated_at)] = definition
    return definition


def survey_is_open(event: Event | AnswerTarget) -> bool:
    """Within the answering period, or always on a preview page (issue 10 §2)."""
    if preview.is_on():
        return True
    return is_open(event.survey_opens_at, event.survey_closes_at, now_utc())


def survey_not_yet_open(event: Event) -> bool:
    """Before the opening day (the public sees 「公開前です」)."""
    return event.survey_opens_at is not None and now_utc() < event.survey_opens_at


class SubmittedTwiceError(Exception):
    """The same submission (its one-time key, added by ``before_commit``) was stored already."""


def submit_response(
    event: Event | AnswerTarget,
    channel: str,
    raw: dict,
    *,
    definition=None,
    before_commit: Callable[[], None] | None = None,
) -> SurveyResponse:
    """Store one web answer, anonymous, with its channel (an unknown channel counts as the
    chat URL: a plain link). Refused outside the answering period; invalid input raises
    AnswerError and stores nothing.

    ``definition``: the survey's, when the caller has it already (no second SELECT);
    ``before_commit()`` adds the caller's rows (the view's submission key) to the same
    transaction: on PostgreSQL one statement inserts them with the answer
    (``seats.insert_new``), then the COMMIT (issue 12). A key stored before raises
    SubmittedTwiceError (rolled back)."""
    if not survey_is_open(event):
        raise SurveyClosedError()
    definition = definition or ensure_survey(event).definition
    answers = clean_answers(definition, raw)
    response = SurveyResponse(
        event_id=event.id,
        channel=channel if channel in WEB_CHANNELS else "chat",
        source="web",
        **stored_answers(definition, answers),
    )
    db.session.add(response)
    if before_commit is not None:
        before_commit()
    try:
        if one_statement():  # PostgreSQL: the answer and the key in one statement, no flush
            pending = take_pending()
            insert_new([response, *(o for o in pending if o is not response)])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise SubmittedTwiceError() from None
    return response


def stored_answers(definition: Definition, answers: dict) -> dict:
    """The columns of a stored answer: its JSON, and its choices as codes with the rest beside
    them (``tabulation.encode_answers``) for tabulating without reading the JSON."""
    codes, rest = tabulation.encode_answers(definition, answers)
    return {"answers": answers, "codes": codes, "texts": rest}


def next_paper_no(event: Event) -> int:
    """The number after the highest paper form number entered."""
    top = db.session.scalar(
        select(func.max(SurveyResponse.paper_no)).where(SurveyResponse.event_id == event.id)
    )
    return (top or 0) + 1


def enter_paper_response(
    event: Event, paper_no: int, raw: dict, staff: StaffUser | None = None
) -> SurveyResponse:
    """Store a paper form typed in by staff; its number (written on the sheet) is entered once.
    Paper forms are taken after the closing date too (they were handed in on time)."""
    definition = ensure_survey(event).definition
    errors = {}
    if paper_no is None or paper_no < 1:
        errors["paper_no"] = "用紙番号を1以上の数字で入力してください。"
    elif db.session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.event_id == event.id, SurveyResponse.paper_no == paper_no
        )
    ):
        errors["paper_no"] = f"用紙番号 {paper_no} は既に入力済みです。"
    try:
        answers = clean_answers(definition, raw)
    except AnswerError as exc:
        errors.update(exc.errors)
    if errors:
        raise AnswerError(errors)
    response = SurveyResponse(
        event_id=event.id,
        channel="paper",
        source="entry",
        **stored_answers(definition, answers),
        paper_no=paper_no,
        staff_id=staff.id if staff else None,
    )
    db.session.add(response)
    audit.record("survey.paper_entry", f"用紙番号 {paper_no}", "", event.id)
    db.session.commit()
    return response


def answer_records(event: Event) -> list[dict]:
    """Every answer of the event as a flat dict with ``_channel``, ``_id`` and ``_at``."""
    return list(iter_answer_records(event))


def iter_answer_records(event: Event, yield_per: int = 500) -> Iterator[dict]:
    """``answer_records`` one at a time, fetched ``yield_per`` rows at a time (the streamed
    downloads: memory does not grow with the answers)."""
    rows = db.session.execute(
        select(
            SurveyResponse.id,
            SurveyResponse.channel,
            SurveyResponse.submitted_at,
            SurveyResponse.answers,
        )
        .where(SurveyResponse.event_id == event.id)
        .order_by(SurveyResponse.id)
        .execution_options(yield_per=yield_per)
    )
    for rid, channel, at, answers in rows:  # each dict is fresh from the JSON: no copy needed
        answers["_id"], answers["_channel"], answers["_at"] = rid, channel, at
        yield answers


def response_denominators(event: Event) -> dict[str, RateBase]:
    """回収率 bases (decisions.md 34): active 研修会議Ⅰ registrations (``t1``), active members of
    the 研修会議Ⅱ teams that take part (``t2``: 受付済・参加決定・人数調整), and distinct e-mail
    addresses over both (``all``). Teams still 選定中 were never decided: their members are in
    no base, and the bases that leave them out say so (``RateBase.undecided``)."""
    t1 = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "active")
    )
    member_filter = (
        Team.event_id == event.id,
        Team.status.in_(TEAM_COUNTED_STATUSES),
        TeamMember.status == "active",
    )
    t2 = db.session.scalar(
        select(func.count()).select_from(TeamMember).join(Team).where(*member_filter)
    )
    emails = set(
        db.session.scalars(
            select(Registration.email_normalized).where(
                Registration.event_id == event.id, Registration.status == "active"
            )
        )
    )
    emails |= set(
        db.session.scalars(select(TeamMember.email_normalized).join(Team).where(*member_filter))
    )
    teams, people = db.session.execute(
        select(func.count(func.distinct(Team.id)), func.count(TeamMember.id))
        .select_from(Team)
        .outerjoin(TeamMember, (TeamMember.team_id == Team.id) & (TeamMember.status == "active"))
        .where(Team.event_id == event.id, Team.status.in_(TEAM_UNDECIDED_STATUSES))
    ).one()
    undecided = ""
    if teams:
        label = "・".join(TEAM_STATUS_LABELS[s] for s in TEAM_UNDECIDED_STATUSES)
        undecided = f"{label}の{teams:,}団体（{people:,}人）"
    counted = "・".join(TEAM_STATUS_LABELS[s] for s in TEAM_COUNTED_STATUSES)
    names = {t.code: t.name for t in event.trainings}
    n1, n2 = names.get("t1", "研修会議Ⅰ"), names.get("t2", "研修会議Ⅱ")
    bases = {
        "t1": RateBase(t1, f"{n1}の有効な申込者"),
        "t2": RateBase(t2, f"{n2}の参加団体（{counted}）の参加者", undecided),
        "all": RateBase(
            len(emails),
            f"{n1}の申込者と{n2}の参加団体の参加者（メールアドレスの重複を除く）",
            undecided,
        ),
    }
    # Against attendees, once attendance is recorded (decisions.md 10: 申込・決定・参加 apart).
    webinar, venues = reports.attended_totals(event)
    if webinar:
        bases["t1_attended"] = RateBase(
            webinar,
            f"{n1}のウェビナー当日参加者（出席者レポートで確認。YouTube視聴者は把握できないため含みません）",
        )
    if venues:
        bases["t2_attended"] = RateBase(venues, f"{n2}の当日参加者（受付で出席を確認）")
    return bases


@dataclass
class SheetResult:
    """What happened to one uploaded file: imported | duplicate | refused (STATUSES)."""

    STATUSES = {
        "imported": "取り込み済み",
        "duplicate": "重複のためスキップ",
        "refused": "取り込めません",
    }

    filename: str
    status: str
    errors: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]


def import_survey_sheets(
    event: Event, files: list[tuple[str, bytes]], staff: StaffUser | None = None
) -> list[SheetResult]:
    """Import filled Excel sheets, one answer per file. Each file is all or nothing: a file with
    any error is refused with its cells named and nothing of it is stored; a file already
    imported (same content) is skipped. The accepted files are stored in one transaction."""
    definition = ensure_survey(event).definition
    results: list[SheetResult] = []
    seen: set[str] = set(
        db.session.scalars(select(SurveyImport.sha256).where(SurveyImport.event_id == event.id))
    )
    for filename, data in files:
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            results.append(
                SheetResult(filename, "duplicate", ["同じファイルは既に取り込み済みです。"])
            )
            continue
        try:
            sheet = sheets.read_sheet(definition, event.slug, data)
        except sheets.SheetError as exc:
            results.append(SheetResult(filename, "refused", [exc.message]))
            continue
        errors = dict(sheet.errors)
        try:
            answers = clean_answers(definition, sheet.raw)
        except AnswerError as exc:
            for key, message in exc.errors.items():
                cell = sheet.cells.get(key) or sheet.cells.get(key.split("_")[0], "")
                errors[key] = f"{sheets.SHEET}!{cell}：{message}" if cell else message
        if errors:
            results.append(SheetResult(filename, "refused", sorted(errors.values())))
            continue
        seen.add(digest)
        record = SurveyImport(
            event_id=event.id,
            filename=filename[:255],
            sha256=digest,
            staff_id=staff.id if staff else None,
        )
        db.session.add(
            SurveyResponse(
                event_id=event.id,
                channel="excel",
                source="excel",
                **stored_answers(definition, answers),
                survey_import=record,
                staff_id=staff.id if staff else None,
            )
        )
        results.append(SheetResult(filename, "imported"))
    imported = sum(r.status == "imported" for r in results)
    if imported:
        names = "、".join(r.filename for r in results if r.status == "imported")
        audit.record(
            "survey.import", audit_target(event), f"{imported}件のExcelシート：{names}", event.id
        )
    db.session.commit()
    return results


def survey_sheet(event: Event) -> bytes:
    """The questionnaire's Excel sheet for this event (to mail and to download)."""
    definition = ensure_survey(event).definition
    return sheets.build_sheet(definition, event.slug, event.name, survey_url(event, "mail"))


def answers_frame(event: Event, definition: Definition):
    """The tabulation frame of the event's answers, from their stored codes (one query, no JSON
    read but the free text; ``tabulation.frame_from_codes``); from the JSON of every answer when
    one has no codes (stored before they existed and not encodable)."""
    with collector.paused():
        rows = db.session.execute(
            select(
                SurveyResponse.id,
                SurveyResponse.channel,
                SurveyResponse.codes,
                SurveyResponse.texts,
            )
            .where(SurveyResponse.event_id == event.id)
            .order_by(SurveyResponse.id)
        ).all()
        ids, channels, codes, rests = ([r[i] for r in rows] for i in range(4))
        frame = tabulation.frame_from_codes(definition, ids, channels, codes, rests)
        del rows
    if frame is None:
        frame = tabulation.answers_frame(answer_records(event))
    return frame


def tabulate_event(event: Event, records: bool = False):
    """(definition, answer records or None, Tabulation) of an event's answers: the records
    (``answer_records``) only when asked for (the Excel report's 回答データ)."""
    definition = ensure_survey(event).definition
    tab = tabulation.tabulate(
        definition, answers_frame(event, definition), response_denominators(event)
    )
    return definition, answer_records(event) if records else None, tab


def comparison_figures(event: Event) -> dict | None:
    """The event's questionnaire figures for 「年度比較」 (``tabulation.comparison_figures``:
    回収数, 回収率 per base, 肯定的評価 and mean per rated programme row), or None when the
    event has no questionnaire yet (reading the comparison never creates one). Installed as the
    events console's hook by ``surveys.init_app``; the event layer does not import surveys."""
    survey = db.session.scalar(select(Survey).where(Survey.event_id == event.id))
    if survey is None:
        return None
    definition = survey.definition
    tab = tabulation.tabulate(
        definition, answers_frame(event, definition), response_denominators(event)
    )
    return tabulation.comparison_figures(definition, tab)


MAIL_KIND = "survey_invite"


def registrant_emails(event: Event) -> dict[str, str]:
    """Distinct registrant addresses (normalised → as typed): active 研修会議Ⅰ registrations and
    active members of the 研修会議Ⅱ teams that take part."""
    out: dict[str, str] = {}
    rows = db.session.execute(
        select(Registration.email_normalized, Registration.email)
        .where(Registration.event_id == event.id, Registration.status == "active")
        .order_by(Registration.id)
    ).all()
    rows += db.session.execute(
        select(TeamMember.email_normalized, TeamMember.email)
        .join(Team)
        .where(
            Team.event_id == event.id,
            Team.status.in_(TEAM_COUNTED_STATUSES),
            TeamMember.status == "active",
        )
        .order_by(TeamMember.id)
    ).all()
    for normalised, email in rows:
        out.setdefault(normalised, email)
    return out


def _mailed(event: Event) -> set[str]:
    """Addresses (lower case) the questionnaire mail of the event was queued for."""
    done = db.session.scalars(
        select(OutboxMessage.to_addr).where(
            OutboxMessage.event_id == event.id, OutboxMessage.kind == MAIL_KIND
        )
    )
    return {a.strip().lower() for a in done}


def invitation_gaps(event: Event) -> tuple[int, list[str]]:
    """Before sending (the confirmation step): how many would be mailed now, and what is not
    ready — the answering period not begun yet, or already over."""
    done = _mailed(event)
    pending = sum(
        1
        for normalised, email in registrant_emails(event).items()
        if normalised not in done and email.strip().lower() not in done
    )
    gaps = []
    now = now_utc()
    if event.survey_opens_at and now < event.survey_opens_at:
        gaps.append(
            f"回答期間がまだ始まっていません（{format_datetime(event.survey_opens_at)}から）"
        )
    if event.survey_closes_at and event.survey_closes_at < now:
        gaps.append(f"回答期間は終了しています（{format_datetime(event.survey_closes_at)}まで）")
    if done:
        gaps.append(f"{len(done):,}件は送信済みです（まだ送っていない方にだけ送ります）")
    return pending, gaps


def queue_survey_invitations(event: Event, staff: StaffUser | None = None) -> int:
    """Queue the questionnaire mail (QR code, URL and Excel sheet attached) to every distinct
    registrant not mailed yet for this event; returns how many were queued. Sent by the outbox,
    so a second run only reaches those who registered since."""
    done = _mailed(event)
    url = survey_url(event, "mail")
    png = qr.qr_png(url, box_size=6)
    xlsx = survey_sheet(event)
    subject, body = render_mail("survey_invitation.txt", event=event, url=url)
    attachments = [
        ("survey_qr.png", "image/png", png),
        (f"{event.slug}_アンケート.xlsx", sheets_mime(), xlsx),
    ]
    count = 0
    for normalised, email in registrant_emails(event).items():
        if normalised in done or email.strip().lower() in done:
            continue
        queue_mail(
            email,
            subject,
            body,
            event_id=event.id,
            kind=MAIL_KIND,
            attachments=attachments,
        )
        count += 1
    audit.record("survey.mail", audit_target(event), f"{count}件", event.id)
    db.session.commit()
    return count


def sheets_mime() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def invitation_progress(event: Event) -> dict[str, int]:
    """Outbox states of the questionnaire mail: pending, sending, sent, logged, failed."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind == MAIL_KIND)
        .group_by(OutboxMessage.status)
    ).all()
    return dict(rows)
