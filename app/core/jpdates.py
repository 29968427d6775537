"""Japanese date conventions (pure): JST instants and the one way a date is written (令和).

Every deadline is an aware instant; everything shown to a person is in Asia/Tokyo.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"

# (first day, era name); checked newest first.
ERAS = [
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
]


def now_utc() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def to_jst(value: datetime) -> datetime:
    """Convert an aware datetime to JST; a naive one is taken to be UTC (how it is stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(JST)


def jst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An aware instant given in JST wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=JST)


def start_of_day_jst(day: date) -> datetime:
    """The first instant of the day in JST (00:00:00): a day's lower bound in a search."""
    return datetime.combine(day, time(0, 0), tzinfo=JST)


def end_of_day_jst(day: date) -> datetime:
    """「中」: the last second of the day in JST (23:59:59)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=JST)


def _as_date(value: date | datetime) -> date:
    return to_jst(value).date() if isinstance(value, datetime) else value


def weekday_ja(value: date | datetime) -> str:
    """「木」 for a Thursday."""
    return WEEKDAYS[_as_date(value).weekday()]


def wareki_year(value: date | datetime) -> str:
    """令和5年 (元年 for the first year of an era)."""
    d = _as_date(value)
    for start, name in ERAS:
        if d >= start:
            n = d.year - start.year + 1
            return f"{name}{'元' if n == 1 else n}年"
    return f"{d.year}年"


def format_date(value: date | datetime) -> str:
    """令和5年10月19日（木）: every date a person reads (decisions.md: 令和, as the documents)."""
    d = _as_date(value)
    return f"{wareki_year(d)}{d.month}月{d.day}日（{weekday_ja(d)}）"


def format_time(value: datetime) -> str:
    """17:00 in JST."""
    t = to_jst(value)
    return f"{t.hour}:{t.minute:02d}"


def format_datetime(value: datetime) -> str:
    """令和5年10月6日（金）17:00, or 23:59:59 written as 「中」 (end of that day)."""
    t = to_jst(value)
    day = format_date(t)
    if (t.hour, t.minute, t.second) == (23, 59, 59):
        return f"{day}中"
    return f"{day}{format_time(t)}"


def days_until(deadline: datetime, now: datetime) -> int:
    """Whole JST calendar days from now until the deadline's day (negative when past)."""
    return (to_jst(deadline).date() - to_jst(now).date()).days


def shift_weeks(value: datetime, weeks: int) -> datetime:
    """Move an instant by whole weeks, keeping weekday and JST wall-clock time."""
    t = to_jst(value)
    return (t.replace(tzinfo=None) + timedelta(weeks=weeks)).replace(tzinfo=JST)
