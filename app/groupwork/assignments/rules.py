"""Pre-assignment rules (pure): deadlines, 資料２ choices, upload names and content types.

No Flask, no SQLAlchemy: plain values in, plain values or domain errors out.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import datetime

from app.groupwork.scenes import SCENE_LABELS

# 資料３ Block C rows: (attribute, verbatim label).
GRID_ROWS: list[tuple[str, str]] = [
    ("goal", "（１）【目的】めざすべき姿※1（目的）について記載ください。"),
    ("current", "（２）【現状把握】めざすべき姿※１（目的）に対する現状を記載ください。"),
    (
        "actions",
        "（３）めざすべき姿※１（目的）に向けて、現状において、貴方の所属する組織は"
        "どのような取り組みを行っていますか。",
    ),
    ("issues", "（４）（２）のめざすべき姿における現状の課題は何だと思いますか。"),
]

# 資料３ Block A 回答者, Block B 自治体の概要 and Block D その他: (attribute, verbatim label), in
# the form's order. The web form and every printed 資料３ take their labels from here.
BLOCK_A: list[tuple[str, str]] = [
    ("municipality_name", "自治体名"),
    ("department", "部署名等 ※関係団体の方は団体名を記載"),
    ("name", "氏　名"),
    ("occupation", "職 種"),
]
BLOCK_B_FIGURES: list[tuple[str, str]] = [
    ("population", "管内人口（人）"),
    ("aging_rate", "高齢化率（％）"),
]
# 構成市町村数: asked of 都道府県担当者 only.
BLOCK_B_PREF_COUNTS: list[tuple[str, str]] = [
    ("city_count", "市"),
    ("town_count", "町"),
    ("village_count", "村"),
]
BLOCK_B_TEXTS: list[tuple[str, str]] = [
    ("strengths", "（ア）長所（良さ・強み）"),
    ("weaknesses", "（イ）短所（違和感、難しい部分、課題など）"),
    (
        "organisation_needs",
        "上記の長所・短所をふまえ、今後より在宅医療・介護連携推進事業を進めるためには、"
        "貴方の所属する組織においてどのような取り組みが求められると思いますか。",
    ),
]
BLOCK_D: list[tuple[str, str]] = [("want_to_learn", "本研修で知りたいことは何ですか。")]
# The mark of row (1) per scene; printed as 「自身で設定※1（○）」 as on the paper form.
SELF_SET_LABEL = "自身で設定"
SHEET_LABELS: dict[str, str] = dict(
    BLOCK_A + BLOCK_B_FIGURES + BLOCK_B_PREF_COUNTS + BLOCK_B_TEXTS + BLOCK_D
)

ITEM_LABELS = {"scene": "資料２", "assignment": "資料３・４"}
LATE_LABEL = "期限後提出"


class AssignmentError(Exception):
    """A rule refused the input. ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DeadlinePassedError(AssignmentError):
    """The team's deadline for this material has passed (participants only)."""


class NotParticipatingError(AssignmentError):
    """The team is not (or not yet) taking part: 選定中, 見送り or 取消."""


class UploadRefusedError(AssignmentError):
    """An upload whose name, size or content is not acceptable."""


# ---------------------------------------------------------------- deadlines


def effective_deadline(
    venue_deadline: datetime | None, extension: datetime | None
) -> datetime | None:
    """The team's deadline: its extension when the secretariat granted one, else the venue's."""
    return extension if extension is not None else venue_deadline


def is_open(deadline: datetime | None, now: datetime) -> bool:
    """Participants may save until the deadline instant itself (``now > deadline`` locks)."""
    return deadline is None or now <= deadline


def is_late(venue_deadline: datetime | None, now: datetime) -> bool:
    """期限後提出: saved after the venue's published deadline, whatever extension allowed it."""
    return venue_deadline is not None and now > venue_deadline


def check_open(deadline: datetime | None, now: datetime, label: str, *, staff: bool) -> None:
    """Refuse a participant's change after the deadline; the secretariat may always record."""
    if not staff and not is_open(deadline, now):
        raise DeadlinePassedError(
            f"{label}の提出期限を過ぎているため、変更できません。事務局へお問い合わせください。"
        )


