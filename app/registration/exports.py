"""Excel and CSV exports of registrations and teams; all-or-nothing Excel import.

Every file is written by ``app.core.spreadsheets`` (text never a formula, dates as date cells,
codes and phone numbers as text, print settings); the import reads each cell by its type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Response, stream_with_context
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import spreadsheets
from app.core.jpdates import now_utc, to_jst
from app.core.spreadsheets import CellError, Column
from app.events.models import Event
from app.extensions import db
from app.registration.models import Registration, Team
from app.registration.rules import CATEGORY_LABELS, RowsRefusedError
from app.registration.services.individual import register_many
from app.registration.services.people import PersonData

REGISTRATION_COLUMNS = [
    Column("受付番号", "number"),
    Column("参加方法"),
    Column("状態"),
    Column("氏名"),
    Column("ふりがな"),
    Column("メールアドレス", max_width=34),
    Column("電話番号", "code"),
    Column("参加区分", max_width=30),
    Column("参加区分（その他）", max_width=20),
    Column("都道府県"),
    Column("所属", max_width=26),
    Column("部署名", max_width=24),
    Column("職種", max_width=16),
    Column("定員超過受付"),
    Column("受付経路"),
    Column("申込日時", "datetime"),
    Column("参加（当日）", "datetime"),
]
TEAM_COLUMNS = [
    Column("団体番号", "number"),
    Column("会場"),
    Column("状態"),
    Column("団体コード", "code"),
    Column("自治体名"),
    Column("人数", "number"),
    Column("No.", "number"),
    Column("代表者"),
    Column("氏名"),
    Column("ふりがな"),
    Column("メールアドレス", max_width=34),
    Column("電話番号", "code"),
    Column("参加区分", max_width=30),
    Column("所属", max_width=26),
    Column("部署名", max_width=24),
    Column("職種", max_width=16),
    Column("申込日時", "datetime"),
    Column("参加（当日）", "datetime"),
]
REGISTRATION_HEADERS = [c.title for c in REGISTRATION_COLUMNS]
TEAM_HEADERS = [c.title for c in TEAM_COLUMNS]
# Import columns (the first sheet, header in row 1).
IMPORT_HEADERS = [
    "参加方法",
    "氏名",
    "ふりがな",
    "メールアドレス",
    "電話番号",
    "参加区分",
    "参加区分（その他）",
    "団体コード",
    "所属（団体名）",
    "部署名",
    "職種",
]
CHANNEL_BY_LABEL = {
    "ウェビナー参加": "webinar",
    "YouTubeライブ配信による参加": "youtube",
    "ウェビナー": "webinar",
    "YouTube": "youtube",
}
CATEGORY_BY_LABEL = {label: code for code, label in CATEGORY_LABELS.items()}
YIELD_PER = 500  # rows fetched from the database at a time by the exports


#: When each person attended, recorded by ``app.reception`` (a feature above this one), which
#: installs it here at start-up: event → ({registration id: time}, {team member id: time}).
attendance_times: Callable[[Event], tuple[dict[int, datetime], dict[int, datetime]]] | None = None


def _attended(event: Event) -> tuple[dict[int, datetime], dict[int, datetime]]:
    return attendance_times(event) if attendance_times else ({}, {})


def _registration_rows(event: Event):
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.channel), selectinload(Registration.municipality))
        .order_by(Registration.id)
        .execution_options(yield_per=YIELD_PER)
    )
    attended, _ = _attended(event)
    for r in rows:
        yield [
            r.id,
            r.channel.label,
            r.status_label,
            r.name,
            r.kana,
            r.email,
            r.phone,
            r.category_label,
            r.category_other,
            r.municipality.prefecture if r.municipality else "",
            r.affiliation,
            r.department,
            r.occupation,
            "○" if r.over_capacity else "",
            r.source_label,
            r.created_at,
            attended.get(r.id),
        ]


def _team_rows(event: Event):
    teams = db.session.scalars(
        select(Team)
        .where(Team.event_id == event.id)
        .options(
            selectinload(Team.members), selectinload(Team.channel), selectinload(Team.municipality)
        )
        .order_by(Team.channel_id, Team.id)
        .execution_options(yield_per=YIELD_PER)
    )
    _, attended = _attended(event)
    for team in teams:
        for m in team.active_members:
            yield [
                team.id,
                team.channel.label,
                team.status_label,
                team.municipality_code,
                team.municipality.full_name,
                team.size,
                m.position + 1,
                "○" if m.is_representative else "",
                m.name,
                m.kana,
                m.email,
                m.phone,
                m.category_label,
                m.affiliation,
                m.department,
                m.occupation,
                team.created_at,
                attended.get(m.id),
            ]


def download(event: Event, what: str, fmt: str) -> Response:
    """``registrations`` or ``teams`` as ``xlsx`` or ``csv``, named with the JST time; streamed
    with bounded memory (rows fetched ``YIELD_PER`` at a time, docs/performance.md)."""
    columns, rows, title = {
        "registrations": (REGISTRATION_COLUMNS, _registration_rows(event), "研修会議Ⅰ申込者"),
        "teams": (TEAM_COLUMNS, _team_rows(event), "研修会議Ⅱ申込団体"),
    }[what]
    stamp = to_jst(now_utc()).strftime("%Y%m%d_%H%M")
    filename = f"{title}_{stamp}.{fmt}"
    if fmt == "xlsx":  # written row by row to a temporary file, then streamed from it
        body = spreadsheets.stream_table_xlsx(title, columns, rows)
    else:  # rows read from the database while the response is sent
        body = stream_with_context(spreadsheets.csv_chunks(columns, rows))
    return Response(body, headers=spreadsheets.download_headers(filename))


class SheetImportError(Exception):
    """The file was refused; ``errors`` lists every problem with its row number."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Row:
    number: int
    channel: str
    data: PersonData


