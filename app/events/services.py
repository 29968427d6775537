"""Event use cases: copying an event into another year, switching the current event, and
editing an event's settings, channels and venues (issue 10 §1). Each function commits and
records one audit entry per changed setting; refusals raise ``EventError``."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.jpdates import (
    format_date,
    format_datetime,
    now_utc,
    shift_weeks,
    to_jst,
    wareki_year,
    weekday_ja,
)
from app.events.models import Channel, Event, ProgrammeItem, Training, Venue
from app.extensions import db

AUDIT_ACTIONS = audit.actions(
    {
        "event.create": "研修会議の作成（前年度から）",
        "event.current": "表示する研修会議の切替",
        "event.update": "研修会議の設定の変更",
        "event.channel": "参加方法の設定の変更",
        "event.venue": "会場の設定の変更",
        "event.venue_add": "会場の追加",
        "event.programme": "プログラムの変更",
    }
)


class EventError(Exception):
    """A setting refused; ``message`` is Japanese, ``field`` the setting it concerns or None."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def fiscal_year_label(fiscal_year: int) -> str:
    """「令和5年度」 for 2023 (the era of the fiscal year's first day, 1 April)."""
    return f"{wareki_year(date(fiscal_year, 4, 1))}度"


def renamed_fiscal_year(text: str, source_year: int, fiscal_year: int) -> str:
    """``text`` with the source's 年度 (「令和５年度」, in full- or half-width digits) written as
    ``fiscal_year``'s, in the same digits."""
    old, new = fiscal_year_label(source_year), fiscal_year_label(fiscal_year)
    return text.replace(old, new).replace(old.translate(_FULL_WIDTH), new.translate(_FULL_WIDTH))


def training1_day(event: Event) -> date | None:
    """The JST day of 研修会議Ⅰ: the earliest start of its channels (None without any)."""
    starts = [c.starts_at for c in event.channels if c.training.code == "t1"]
    return to_jst(min(starts)).date() if starts else None


def weeks_to(source: Event, training1_date: date) -> int:
    """Whole weeks from ``source``'s 研修会議Ⅰ day to ``training1_date``. EventError (field
    ``training1_date``) when the source has no 研修会議Ⅰ or the day is another weekday: every
    date moves by whole weeks, so a deadline stays before its day."""
    old = training1_day(source)
    if old is None:
        raise EventError("元の研修会議に研修会議Ⅰの日程がありません。", "training1_date")
    if old.weekday() != training1_date.weekday():
        raise EventError(
            f"研修会議Ⅰの開催日は、元の研修会議と同じ{weekday_ja(old)}曜日にしてください"
            "（他の日程を週単位で移し、曜日をそろえるためです）。",
            "training1_date",
        )
    return (training1_date - old).days // 7


def clone_event(
    source: Event, fiscal_year: int, slug: str, training1_date: date | None = None
) -> Event:
    """Copy an event into another year (「前年度から作成」 and ``flask clone-event``): every date
    moves by the same whole weeks (same weekdays, same JST times) — the weeks from the source's
    研修会議Ⅰ day to ``training1_date`` (same weekday, see ``weeks_to``) when given, else the
    years' difference. The event's texts name the new 年度 (令和５年度 → 令和６年度),
    every setting is copied, nothing registered is (commits, audited).

    Raises EventError when the slug or the fiscal year is taken. Dates typed into free text are
    not moved: dates a person reads are columns (a venue's emergency hours take the day of its
    channel)."""
    if db.session.scalar(select(Event.id).where(Event.slug == slug)):
        raise EventError("この識別名は既に使われています。", "slug")
    if db.session.scalar(select(Event.id).where(Event.fiscal_year == fiscal_year)):
        raise EventError(
            f"{fiscal_year_label(fiscal_year)}の研修会議は既にあります。", "fiscal_year"
        )
    if training1_date is not None:
        weeks = weeks_to(source, training1_date)
    else:
        weeks = round((fiscal_year - source.fiscal_year) * 52.18)
    try:
        return _copy_event(source, fiscal_year, slug, weeks)
    except OverflowError:  # a day thousands of years away (a mistyped year) leaves the calendar
        db.session.rollback()
        raise EventError(
            "研修会議Ⅰの開催日が元の研修会議から離れすぎています。年（西暦）を確かめてください。",
            "training1_date",
        ) from None


