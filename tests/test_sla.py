"""Due times in business hours."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.sla import BusinessCalendar

CAL = BusinessCalendar.from_settings(
    "America/New_York", "09:00-17:00", "mon,tue,wed,thu,fri", ("2026-11-26",)
)
NY = CAL.zone


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=NY)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(23, 10), 4, at(23, 14)),  # Monday morning, same day
        (at(23, 15), 4, at(24, 11)),  # runs over into Tuesday
        (at(23, 20), 1, at(24, 10)),  # after hours: counts from the next opening
        (at(25, 16), 2, at(27, 10)),  # Thanksgiving (26th) is skipped
        (at(28, 12), 8, at(30, 17)),  # Saturday: Monday's full day
    ],
)
def test_add_business_hours(start: dt.datetime, hours: float, due: dt.datetime) -> None:
    assert CAL.add_business_hours(start, hours) == due.astimezone(dt.UTC)


def test_is_open() -> None:
    assert CAL.is_open(at(23, 9))
    assert not CAL.is_open(at(23, 17))
    assert not CAL.is_open(at(26, 11))
