"""The demo looks like a firm a month in: the sample's dates computed from the run date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Matter, Message, MessageState, OutboxEntry, OutboxState
from inbox.sample import SAMPLE_DAY, aged_date, load_sample, shift_csv_dates
from inbox.settings import Settings

PACIFIC = ZoneInfo("America/Los_Angeles")
RUN = dt.datetime(2027, 3, 10, 18, 0, tzinfo=dt.UTC)  # a day long after the sample was written


def utc(when: dt.datetime | None) -> dt.datetime:
    assert when is not None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def test_csv_dates_move_by_the_days_given_and_empty_cells_stay_empty() -> None:
    text = "matter_number,next_date,opened,title\nA,2026-11-27,2026-01-02,x\nB,,2026-02-03,y\n"
    moved = shift_csv_dates(text, ("next_date", "opened", "updated"), 10)
    assert (
        moved
        == "matter_number,next_date,opened,title\nA,2026-12-07,2026-01-12,x\nB,,2026-02-13,y\n"
    )


def test_mail_dates_spread_over_four_weeks_before_the_run_keeping_the_time_of_day() -> None:
    newest = dt.datetime(2026, 11, 20, 7, 38, tzinfo=PACIFIC)
    oldest = dt.datetime(2026, 11, 2, 6, 0, tzinfo=PACIFIC)
    assert aged_date(newest, RUN) == dt.datetime(2027, 3, 10, 7, 38, tzinfo=PACIFIC)
    assert aged_date(oldest, RUN).astimezone(PACIFIC) == dt.datetime(
        2027, 2, 11, 6, 0, tzinfo=PACIFIC
    )
    assert (RUN - aged_date(oldest, RUN)).days == 27
    early = RUN.replace(hour=9)  # 01:00 in Seattle: the newest mail's 07:38 has not come yet
    assert aged_date(newest, early) < early


@pytest.mark.slow
def test_demo_sample_is_a_month_of_mail_some_answered_some_overdue_nothing_to_send_at_start(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    lines: list[str] = []
    load_sample(settings, factory, lines.append, as_of=RUN)
    with factory() as session:
        next_dates = session.scalars(
            select(Matter.next_date).where(Matter.next_date.is_not(None))
        ).all()
        assert next_dates and min(next_dates) >= RUN.date()
        received = [utc(r) for r in session.scalars(select(Message.received_at))]
        assert max(received) <= RUN and (RUN - min(received)).days >= 25
        days = {r.date() for r in received}
        assert len(days) >= 15, "the charts show mail on many days of the month"

        answered = session.scalars(
            select(Message).where(Message.state == MessageState.ANSWERED)
        ).all()
        assert len(answered) >= 5
        delays = {utc(m.first_response_at) - utc(m.received_at) for m in answered}
        assert all(dt.timedelta(hours=1) <= d <= dt.timedelta(hours=5) for d in delays)
        assert len(delays) > 3, "answers took different times"
        waiting = session.scalars(
            select(Message).where(
                Message.state.in_(
                    (MessageState.REVIEW, MessageState.TRIAGE, MessageState.ESCALATED)
                )
            )
        ).all()
        assert any(utc(m.sla_due_at) < RUN for m in waiting), "some are overdue"
        assert any(m.state == MessageState.REVIEW for m in waiting), "some drafts still wait"
        unsent = session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.state != OutboxState.SENT)
        )
        assert unsent == 0, "no notice or reply is mailed the moment the demo starts"
        notices = session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.kind == "notice")
        )
        assert notices and notices > 0

    again: list[str] = []
    load_sample(settings, factory, again.append, as_of=RUN)
    assert "stored 0, duplicates 49, quarantined 0 (total 49)" in again
    assert (
        again[-1]
        == "dated over the past four weeks: 0 mails moved, 0 drafts answered then, 0 notices sent then"
    )
    assert RUN.date() > SAMPLE_DAY