def _copy_event(source: Event, fiscal_year: int, slug: str, weeks: int) -> Event:
    """The copy of ``clone_event``, every date moved by ``weeks`` (OverflowError when a date
    leaves the calendar)."""
    columns = [c.key for c in Event.__table__.columns if c.key not in ("id", "slug", "created_at")]
    clone = Event(**{c: getattr(source, c) for c in columns})
    for column in Event.__table__.columns:
        value = getattr(clone, column.key)
        if isinstance(value, str):
            setattr(clone, column.key, renamed_fiscal_year(value, source.fiscal_year, fiscal_year))
    clone.slug, clone.fiscal_year, clone.is_current = slug, fiscal_year, False
    clone.notices = ""  # this year's お知らせ are not next year's
    for attr in ("survey_opens_at", "survey_closes_at"):
        if getattr(source, attr):
            setattr(clone, attr, shift_weeks(getattr(source, attr), weeks))
    training_map: dict[int, Training] = {}
    for tr in source.trainings:
        new = Training(
            code=tr.code,
            name=tr.name,
            focus=tr.focus,
            format_label=tr.format_label,
            note=tr.note,
            position=tr.position,
        )
        new.programme = [
            ProgrammeItem(
                position=p.position,
                time_label=p.time_label,
                title=p.title,
                speaker=p.speaker,
                survey_label=p.survey_label,
            )
            for p in tr.programme
        ]
        training_map[tr.id] = new
        clone.trainings.append(new)
    venue_map: dict[int, Venue] = {}
    skip = {"id", "event_id"}
    for v in source.venues:
        new = Venue(
            **{c.key: getattr(v, c.key) for c in Venue.__table__.columns if c.key not in skip}
        )
        for attr in ("scene_deadline", "assignment_deadline"):
            if getattr(v, attr):
                setattr(new, attr, shift_weeks(getattr(v, attr), weeks))
        venue_map[v.id] = new
        clone.venues.append(new)
    skip = {"id", "event_id", "training_id", "venue_id", "lock_version"}
    for ch in source.channels:
        new = Channel(
            **{c.key: getattr(ch, c.key) for c in Channel.__table__.columns if c.key not in skip}
        )
        for attr in ("opens_at", "closes_at", "starts_at", "ends_at"):
            setattr(new, attr, shift_weeks(getattr(ch, attr), weeks))
        new.training = training_map[ch.training_id]
        new.venue = venue_map.get(ch.venue_id) if ch.venue_id else None
        clone.channels.append(new)
    db.session.add(clone)
    db.session.flush()
    audit.record("event.create", clone.name, f"{source.name}から作成", event_id=clone.id)
    db.session.commit()
    return clone


def is_past(event: Event, now: datetime | None = None) -> bool:
    """True once every channel of the event has ended: its settings are read-only."""
    ends = [c.ends_at for c in event.channels]
    return bool(ends) and max(ends) < (now or now_utc())


def set_current(event: Event) -> None:
    """Make ``event`` the one the public site shows (commits, audited)."""
    for other in db.session.scalars(select(Event).where(Event.is_current.is_(True))):
        other.is_current = False
    event.is_current = True
    audit.record("event.current", event.name, event_id=event.id)
    db.session.commit()


def _shown(value) -> str:
    """A value as the audit log writes it (dates in 令和, lists one per line)."""
    if value is None or value == "":
        return "（なし）"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, list):
        return "／".join(map(str, value)) or "（なし）"
    return str(value)


def _apply(obj, changes: dict, labels: dict[str, str]) -> list[tuple[str, str]]:
    """Set each changed attribute; returns (label, 「label：old → new」) of each change, for
    the caller's audit entries."""
    changed = []
    for key, value in changes.items():
        old = getattr(obj, key)
        if old == value:
            continue
        label = labels.get(key, key)
        changed.append((label, f"{label}：{_shown(old)} → {_shown(value)}"))
        setattr(obj, key, value)
    return changed


