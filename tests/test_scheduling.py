"""Scheduling requests addressed to an attorney: the pure detection (rules/scheduling.py)
and the known-client guard that notifies that attorney (rules/engine.py), no database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.db import make_engine, session_factory
from inbox.models import Attorney, Client, Matter, Message, MessageState, OutboxEntry
from inbox.settings import Settings
from rules.engine import SCHEDULING_NOTICE, walk
from rules.identify import Identification
from rules.scheduling import AttorneyName, addressed_attorney, is_scheduling_request
from tests.test_engine import AUTO_REPLY, decision, facts, message, ruleset

RUTH = Attorney(id=1, email="ruth.salgado@firm.example", name="Ruth Salgado")
JONAS = Attorney(id=2, email="jonas.berg@firm.example", name="Jonas Berg")
NAMES = [AttorneyName(RUTH.email, RUTH.name), AttorneyName(JONAS.email, JONAS.name)]
CLIENT = Client(id=1, client_code="C1", name="Whitaker Home", relationship_attorney=JONAS)
LEASE = Matter(
    id=1, matter_number="AK-1", client_id=1, title="Lease", responsible_attorney=RUTH, status="open"
)
WAGES = Matter(
    id=2, matter_number="AK-2", client_id=1, title="Wages", responsible_attorney=JONAS, status="x"
)
IGNORE_OTHER = ruleset(
    "  - name: nothing-to-answer\n    description: No reply needed.\n"
    "    if: {label: other}\n    then: {action: ignore, priority: low}\n"
)


@pytest.mark.parametrize(
    "subject, text",
    [
        ("Tuesday call", "could we move Tuesday's 10:00 call to 2:30 the same day?"),
        ("", "Can we move our call with Ruth to Thursday?"),
        ("Reschedule", "Something came up."),
        ("", "I need to cancel tomorrow's appointment, sorry."),
        ("Termin", "Können wir den Termin am Montag verschieben?"),
        ("", "¿Podemos cambiar la cita del jueves?"),
        ("", "Pouvons-nous reporter notre rendez-vous?"),
    ],
)
def test_requests_to_move_a_call_or_meeting_are_recognised(subject: str, text: str) -> None:
    assert is_scheduling_request(subject, text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks so much for your help last week!",
        "Attached are the signed pages.",
        "Please call me when the court sets a date.",
    ],
)
def test_other_mail_is_no_scheduling_request(text: str) -> None:
    assert not is_scheduling_request("", text)


def test_the_attorney_is_found_copied_greeted_or_named() -> None:
    assert addressed_attorney("Hi all", [RUTH.email], NAMES) == (NAMES[0], "copied")
    assert addressed_attorney("Hi Jonas,\nmove the call?", [], NAMES) == (NAMES[1], "greeted")
    assert addressed_attorney("Dear Ms. Salgado, move it?", [], NAMES) == (NAMES[0], "greeted")
    found = addressed_attorney("Can we move our call with Ruth to Thursday?", [], NAMES)
    assert found == (NAMES[0], "named")
    assert addressed_attorney("Can we move the call?", [], NAMES) is None
    # Two attorneys addressed alike: nobody is picked, a person decides.
    assert addressed_attorney("Hi", [RUTH.email, JONAS.email], NAMES) is None


def test_a_scheduling_request_to_an_attorney_notifies_that_attorney() -> None:
    who = Identification(client=CLIENT, candidates=[LEASE, WAGES])
    mail = message("Thursday", "Hi Ruth, can we move our call to Thursday?", "a@w.example")
    outcome = walk(IGNORE_OTHER, facts(mail, decision("other"), who))
    assert (outcome.action, outcome.escalate_to) == ("escalate", RUTH.email)
    assert outcome.notice == SCHEDULING_NOTICE and outcome.acknowledge is None
    assert outcome.priority == 0 and not outcome.no_reply_check
    assert "scheduling guard" in outcome.reasons[-1] and "Ruth Salgado" in outcome.reasons[-1]


def test_with_no_attorney_named_the_matters_attorney_is_notified() -> None:
    who = Identification(client=CLIENT, matter=WAGES)
    mail = message("call", "Could we push Friday's call to next week?", "a@w.example")
    outcome = walk(IGNORE_OTHER, facts(mail, decision("other"), who))
    assert (outcome.action, outcome.escalate_to) == ("escalate", JONAS.email)
    assert "AK-2" in outcome.reasons[-1]


def test_unaddressed_ambiguous_or_machine_written_mail_waits_in_no_reply_needed() -> None:
    who = Identification(client=CLIENT, candidates=[LEASE, WAGES])
    plain = message("call", "Could we push Friday's call to next week?", "a@w.example")
    auto = message(
        "Out of office", "Hi Ruth, I must cancel meetings this week.", headers=AUTO_REPLY
    )
    thanks = message("Thanks", "Hi Ruth, thank you!", "a@w.example")
    for mail in (plain, auto, thanks):
        outcome = walk(IGNORE_OTHER, facts(mail, decision("other"), who))
        assert (outcome.action, outcome.no_reply_check) == ("triage", True), mail.subject


def test_an_unknown_senders_scheduling_mail_is_left_to_the_rules() -> None:
    mail = message("call", "Hi Ruth, can we move our call?", "x@unknown.example")
    outcome = walk(IGNORE_OTHER, facts(mail, decision("other"), Identification()))
    assert outcome.action == "ignore"


# -- through the real pipeline: the sample mailbox's "Tuesday call" to Daniel ----------


def test_the_sample_clients_request_to_move_a_call_reaches_daniel_with_its_notice(
    sample_db_url: str,
) -> None:
    engine = make_engine(Settings(db_url=sample_db_url))
    try:
        with session_factory(engine)() as session:
            message = session.scalars(
                select(Message).where(Message.subject == "Tuesday call")
            ).one()
            assert message.state == MessageState.ESCALATED
            assert message.assignee_attorney.email == "daniel.brandt@harborvale.law"
            notice = session.scalars(
                select(OutboxEntry).where(OutboxEntry.message_id == message.id)
            ).one()
            assert notice.kind == "notice" and notice.to_addrs == ["daniel.brandt@harborvale.law"]
            assert notice.subject == "[Scheduling] Tuesday call"
            assert "asks to move or set a call or meeting with you" in notice.body_text
            assert "could we move Tuesday's 10:00" in notice.body_text
    finally:
        engine.dispose()