# How each import column is read (spreadsheets.read_*): a date where text is expected, or a
# number that lost a 0 that cannot be told back, refuses the file with its cell.
_READERS = {
    "電話番号": spreadsheets.read_phone,
    "団体コード": spreadsheets.read_municipality_code,
}


def _read_cells(number: int, values: list, col: dict[str, int], errors: list[str]) -> dict:
    """The import columns of one row read by their type; problems appended to ``errors``."""
    get: dict[str, str] = {}
    for title, i in col.items():
        ref = f"{get_column_letter(i + 1)}{number}"
        reader = _READERS.get(title, spreadsheets.read_text)
        try:
            get[title] = reader(values[i], ref, title)
        except CellError as exc:
            errors.append(f"{number}行目（{exc.ref}）：{exc.message}")
            get[title] = ""
    return get


# A list of registrants: one sheet read, a few thousand rows at most (issue 8 §4).
IMPORT_LIMITS = spreadsheets.ReadLimits(
    sheets=10, rows=20_000, columns=60, uncompressed_bytes=50 * 1024 * 1024
)


def _rows_of(cells: dict[str, object]):
    """The first sheet's rows as value tuples, from {"A1": value} (empty rows included)."""

    grid: dict[int, dict[int, object]] = {}
    for ref, value in cells.items():
        letters, row = coordinate_from_string(ref)
        grid.setdefault(row, {})[column_index_from_string(letters)] = value
    if not grid:
        return iter(())
    width = max(max(row) for row in grid.values())
    return iter(
        tuple(grid.get(r, {}).get(c) for c in range(1, width + 1)) for r in range(1, max(grid) + 1)
    )


def _read_rows(content: bytes) -> list[_Row]:
    try:
        book = spreadsheets.read_workbook(content, IMPORT_LIMITS)
    except spreadsheets.WorkbookError as exc:
        raise SheetImportError([exc.message]) from None
    rows = _rows_of(next(iter(book.values()), {}))
    header = ["" if v is None else str(v).strip() for v in next(rows, ())]
    missing = [h for h in IMPORT_HEADERS if h not in header]
    if missing:
        raise SheetImportError([f"1行目：列「{'」「'.join(missing)}」がありません。"])
    col = {h: header.index(h) for h in IMPORT_HEADERS}
    result, errors = [], []
    for number, values in enumerate(rows, start=2):
        values = list(values) + [None] * (len(header) - len(values))
        if all(values[i] is None or str(values[i]).strip() == "" for i in col.values()):
            continue
        get = _read_cells(number, values, col, errors)
        channel = CHANNEL_BY_LABEL.get(get["参加方法"])
        category = CATEGORY_BY_LABEL.get(
            get["参加区分"], get["参加区分"] if get["参加区分"] in CATEGORY_LABELS else ""
        )
        if channel is None:
            errors.append(f"{number}行目：参加方法「{get['参加方法']}」は選択肢にありません。")
        if not category:
            errors.append(f"{number}行目：参加区分「{get['参加区分']}」は選択肢にありません。")
        for required in ("氏名", "ふりがな", "メールアドレス"):
            if not get[required]:
                errors.append(f"{number}行目：{required}が空欄です。")
        result.append(
            _Row(
                number,
                channel or "",
                PersonData(
                    name=get["氏名"],
                    kana=get["ふりがな"],
                    email=get["メールアドレス"],
                    phone=get["電話番号"],
                    category=category,
                    category_other=get["参加区分（その他）"],
                    municipality_code=get["団体コード"],
                    organisation=get["所属（団体名）"],
                    department=get["部署名"],
                    occupation=get["職種"],
                ),
            )
        )
    if errors:
        raise SheetImportError(errors)
    if not result:
        raise SheetImportError(["取り込む行がありません。"])
    return result


def import_registrations(event: Event, content: bytes, filename: str = "") -> int:
    """Register every row of the sheet, or none: the first refused row rolls everything back.

    Rules are those of the web form (eligibility, one per e-mail, webinar capacity) except the
    deadline; every row error is reported with its row number.
    """
    rows = _read_rows(content)
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        key = row.data.normalised().email.lower()
        if key in seen:
            errors.append(f"{row.number}行目：メールアドレスが{seen[key]}行目と重複しています。")
        seen.setdefault(key, row.number)
    if errors:
        raise SheetImportError(errors)
    try:
        return register_many(
            event, [(r.number, r.channel, r.data) for r in rows], source="import", label=filename
        )
    except RowsRefusedError as exc:
        raise SheetImportError(exc.errors) from None