def _refuse_past(event: Event) -> None:
    if is_past(event):
        raise EventError("終了した研修会議の設定は変更できません（報告書の閲覧・出力はできます）。")


def _in_order(pairs: list[tuple[str, datetime | None, str, datetime | None]]) -> None:
    for first_key, first, second_key, second in pairs:
        if first and second and not first < second:
            raise EventError(f"{second_key}は{first_key}より後にしてください。", None)


EVENT_LABELS = {
    "name": "名称",
    "short_name": "略称",
    "theme": "テーマ",
    "organiser": "主催",
    "secretariat": "事務局",
    "contact_email": "問い合わせ先メールアドレス",
    "contact_phone": "問い合わせ先電話番号",
    "contact_note": "問い合わせ先の補足",
    "notices": "お知らせ",
    "privacy_notice": "個人情報の取扱い",
    "webinar_url": "ウェビナーURL",
    "youtube_url": "YouTube URL",
    "survey_opens_at": "アンケート開始日時",
    "survey_closes_at": "アンケート締切日時",
    "waitlist_offer_hours": "繰上げ案内の有効時間",
    "upload_limit_mb": "アップロード上限",
    "retention_days": "個人情報の保存日数",
}


def update_event(event: Event, changes: dict) -> list[str]:
    """Change the event's own settings (keys of ``EVENT_LABELS``); returns the labels changed
    (commits, one audit entry per change). EventError for a past event or a survey that
    closes before it opens."""
    _refuse_past(event)
    opens = changes.get("survey_opens_at", event.survey_opens_at)
    closes = changes.get("survey_closes_at", event.survey_closes_at)
    if opens and closes and not opens < closes:
        raise EventError("アンケート締切日時は開始日時より後にしてください。", "survey_closes_at")
    changed = _apply(event, changes, EVENT_LABELS)
    for _, detail in changed:
        audit.record("event.update", event.name, detail, event_id=event.id)
    db.session.commit()
    return [label for label, _ in changed]


CHANNEL_LABELS = {
    "capacity": "定員",
    "capacity_is_target": "定員の扱い",
    "eligible_categories": "申込できる参加区分",
    "eligibility_note": "対象の説明",
    "opens_at": "受付開始日時",
    "closes_at": "申込締切日時",
}


def capacity_kind_label(is_target: bool) -> str:
    """How a capacity is read: 「目安（受付済／選定中を決める）」 or 「上限」."""
    return "目安（〇名程度。受付済／選定中を決める）" if is_target else "上限（満席で受付終了）"


def _channel_detail(key: str, old, new, categories: dict[str, str]) -> str:
    """The audit text of one channel change, labels instead of stored values."""
    label = CHANNEL_LABELS[key]
    if key == "capacity_is_target":
        return f"{label}：{capacity_kind_label(old)} → {capacity_kind_label(new)}"
    if key == "eligible_categories":

        def names(codes):
            if codes is None:
                return "すべての参加区分"
            return "、".join(categories.get(c, c) for c in codes) or "（なし）"

        return f"{label}：{names(old)} → {names(new)}"
    return f"{label}：{_shown(old)} → {_shown(new)}"


