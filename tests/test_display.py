"""How values look on the pages (web/display.py): counts with their nouns, money, due
dates, the zone named, a line of new text, and why a message is where it is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from web.display import (
    money,
    past_due,
    plural,
    reason_beside_rules,
    row_reason,
    short_time,
    snippet,
    zone_label,
)
from web.queries import QueueRow
from web.queues import queue_line

NEW_YORK = ZoneInfo("America/New_York")
FIRED = [
    {
        "name": "status-of-a-known-matter",
        "description": "Status questions about an identified matter get a draft.",
    }
]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 messages"), (1, "1 message"), (2, "2 messages"), (1204, "1,204 messages")],
)
def test_plural_agrees_with_the_count_and_groups_thousands(count: int, expected: str) -> None:
    assert plural(count, "message") == expected


def test_plural_takes_an_irregular_form() -> None:
    assert plural(3, "reply", "replies") == "3 replies"
    assert plural(1, "reply", "replies") == "1 reply"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("6812.50"), "$6,812.50"),
        (Decimal("1234567.5"), "$1,234,567.50"),
        (Decimal("999.99"), "$999.99"),
        (Decimal("0"), "$0.00"),
        (Decimal("-40"), "-$40.00"),
        (Decimal("-0.00"), "$0.00"),
        (12, "$12.00"),
        (None, ""),
    ],
)
def test_money_has_thousands_separators_and_the_sign_before_the_symbol(
    amount: Decimal | int | None, expected: str
) -> None:
    assert money(amount) == expected


def test_money_in_another_currency_symbol() -> None:
    assert money(Decimal("2500"), "€") == "€2,500.00"


def test_an_invoice_is_past_due_the_day_after_its_due_date_in_the_firms_calendar() -> None:
    today = dt.date(2026, 11, 20)
    assert past_due(dt.date(2026, 11, 19), zone=NEW_YORK, today=today)
    assert not past_due(dt.date(2026, 11, 20), zone=NEW_YORK, today=today)
    assert not past_due(None, zone=NEW_YORK, today=today)


def test_past_due_reads_today_in_the_firms_zone_not_utc() -> None:
    # 02:00 UTC on the 21st is still the 20th in New York: due the 20th is not overdue.
    utc_now = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
    today_there = utc_now.astimezone(NEW_YORK).date()
    assert not past_due(dt.date(2026, 11, 20), zone=NEW_YORK, today=today_there)


def test_zone_label_names_the_zone_and_its_abbreviation_of_the_season() -> None:
    winter = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)
    assert zone_label(NEW_YORK, winter) == "America/New_York (EST)"
    assert zone_label(NEW_YORK, summer) == "America/New_York (EDT)"
    assert zone_label(ZoneInfo("UTC"), winter) == "UTC"


def test_snippet_is_one_line_cut_at_a_word() -> None:
    text = "Hi Dana,\n\n  Where are we\ton the   lease? " + "The landlord called again. " * 10
    line = snippet(text, 60)
    assert "\n" not in line and "  " not in line
    assert line.startswith("Hi Dana, Where are we on the lease?")
    assert line.endswith("…") and len(line) <= 61
    whole = " ".join(text.split())
    assert whole.startswith(line[:-1]) and whole[len(line) - 1] == " "  # ends at a word


def test_snippet_keeps_a_short_text_whole_and_marks_one_the_query_cut() -> None:
    assert snippet("Thanks!", 60) == "Thanks!"
    assert snippet("", 60) == "" and snippet(None, 60) == ""
    assert snippet("The start of a long text the query cut", 60, cut=True).endswith("cut…")


def test_a_word_longer_than_the_line_is_cut_inside() -> None:
    assert snippet("x" * 200, 50) == "x" * 50 + "…"


def test_the_routing_reason_does_not_repeat_the_rules_listed_beside_it() -> None:
    reason = (
        "status-of-a-known-matter: Status questions about an identified matter get a draft."
        "; confidence 0.55 < 0.70"
    )
    assert reason_beside_rules(reason, FIRED) == "confidence 0.55 < 0.70"
    assert reason_beside_rules(FIRED[0]["name"] + ": " + FIRED[0]["description"], FIRED) == ""


def test_reasons_that_are_not_rules_are_kept_whole_even_with_semicolons_inside() -> None:
    reason = "loop guard: no draft for machine-written mail (auto-reply; bulk)"
    assert reason_beside_rules(reason, FIRED) == reason
    assert reason_beside_rules(None, None) == ""


def test_a_triage_row_says_why_beyond_the_rule_and_others_name_the_rule() -> None:
    reason = FIRED[0]["name"] + ": " + FIRED[0]["description"] + "; confidence 0.55 < 0.70"
    assert row_reason("triage", reason, FIRED) == "confidence 0.55 < 0.70"
    assert row_reason("review", reason, FIRED) == "rule status-of-a-known-matter"
    assert row_reason("triage", FIRED[0]["name"] + ": x", [{"name": FIRED[0]["name"]}]) == (
        FIRED[0]["name"] + ": x"
    )
    no_rule = "no rule decided: a human should look (triage)"
    assert row_reason("triage", no_rule, []) == no_rule
    assert row_reason("escalated", "", ["legal-question"]) == "rule legal-question"


def _row(**changes: object) -> QueueRow:
    values: dict[str, object] = {
        "id": 7,
        "subject": "Lease",
        "from_addr": "sam@example.com",
        "from_name": "Sam",
        "label": "status_request",
        "state": "triage",
        "sla_due_at": None,
        "received_at": dt.datetime(2026, 11, 20, 15, 0),  # naive UTC, as SQLite returns it
        "client_name": None,
        "attorney_name": None,
        "snippet": "Where are we?",
        "sent_at": dt.datetime(2026, 10, 20, 15, 0),
        "has_attachment": True,
        "reason": "no rule decided: a human should look (triage)",
        "rules_fired": [],
        "handed_back_by": "Margaret Okafor",
        "hand_back": {"note": "Not legal: they ask for the hearing date."},
    }
    values.update(changes)
    return QueueRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("zone", [NEW_YORK, ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata")])
def test_a_queue_lines_short_time_reads_as_strftime_would(zone: ZoneInfo) -> None:
    start = dt.datetime(2026, 1, 1, 0, 7, 31)  # naive UTC, as SQLite returns it
    # Every month, the days before and after the clocks change, past midnight and noon.
    for hours in range(0, 366 * 24, 37):
        value = start + dt.timedelta(hours=hours, minutes=hours % 60)
        expected = value.replace(tzinfo=dt.UTC).astimezone(zone).strftime("%b %d %H:%M")
        assert short_time(value, zone=zone) == expected
        assert short_time(value.replace(tzinfo=dt.UTC), zone=zone) == expected
    assert short_time(None, zone=zone) == ""


def test_a_queue_line_shows_the_mails_own_date_and_the_age_since_it_arrived() -> None:
    now = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
    line = queue_line(_row(), now, NEW_YORK, "/messages/")
    assert line.sent == "Oct 20 11:00"  # the mail's Date, in New York (EDT then)
    assert line.sent_iso == "2026-10-20T15:00:00+00:00"
    assert line.age == "3 h"  # since it arrived, not since it was written
    assert line.href == "/messages/7"


def test_a_hand_back_shows_while_the_message_waits_for_a_va() -> None:
    now = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
    line = queue_line(_row(), now, NEW_YORK, "/messages/")
    assert line.handed_back_by == "Margaret Okafor"
    assert line.hand_back_note == "Not legal: they ask for the hearing date."
    assert line.why == ""  # the escalation's reason would mislead: the hand-back is why
    answered = queue_line(_row(state="answered"), now, NEW_YORK, "/messages/")
    assert answered.handed_back_by is None and answered.hand_back_note == ""
    older = queue_line(_row(hand_back={}), now, NEW_YORK, "/messages/")
    assert older.handed_back_by == "Margaret Okafor" and older.hand_back_note == ""
