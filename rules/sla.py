"""Due times counted in business hours, skipping weekends and holidays. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    opens: dt.time
    closes: dt.time
    weekdays: frozenset[int]
    holidays: frozenset[dt.date]

    @classmethod
    def from_settings(
        cls, timezone: str, hours: str, days: str, holidays: tuple[str, ...]
    ) -> BusinessCalendar:
        start, _, end = hours.partition("-")
        return cls(
            zone=ZoneInfo(timezone),
            opens=dt.time.fromisoformat(start.strip()),
            closes=dt.time.fromisoformat(end.strip()),
            weekdays=frozenset(_DAYS.index(d.strip()[:3].lower()) for d in days.split(",") if d),
            holidays=frozenset(dt.date.fromisoformat(h) for h in holidays),
        )

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.zone)
        return self.is_business_day(local.date()) and self.opens <= local.time() < self.closes

    def add_business_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` of open time after `start` (returned in UTC)."""
        remaining = dt.timedelta(hours=hours)
        local = start.astimezone(self.zone)
        for _ in range(3660):  # ten years of days: a bound, never reached in practice
            day = local.date()
            open_at = dt.datetime.combine(day, self.opens, self.zone)
            close_at = dt.datetime.combine(day, self.closes, self.zone)
            if self.is_business_day(day) and local < close_at:
                begin = max(local, open_at)
                available = close_at - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(dt.UTC)
                remaining -= available
            next_day = day + dt.timedelta(days=1)
            local = dt.datetime.combine(next_day, self.opens, self.zone)
        raise ValueError("no business hours found in the calendar")