def update_channel(
    channel: Channel,
    changes: dict,
    taken: int,
    reason: str = "",
    categories: dict[str, str] | None = None,
) -> list[str]:
    """Change a channel's capacity (None: 上限なし) and whether it is a target
    (「50名程度」: decides 受付済／選定中) or a cap, which 参加区分 may register
    (``eligible_categories``: a list of codes of ``categories``, None for every one), its
    opening and deadline; ``taken`` is the seats taken now
    (``registration.services.seats.channel_overview``). Returns the labels changed (commits,
    one audit entry per change, the reason in the capacity's entry).

    EventError: past event; opening not before the deadline, deadline after the day itself or
    after the venue's 資料２ deadline;
    a capacity below the seats taken without a reason (field ``reason``); no 参加区分 left."""
    _refuse_past(channel.event)
    categories = categories or {}
    if "eligible_categories" in changes:
        allowed = changes["eligible_categories"]
        if allowed is not None and not allowed:
            raise EventError("申込できる参加区分を1つ以上選んでください。", "eligible_categories")
        if allowed is not None and set(allowed) >= set(categories):
            changes["eligible_categories"] = None  # every category: no restriction stored
        elif allowed is not None:  # stored in the report's order
            changes["eligible_categories"] = [c for c in categories if c in allowed]
    opens = changes.get("opens_at", channel.opens_at)
    closes = changes.get("closes_at", channel.closes_at)
    if not opens < closes:
        raise EventError("申込締切日時は受付開始日時より後にしてください。", "closes_at")
    if not closes <= channel.starts_at:
        raise EventError(
            f"申込締切日時は開催日時（{format_datetime(channel.starts_at)}）までにしてください。",
            "closes_at",
        )
    scene = channel.venue.scene_deadline if channel.venue else None
    if scene and closes > scene:
        raise EventError(
            f"申込締切日時は資料２の提出期限（{format_datetime(scene)}）までにしてください"
            "（先に会場の設定で提出期限を変更してください）。",
            "closes_at",
        )
    capacity = changes.get("capacity", channel.capacity)
    if (
        capacity is not None
        and capacity != channel.capacity
        and capacity < taken
        and not reason.strip()
    ):
        raise EventError(
            f"定員が申込済みの人数（{taken:,}名）を下回ります。変更する理由を入力してください。",
            "reason",
        )
    changed = []
    for key, value in changes.items():
        old = getattr(channel, key)
        if old == value:
            continue
        detail = _channel_detail(key, old, value, categories)
        if key == "capacity" and reason.strip():
            detail += f"（理由：{reason.strip()}）"
        setattr(channel, key, value)
        changed.append(CHANNEL_LABELS[key])
        audit.record("event.channel", channel.heading, detail, event_id=channel.event_id)
    db.session.commit()
    return changed


VENUE_LABELS = {
    "name": "会場名",
    "facility": "施設名",
    "room": "部屋",
    "postal_code": "郵便番号",
    "address": "住所",
    "address_note": "住所の補足",
    "url": "地図・案内のURL",
    "access": "交通",
    "emergency_contact": "当日の緊急連絡先",
    "emergency_hours": "緊急連絡の対応時間",
    "room_rows": "会場の行数",
    "room_cols": "会場の列数",
    "table_count": "テーブル数",
    "table_min": "1テーブルの最少人数",
    "table_max": "1テーブルの最多人数",
    "large_team_threshold": "多人数の団体（人以上）",
    "scene_deadline": "資料２の提出期限",
    "assignment_deadline": "資料３・４の提出期限",
}


def update_venue(venue: Venue, changes: dict) -> list[str]:
    """Change a venue's texts, room grid, table sizes and pre-assignment deadlines; returns
    the labels changed (commits, one audit entry per change). A new name renames the venue's
    channel (「研修会議Ⅱ（新しい名前）」).

    EventError: past event; table minimum above maximum; more tables than the room grid
    holds; 資料２ deadline not before 資料３・４' or before the application deadline; a
    deadline after the venue's day."""
    _refuse_past(venue.event)
    _check_venue(venue.event, venue, changes)
    old_name = venue.name
    changed = _apply(venue, changes, VENUE_LABELS)
    if venue.name != old_name:
        # The venue's channel is named after it (「研修会議Ⅱ（東京会場）」: the application
        # form, the lists, the mails): it follows the new name.
        for channel in venue.event.channels:
            if channel.venue_id == venue.id and f"（{old_name}）" in channel.label:
                channel.label = channel.label.replace(f"（{old_name}）", f"（{venue.name}）")
    for _, detail in changed:
        audit.record("event.venue", venue.name, detail, event_id=venue.event_id)
    db.session.commit()
    return [label for label, _ in changed]