# ---------------------------------------------------------------- 資料２


def check_scene_choice(first: int | None, second: int | None) -> None:
    """第１希望 and 第２希望 are both one of the four scenes, and different from each other."""
    if first not in SCENE_LABELS:
        raise AssignmentError("第１希望を選択してください。", field="first_scene")
    if second not in SCENE_LABELS:
        raise AssignmentError("第２希望を選択してください。", field="second_scene")
    if first == second:
        raise AssignmentError(
            "第２希望は第１希望と異なる場面を選択してください。", field="second_scene"
        )


# ---------------------------------------------------------------- uploads


# extension → (detected family, MIME type)
ACCEPTED_EXTENSIONS: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "application/pdf"),
    ".png": ("png", "image/png"),
    ".jpg": ("jpeg", "image/jpeg"),
    ".jpeg": ("jpeg", "image/jpeg"),
    ".gif": ("gif", "image/gif"),
    ".docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ".doc": ("ole2", "application/msword"),
    ".xls": ("ole2", "application/vnd.ms-excel"),
    ".ppt": ("ole2", "application/vnd.ms-powerpoint"),
}
ACCEPTED_LABEL = "PDF、Word、Excel、PowerPoint、画像（PNG・JPEG・GIF）"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


def check_filename(filename: str | None) -> tuple[str, str]:
    """The name as given must be a plain file name with an accepted extension.

    A path (``/``, ``\\``, ``..``), a control character or a missing name is refused, not
    cleaned: the user sees why. Returns (NFC-normalised name, lower-case extension).
    """
    name = unicodedata.normalize("NFC", (filename or "").strip())
    if not name:
        raise UploadRefusedError("ファイルを選択してください。", field="file")
    if _UNSAFE_NAME.search(name) or name in (".", "..") or name.startswith(".."):
        raise UploadRefusedError(
            "ファイル名にフォルダの区切り（/ や \\）や制御文字を含むファイルは受け付けられません。"
            "ファイル名を変更してからお送りください。",
            field="file",
        )
    if len(name) > 200:
        raise UploadRefusedError("ファイル名は200文字以内にしてください。", field="file")
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > 0 else ""
    if extension not in ACCEPTED_EXTENSIONS:
        raise UploadRefusedError(
            f"このファイルの種類は受け付けられません（{ACCEPTED_LABEL}のみ）。", field="file"
        )
    return name, extension


def check_size(size: int, limit_mb: int) -> None:
    """Each file is at most the event's upload limit (MB); an empty file is refused too."""
    if size <= 0:
        raise UploadRefusedError("ファイルが空です。", field="file")
    if size > limit_mb * 1024 * 1024:
        raise UploadRefusedError(
            f"ファイルが大きすぎます（1ファイル{limit_mb}MBまで）。", field="file"
        )


def detect_family(data: bytes) -> str | None:
    """The file's real family from its content (magic bytes; OOXML by its zip parts), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(OLE2_MAGIC):
        return "ole2"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for family, prefix in OOXML_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return family
    return None


def check_content(extension: str, data: bytes) -> str:
    """The content must be what the extension says; returns the MIME type to serve it as."""
    expected, content_type = ACCEPTED_EXTENSIONS[extension]
    actual = detect_family(data)
    if actual != expected:
        raise UploadRefusedError(
            "ファイルの内容がファイル名（拡張子）と一致しないため受け付けられません。"
            f"{ACCEPTED_LABEL}のファイルをそのままお送りください。",
            field="file",
        )
    return content_type


def overview_download_name(municipality: str, extension: str, index: int = 1) -> str:
    """資料４ on download: 「（市町村名）自治体概要資料」, numbered from the second file on."""
    suffix = "" if index <= 1 else f"（{index}）"
    return f"{municipality}自治体概要資料{suffix}{extension}"


def orgchart_download_name(municipality: str, person: str, extension: str) -> str:
    """組織図 on download: 「（市町村名）組織図（氏名）」 (the spec gives no rule for 資料３)."""
    return f"{municipality}組織図（{person}）{extension}"
