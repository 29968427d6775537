"""Japanese date conventions: one helper writes every date in 令和, JST deadlines."""

from datetime import UTC, date, datetime

import pytest

from app.core import jpdates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2023, 10, 19), "令和5年10月19日（木）"),
        (date(2023, 10, 6), "令和5年10月6日（金）"),
        # 2023-10-19 15:30 UTC is already the 20th in Tokyo
        (datetime(2023, 10, 19, 15, 30, tzinfo=UTC), "令和5年10月20日（金）"),
        (date(2019, 5, 1), "令和元年5月1日（水）"),
        (date(2019, 4, 30), "平成31年4月30日（火）"),
        (date(1989, 1, 7), "昭和64年1月7日（土）"),
    ],
)
def test_format_date(value, expected):
    assert jpdates.format_date(value) == expected


def test_datetime_is_shown_in_jst_and_end_of_day_as_naka():
    deadline = jpdates.jst(2023, 10, 6, 17, 0)
    assert jpdates.format_datetime(deadline) == "令和5年10月6日（金）17:00"
    assert jpdates.format_datetime(deadline.astimezone(UTC)) == "令和5年10月6日（金）17:00"
    naka = jpdates.end_of_day_jst(date(2023, 10, 20))
    assert naka.astimezone(UTC) == datetime(2023, 10, 20, 14, 59, 59, tzinfo=UTC)
    assert jpdates.format_datetime(naka) == "令和5年10月20日（金）中"


def test_shift_weeks_keeps_weekday_and_wall_clock():
    shifted = jpdates.shift_weeks(jpdates.jst(2023, 10, 6, 17, 0), 160)
    assert jpdates.weekday_ja(shifted) == "金"
    assert (shifted.hour, shifted.minute) == (17, 0)


def test_days_until_counts_jst_calendar_days():
    now = jpdates.jst(2023, 10, 5, 23, 0)
    assert jpdates.days_until(jpdates.jst(2023, 10, 6, 17, 0), now) == 1
    assert jpdates.days_until(jpdates.jst(2023, 10, 5, 23, 30), now) == 0