# A date written into a text a person reads (「10月20日」, 「令和9年1月」, 2026/10/20,
# 「10/20」 or 「１０／２０」 once NFKC-normalised): dates come from the data (the venue's day),
# so they move with it.
_DATE_IN_TEXT = re.compile(
    r"\d{1,2}\s*月\s*\d{1,2}\s*日|(?:令和|平成)\s*(?:\d{1,2}|元)\s*年"
    r"|(?<![\d/])(?:\d{4}/)?\d{1,2}\s*/\s*\d{1,2}(?![\d/])"
)


def _refuse_dates_in_text(
    changes: dict, keys: tuple[str, ...] = ("emergency_contact", "emergency_hours")
) -> None:
    """EventError (on the field) when one of ``keys`` holds a date written as text."""
    for key in keys:
        if _DATE_IN_TEXT.search(unicodedata.normalize("NFKC", changes.get(key) or "")):
            raise EventError(
                "日付は書かないでください。当日の日付は開催日から自動で表示されます"
                "（日付を変えたときも自動で合います）。",
                key,
            )


def _check_venue(event: Event, venue: Venue | None, changes: dict, day=None, closes=None) -> None:
    """The rules of a venue's settings (``changes`` over the venue's current values); ``day``
    and ``closes`` are the venue's start and application deadline when it has no channel yet
    (the 資料２ deadline is not before the application deadline)."""
    get = lambda key: changes.get(key, getattr(venue, key) if venue else None)  # noqa: E731
    _refuse_dates_in_text(changes)
    if "name" in changes:
        name = (changes["name"] or "").strip()
        same = [v for v in event.venues if v is not venue and v.name.strip() == name]
        if same:
            raise EventError("同じ名前の会場が既にあります。", "name")
    if get("table_min") > get("table_max"):
        raise EventError("最少人数は最多人数以下にしてください。", "table_min")
    if get("table_count") > get("room_rows") * get("room_cols"):
        raise EventError("テーブル数が会場の行×列に収まりません。", "table_count")
    scene, assignment = get("scene_deadline"), get("assignment_deadline")
    if scene and assignment and not scene <= assignment:
        raise EventError(
            "資料３・４の提出期限は資料２の提出期限以降にしてください。", "assignment_deadline"
        )
    own = [c for c in event.channels if venue is not None and c.venue_id == venue.id]
    closes = closes or max((c.closes_at for c in own), default=None)
    if scene and closes and scene < closes:
        raise EventError(
            f"資料２の提出期限は研修会議Ⅱの申込締切（{format_datetime(closes)}）以降にしてください"
            "（締切間際に申し込んだ団体も提出できるようにするためです）。",
            "scene_deadline",
        )
    days = [c.starts_at for c in own]
    start = day or (min(days) if days else None)
    for key, value in (("scene_deadline", scene), ("assignment_deadline", assignment)):
        if value and start and not value < start:
            raise EventError(
                f"提出期限は開催日時（{format_datetime(start)}）より前にしてください。", key
            )


NEW_VENUE_CHANNEL_LABELS = {
    "starts_at": "開始日時",
    "ends_at": "終了日時",
    "opens_at": "受付開始日時",
    "closes_at": "申込締切日時",
    "capacity": "定員",
    "capacity_is_target": "定員の扱い",
    "max_team_size": "1自治体の上限人数",
    "reception_label": "受付の案内",
}


def _new_code(event: Event) -> str:
    """A venue code not used in the event yet (v3, v4, …); the channel's is t2_<code>."""
    taken = {v.code for v in event.venues} | {c.code for c in event.channels}
    n = len(event.venues) + 1
    while f"v{n}" in taken or f"t2_v{n}" in taken:
        n += 1
    return f"v{n}"


