"""Reading a webinar tool's attendance report (pure): Zoom Webinars' 出席者レポート as it is
exported in Japanese (or English), or any CSV with an e-mail column named in a mapping step.

Zoom writes several sections into one file (ウェビナー詳細, ホストの詳細, パネリストの詳細,
出席者の詳細), each with a header row of its own. The attendees are the rows under the header
that follows the 「出席者の詳細」 title (the first header with an e-mail column when there is no
such title), up to the next section title. A row whose 出席済み is いいえ/No is a registrant who
did not come and is counted apart. One person leaving and joining again appears on several
rows: their minutes add up.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

ATTENDEE_SECTION_TITLES = {"出席者の詳細", "attendeedetails", "出席者"}
EMAIL_HEADERS = {
    "メール",
    "メールアドレス",
    "email",
    "e-mail",
    "eメール",
    "電子メール",
    "emailaddress",
}
ATTENDED_HEADERS = {"出席済み", "出席", "attended"}
MINUTES_HEADERS = {
    "セッション時間(分)",
    "出席時間(分)",
    "在席時間(分)",
    "参加時間(分)",
    "timeinsession(minutes)",
    "duration(minutes)",
}
NAME_HEADERS = {
    "ユーザー名(元の名前)",
    "ユーザー名",
    "名前",
    "氏名",
    "username(originalname)",
    "name",
}
NO_VALUES = {"いいえ", "no", "false", "0", "欠席"}
MAX_ROWS = 20000


class ReportError(ValueError):
    """The file cannot be read as an attendance report; ``errors`` are row-numbered messages."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class AttendeeRow:
    """One person who attended: first row number, e-mail (as written), name, minutes (0 when the
    report has none)."""

    row: int
    email: str
    name: str = ""
    minutes: int = 0


@dataclass
class Report:
    attendees: list[AttendeeRow] = field(default_factory=list)
    absent_rows: int = 0  # registrants the report lists as not attended


def _key(header: str) -> str:
    return unicodedata.normalize("NFKC", header or "").strip().lower().replace(" ", "")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS (cp932), as Excel in Japan saves CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp932")
        except UnicodeDecodeError as exc:
            raise ReportError(
                ["ファイルの文字コードを読み取れません（UTF-8 または Shift_JIS）。"]
            ) from exc


def _find(headers: list[str], names: set[str], chosen: str = "") -> int | None:
    keys = [_key(h) for h in headers]
    if chosen:
        return keys.index(_key(chosen)) if _key(chosen) in keys else None
    wanted = {_key(n) for n in names}
    return next((i for i, k in enumerate(keys) if k in wanted), None)


def _cells(row: list[str]):
    def cell(at: int | None) -> str:
        return row[at].strip() if at is not None and at < len(row) else ""

    return cell


def parse_report(text: str, email_column: str = "", minutes_column: str = "") -> Report:
    """The attendees of a report. ``email_column`` / ``minutes_column`` name the columns when
    the file is not Zoom's (the mapping step); row numbers are the file's line numbers.

    Raises ReportError with every problem (1行目 …) when any row is wrong: nothing is taken
    from a file with an error.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS:
        raise ReportError([f"行が多すぎます（{MAX_ROWS:,}行まで）。"])
    start = 0
    for i, row in enumerate(rows):
        if (
            row
            and _key(row[0]) in {_key(t) for t in ATTENDEE_SECTION_TITLES}
            and not any(c.strip() for c in row[1:])
        ):
            start = i + 1
            break
    header_index = None
    for i in range(start, len(rows)):
        if _find(rows[i], EMAIL_HEADERS, email_column) is not None:
            header_index = i
            break
    if header_index is None:
        if email_column:
            raise ReportError([f"「{email_column}」という列が見つかりません。"])
        raise ReportError(
            ["メールアドレスの列が見つかりません。列名を指定して、もう一度取り込んでください。"]
        )
    headers = rows[header_index]
    email_at = _find(headers, EMAIL_HEADERS, email_column)
    minutes_at = _find(headers, MINUTES_HEADERS, minutes_column)
    if minutes_column and minutes_at is None:
        raise ReportError([f"「{minutes_column}」という列が見つかりません。"])
    attended_at = _find(headers, ATTENDED_HEADERS)
    name_at = _find(headers, NAME_HEADERS)
    report = Report()
    by_email: dict[str, AttendeeRow] = {}
    errors: list[str] = []
    for i in range(header_index + 1, len(rows)):
        row = rows[i]
        number = i + 1
        filled = [c for c in row if c.strip()]
        if not filled:
            continue
        if len(filled) == 1 and row[0].strip() and "@" not in row[0]:
            break  # the next section's title
        cell = _cells(row)
        if attended_at is not None and _key(cell(attended_at)) in NO_VALUES:
            report.absent_rows += 1
            continue
        email = unicodedata.normalize("NFKC", cell(email_at)).strip()
        if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
            errors.append(f"{number}行目：メールアドレス「{email}」が正しくありません。")
            continue
        minutes = 0
        if minutes_at is not None and cell(minutes_at):
            value = unicodedata.normalize("NFKC", cell(minutes_at)).replace(",", "")
            if not value.isdigit():
                errors.append(
                    f"{number}行目：時間（分）「{cell(minutes_at)}」が数字ではありません。"
                )
                continue
            minutes = int(value)
        key = email.lower()
        if key in by_email:
            by_email[key].minutes += minutes
        else:
            by_email[key] = AttendeeRow(number, email, cell(name_at), minutes)
    if errors:
        raise ReportError(errors)
    report.attendees = list(by_email.values())
    return report
