"""The municipality master: 47 prefectures and 1,741 municipalities with their 団体コード."""

from __future__ import annotations

import csv
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select

from app.core.models import Municipality
from app.core.text import matching_key, search_key
from app.extensions import db

MASTER_CSV = Path(__file__).parent / "data" / "municipalities.csv"
EXPECTED_PREFECTURES = 47
EXPECTED_MUNICIPALITIES = 1741


class MasterDataError(Exception):
    pass


def check_digit(code5: str) -> int:
    """The 6th digit of a 全国地方公共団体コード: weights 6,5,4,3,2; (11 − sum mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def is_valid_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and int(code[5]) == check_digit(code[:5])


@dataclass(frozen=True)
class MasterRow:
    code: str
    prefecture: str
    city: str | None
    prefecture_kana: str
    city_kana: str | None


def read_master(path: Path = MASTER_CSV) -> list[MasterRow]:
    """Read and validate the CSV: check digits, unique codes, 47 + 1,741 rows.

    Kana are stored as full-width katakana (NFKC of the list's half-width kana).
    """
    rows: list[MasterRow] = []
    errors: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(csv.DictReader(fh), start=2):
            code = raw["code"].strip()
            if not is_valid_code(code):
                errors.append(f"{lineno}行目: 団体コード {code} の検査数字が正しくありません。")
                continue
            rows.append(
                MasterRow(
                    code=code,
                    prefecture=raw["prefecture"].strip(),
                    city=raw["city"].strip() or None,
                    prefecture_kana=unicodedata.normalize("NFKC", raw["prefecture_kana"].strip()),
                    city_kana=unicodedata.normalize("NFKC", raw["city_kana"].strip()) or None,
                )
            )
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        errors.append("団体コードが重複しています。")
    prefectures = sum(1 for r in rows if r.city is None)
    municipalities = len(rows) - prefectures
    if (prefectures, municipalities) != (EXPECTED_PREFECTURES, EXPECTED_MUNICIPALITIES):
        errors.append(
            f"都道府県{prefectures}件・市区町村{municipalities}件です"
            f"（{EXPECTED_PREFECTURES}件・{EXPECTED_MUNICIPALITIES}件のはずです）。"
        )
    if errors:
        raise MasterDataError("\n".join(errors))
    return rows


def load_master(path: Path = MASTER_CSV) -> int:
    """Replace the master table with the validated CSV (all or nothing); returns the row count."""
    rows = read_master(path)
    db.session.execute(delete(Municipality))
    db.session.add_all(
        Municipality(
            code=r.code,
            prefecture_code=r.code[:2],
            prefecture=r.prefecture,
            city=r.city,
            prefecture_kana=r.prefecture_kana,
            city_kana=r.city_kana,
        )
        for r in rows
    )
    db.session.commit()
    grouped_choices.cache_clear()
    prefecture_choices.cache_clear()
    _matching_keys.cache_clear()
    return len(rows)


def ensure_master() -> None:
    """Load the master when the table is empty."""
    if not db.session.scalar(select(func.count()).select_from(Municipality)):
        load_master()


def search(query: str, prefecture_code: str | None = None, limit: int = 50):
    """Municipalities whose name or kana contains the query, in code order.

    Compared by the one matching key (``core.text.matching_key``): widths, spaces, hiragana or
    katakana, and the small-ke spellings (鎌が谷・鎌ヶ谷 find 鎌ケ谷市 as the 総務省 list writes it)."""
    stmt = select(Municipality).order_by(Municipality.code)
    if prefecture_code:
        stmt = stmt.where(Municipality.prefecture_code == prefecture_code)
    if matching_key(query):
        stmt = stmt.where(Municipality.code.in_(matching_codes(query)))
    return list(db.session.scalars(stmt.limit(limit)))


def matching_codes(query: str) -> list[str]:
    """団体コード of every prefecture and municipality whose name or kana (with or without its
    prefecture) contains the query's matching key; [] for an empty query."""
    key = matching_key(query)
    if not key:
        return []
    return [code for code, keys in _matching_keys() if key in keys]


@functools.cache
def _matching_keys() -> list[tuple[str, str]]:
    """(code, key of 「都道府県+市区町村」 and its kana) of the master, once per process."""
    return [
        (
            m.code,
            search_key(m.prefecture + (m.city or ""), m.prefecture_kana + (m.city_kana or "")),
        )
        for m in db.session.scalars(select(Municipality).order_by(Municipality.code))
    ]


@functools.cache
def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Prefectures in code order, each followed by its municipalities: for <optgroup> pickers.

    Cached per process (the master changes only through load_master, which clears it)."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for m in db.session.scalars(select(Municipality).order_by(Municipality.code)):
        if m.is_prefecture:
            groups.append((m.prefecture, [(m.code, f"{m.prefecture}（都道府県）")]))
        else:
            groups[-1][1].append((m.code, f"{m.prefecture} {m.city}"))
    return groups


@functools.cache
def prefecture_choices() -> list[tuple[str, str]]:
    """The 47 prefectures in code order, as (code, name)."""
    rows = db.session.scalars(
        select(Municipality).where(Municipality.city.is_(None)).order_by(Municipality.code)
    )
    return [(m.code, m.prefecture) for m in rows]