def add_venue(event: Event, venue_values: dict, channel_values: dict) -> Venue:
    """「会場を追加」 for 研修会議Ⅱ (regional blocks, decisions.md): a venue (keys of
    ``VENUE_LABELS``) with its application channel (keys of ``NEW_VENUE_CHANNEL_LABELS``);
    the rules the venues' lists share, the eligibility note and the training follow the event's
    other venues. The venue is listed, offered to teams and in 資料１ at once; the
    questionnaire's F3 follows when it is next read (``surveys.services.ensure_survey``).
    Commits; one audit entry naming the venue and its day.

    EventError: past event; no 研修会議Ⅱ; the venue's rules (``update_venue``); the day ends
    before it starts; the deadline after the day or not after the opening."""
    _refuse_past(event)
    try:
        training = event.training("t2")
    except KeyError:
        raise EventError("この研修会議には研修会議Ⅱがありません。") from None
    starts, ends = channel_values["starts_at"], channel_values["ends_at"]
    if not starts < ends:
        raise EventError("終了日時は開始日時より後にしてください。", "ends_at")
    opens, closes = channel_values["opens_at"], channel_values["closes_at"]
    if not opens < closes:
        raise EventError("申込締切日時は受付開始日時より後にしてください。", "closes_at")
    if not closes <= starts:
        raise EventError("申込締切日時は開始日時までにしてください。", "closes_at")
    _check_venue(event, None, venue_values, day=starts, closes=closes)
    others = event.venue_channels
    shared_rules = [
        line
        for line in (event.venues[0].rules if event.venues else [])
        if all(line in v.rules for v in event.venues)
    ]
    code = _new_code(event)
    venue = Venue(
        code=code,
        rules=shared_rules,
        position=max((v.position for v in event.venues), default=0) + 1,
        **venue_values,
    )
    event.venues.append(venue)
    channel = Channel(
        training=training,
        venue=venue,
        code=f"t2_{code}",
        kind="venue",
        label=f"{training.name}（{venue.name}）",
        eligible_categories=others[-1].eligible_categories if others else None,
        eligibility_note=others[-1].eligibility_note if others else "",
        interaction_note=others[-1].interaction_note if others else "",
        position=max((c.position for c in event.channels), default=0) + 1,
        **channel_values,
    )
    event.channels.append(channel)
    try:
        db.session.flush()
    except IntegrityError:  # another venue took the code at the same moment
        db.session.rollback()
        raise EventError("同時に別の会場が追加されました。もう一度お試しください。") from None
    audit.record(
        "event.venue_add",
        venue.name,
        f"{venue.name}を追加（開催日時：{format_datetime(starts)}、"
        f"定員：{_shown(channel.capacity)}名{'程度' if channel.capacity_is_target else ''}）",
        event_id=event.id,
    )
    db.session.commit()
    return venue


PROGRAMME_LABELS = {
    "time_label": "時間",
    "title": "内容",
    "speaker": "講師等",
    "survey_label": "アンケートの評価項目名",
}
RATED_LOCKED = (
    "この行はアンケート（{question}）で評価されています。既に回答があるため、"
    "変更・削除・評価する行どうしの並べ替えはできません"
    "（回答はこの行の番号と項目名で記録されているためです）。"
)


def rated_question(training: Training) -> str:
    """The questionnaire item that rates a training's rows (問1-1: 研修会議Ⅰ, 問1-2: Ⅱ)."""
    return "問1-1" if training.code == "t1" else "問1-2"


def _locked_message(training: Training) -> str:
    return RATED_LOCKED.format(question=rated_question(training))


def _ordered(training: Training) -> list[ProgrammeItem]:
    """The rows in order, their positions renumbered 0, 1, 2, … (a shown order is stable)."""
    rows = sorted(training.programme, key=lambda p: (p.position, p.id or 0))
    for n, row in enumerate(rows):
        row.position = n
    return rows


def _programme_target(training: Training) -> str:
    return f"{training.name}のプログラム"


def _row_name(item: ProgrammeItem) -> str:
    return f"「{item.title[:40]}」"


