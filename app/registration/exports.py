"""Excel and CSV exports of registrations and teams; all-or-nothing Excel import.

Cells starting with = + - @ are neutralised so a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from zipfile import BadZipFile

from flask import Response
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.jpdates import format_datetime, now_utc, to_jst
from app.core.text import neutralise_cell
from app.events.models import Event
from app.extensions import db
from app.registration.models import Registration, Team
from app.registration.rules import CATEGORY_LABELS, RowsRefusedError
from app.registration.services.individual import register_many
from app.registration.services.people import PersonData

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REGISTRATION_HEADERS = [
    "受付番号",
    "参加方法",
    "状態",
    "氏名",
    "ふりがな",
    "メールアドレス",
    "電話番号",
    "参加区分",
    "参加区分（その他）",
    "都道府県",
    "所属",
    "部署名",
    "職種",
    "定員超過受付",
    "受付経路",
    "申込日時",
]
TEAM_HEADERS = [
    "団体番号",
    "会場",
    "状態",
    "団体コード",
    "自治体名",
    "人数",
    "No.",
    "代表者",
    "氏名",
    "ふりがな",
    "メールアドレス",
    "電話番号",
    "参加区分",
    "所属",
    "部署名",
    "職種",
    "申込日時",
]
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


def _registration_rows(event: Event):
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.channel), selectinload(Registration.municipality))
        .order_by(Registration.id)
    )
    for r in rows:
        yield [
            r.id,
            r.channel.label,
            "申込中" if r.is_active else "取消",
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
            r.source,
            format_datetime(r.created_at),
        ]


def _team_rows(event: Event):
    teams = db.session.scalars(
        select(Team)
        .where(Team.event_id == event.id)
        .options(
            selectinload(Team.members), selectinload(Team.channel), selectinload(Team.municipality)
        )
        .order_by(Team.channel_id, Team.id)
    )
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
                format_datetime(team.created_at),
            ]


def build_xlsx(headers: list[str], rows, title: str) -> bytes:
    """A workbook with one sheet: bold Japanese headers, frozen header row, neutralised cells."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append([neutralise_cell(v) for v in row])
    for idx, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, idx).column_letter].width = max(10, len(header) * 2 + 2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_csv(headers: list[str], rows) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8), CRLF line ends, neutralised cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def download(event: Event, what: str, fmt: str) -> Response:
    headers, rows, title = {
        "registrations": (REGISTRATION_HEADERS, _registration_rows(event), "研修会議Ⅰ申込者"),
        "teams": (TEAM_HEADERS, _team_rows(event), "研修会議Ⅱ申込団体"),
    }[what]
    stamp = to_jst(now_utc()).strftime("%Y%m%d_%H%M")
    filename = f"{title}_{stamp}.{fmt}"
    if fmt == "xlsx":
        body, mimetype = build_xlsx(headers, rows, title), XLSX
    else:
        body, mimetype = build_csv(headers, rows), "text/csv; charset=utf-8"
    from urllib.parse import quote

    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


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


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _read_rows(content: bytes) -> list[_Row]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetImportError(
            [f"Excelファイル（.xlsx）として読み込めません（{type(exc).__name__}）。"]
        ) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, ())]
    missing = [h for h in IMPORT_HEADERS if h not in header]
    if missing:
        raise SheetImportError([f"1行目：列「{'」「'.join(missing)}」がありません。"])
    col = {h: header.index(h) for h in IMPORT_HEADERS}
    result, errors = [], []
    for number, values in enumerate(rows, start=2):
        values = list(values) + [None] * (len(header) - len(values))
        get = {h: _cell(values[i]) for h, i in col.items()}
        if not any(get.values()):
            continue
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
                    municipality_code=get["団体コード"].zfill(6) if get["団体コード"] else "",
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
