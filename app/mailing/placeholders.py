"""Placeholders of a 一斉メール: 〔氏名〕-style marks in the subject and body, filled per recipient.

Pure: no Flask, no SQLAlchemy. The values come from the service (``services.values_for``); this
module only knows which marks exist, finds unknown ones, and substitutes.

A mark is a name in 〔 〕 (U+3014, U+3015, the brackets Japanese documents use for
差し込み), compared after NFKC and without spaces (〔YouTube URL〕 is 〔YouTubeURL〕); anything
else in the text is left as written. An unknown name (a typo such as
〔名前〕) is refused before anything is queued, so no one receives a mail with a bare mark in it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# name → what it becomes (shown next to the fields of the form).
PLACEHOLDERS: dict[str, str] = {
    "氏名": "受信者の氏名",
    "所属": "受信者の所属（自治体名・団体名）",
    "個人ページURL": "受信者の個人ページ（研修会議Ⅰは申込みの個人ページ、研修会議Ⅱはチームページ）",
    "ウェビナーURL": "ウェビナー参加URL（研修会議の設定）",
    "YouTubeURL": "YouTubeライブ配信URL（研修会議の設定）",
    "参加方法": "研修会議Ⅰの参加方法、研修会議Ⅱの会場名",
    "会場": "研修会議Ⅱの会場（施設名・部屋）。研修会議Ⅰの方は「オンライン開催」",
    "開催日": "受信者が参加する回の開催日（令和）",
    "資料２締切": "チームの資料２の提出期限（延長があれば延長後）",
    "資料３・４締切": "チームの資料３・４の提出期限（延長があれば延長後）",
    "締切": "チームの次の提出期限（資料２が未提出なら資料２、提出済みなら資料３・４）",
    "問合せ先": "事務局の名称とメールアドレス",
}


def _canonical(name: str) -> str:
    """The name as compared: NFKC (full-width letters and digits), no white space, so
    〔YouTube URL〕 and 〔ＹｏｕＴｕｂｅＵＲＬ〕 are 〔YouTubeURL〕."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


_BY_CANONICAL = {_canonical(name): name for name in PLACEHOLDERS}


def placeholder_of(name: str) -> str | None:
    """The placeholder a mark's name means, or None when it is none of them."""
    return _BY_CANONICAL.get(_canonical(name))


MARK = re.compile(r"〔([^〔〕\n]{0,40})〕")
# What a mark becomes when the recipient has no such value (a 研修会議Ⅰ registrant has no
# team deadline): visible, never an empty hole in a sentence.
MISSING = "（なし）"


@dataclass
class PlaceholderError(Exception):
    """A refusal next to a field of the form (``field``: subject or body)."""

    message: str
    field: str | None = None

    def __str__(self) -> str:
        return self.message


def unknown_marks(text: str) -> list[str]:
    """The names in 〔 〕 that are not placeholders, in order of first appearance."""
    seen: list[str] = []
    for name in MARK.findall(text):
        if placeholder_of(name) is None and name not in seen:
            seen.append(name)
    return seen


def check(subject: str, body: str) -> None:
    """PlaceholderError on the first field holding an unknown mark (subject first)."""
    for field, text in (("subject", subject), ("body", body)):
        unknown = unknown_marks(text)
        if unknown:
            marks = "、".join(f"〔{name}〕" for name in unknown)
            raise PlaceholderError(
                f"使えない差し込み項目があります：{marks}。"
                "下の一覧にある項目だけを使ってください。",
                field,
            )


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with every known mark replaced by ``values[name]`` (``MISSING`` when the value
    is empty or absent). Unknown marks are left as written (``check`` refuses them first)."""

    def fill(match: re.Match) -> str:
        name = placeholder_of(match.group(1))
        if name is None:
            return match.group(0)
        return values.get(name) or MISSING

    return MARK.sub(fill, text)


def used(text: str) -> list[str]:
    """The known placeholders a text uses, in order of first appearance."""
    names: list[str] = []
    for mark in MARK.findall(text):
        name = placeholder_of(mark)
        if name is not None and name not in names:
            names.append(name)
    return names