def add_programme_item(training: Training, values: dict, answered: bool) -> ProgrammeItem:
    """Append a row (keys of ``PROGRAMME_LABELS``) to a training's programme; ``answered``:
    the questionnaire has answers, and then a new rated row is refused (the questionnaire's
    rows are fixed by the answers). Commits, audited."""
    _refuse_past(training.event)
    if answered and values.get("survey_label"):
        raise EventError(
            "既に回答があるため、アンケートで評価する行は追加できません"
            "（評価項目名を空欄にすると追加できます）。",
            "survey_label",
        )
    rows = _ordered(training)
    item = ProgrammeItem(position=len(rows), **values)
    training.programme.append(item)
    db.session.flush()
    detail = f"行を追加：{item.time_label} {item.title}".strip()
    audit.record("event.programme", _programme_target(training), detail, training.event_id)
    db.session.commit()
    return item


def update_programme_item(item: ProgrammeItem, values: dict, answered: bool) -> list[str]:
    """Change a row's time, title, speakers or its questionnaire label; a rated row (with a
    ``survey_label``) is locked once the questionnaire has answers, and no row becomes rated
    then. Returns the labels changed (commits, one audit entry per change)."""
    training = item.training
    _refuse_past(training.event)
    if answered and any(getattr(item, k) != v for k, v in values.items()):
        if item.survey_label:
            raise EventError(_locked_message(training))
        if values.get("survey_label"):
            raise EventError(
                "既に回答があるため、アンケートで評価する行は増やせません。", "survey_label"
            )
    changed = _apply(item, values, PROGRAMME_LABELS)
    for _, detail in changed:
        audit.record(
            "event.programme",
            _programme_target(training),
            f"{_row_name(item)}の{detail}",
            training.event_id,
        )
    db.session.commit()
    return [label for label, _ in changed]


def delete_programme_item(item: ProgrammeItem, answered: bool) -> None:
    """Remove a row (a rated row is locked once answers exist). Commits, audited."""
    training = item.training
    _refuse_past(training.event)
    if answered and item.survey_label:
        raise EventError(_locked_message(training))
    training.programme.remove(item)
    db.session.delete(item)
    _ordered(training)
    audit.record(
        "event.programme",
        _programme_target(training),
        f"行を削除：{item.time_label} {item.title}".strip(),
        training.event_id,
    )
    db.session.commit()


def move_programme_item(item: ProgrammeItem, step: int, answered: bool) -> None:
    """Swap a row with the one above (``step`` -1) or below (+1): the order of the public
    page and, until the first answer, of the questionnaire's rows. Once answers exist two
    rated rows are never swapped (the answers' row numbers would point at the other row).
    Commits, audited with the row's new place."""
    training = item.training
    _refuse_past(training.event)
    rows = _ordered(training)
    index = rows.index(item)
    other_index = index + step
    if step not in (-1, 1) or not 0 <= other_index < len(rows):
        raise EventError("これ以上移動できません。")
    other = rows[other_index]
    if answered and item.survey_label and other.survey_label:
        raise EventError(_locked_message(training))
    item.position, other.position = other.position, item.position
    audit.record(
        "event.programme",
        _programme_target(training),
        f"{_row_name(item)}を{'上' if step < 0 else '下'}へ移動"
        f"（{index + 1}行目 → {other_index + 1}行目）",
        training.event_id,
    )
    db.session.commit()


TRAINING_LABELS = {
    "focus": "内容の説明",
    "format_label": "開催形式",
    "note": "注記",
}


def update_training(training: Training, values: dict) -> list[str]:
    """Change a training's texts on the public page (開催形式 names the venues, so it is
    edited when a venue is added). Returns the labels changed (commits, audited)."""
    _refuse_past(training.event)
    _refuse_dates_in_text(values, ("format_label", "note"))
    changed = _apply(training, values, TRAINING_LABELS)
    for _, detail in changed:
        audit.record("event.programme", training.name, detail, training.event_id)
    db.session.commit()
    return [label for label, _ in changed]


def venues_not_named(event: Event) -> list[str]:
    """Venues that 研修会議Ⅱ's 開催形式 does not name though it names another venue (a venue
    added after the text was written): the console asks to update the text."""
    try:
        text = event.training("t2").format_label + event.training("t2").note
    except KeyError:
        return []
    named = [v.name for v in event.venues if v.name in text]
    return [v.name for v in event.venues if named and v.name not in text]
