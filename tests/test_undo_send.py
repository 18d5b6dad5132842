"""Undo send (issue 18 item 2, issue 17 item 15): an approved reply waits its window in
the outbox, the worker leaves it alone until then, and Undo takes it back unsent.

The worker runs against a real aiosmtpd server, on each database the suite runs on
(the fixtures and helpers are those of tests/test_outbox.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Draft, Message, MessageState, OutboxEntry, OutboxState, User
from inbox.outgoing.outbox import OutboxError, queue_reply, undo_send
from inbox.settings import Settings, SettingsError
from rules.compose import attorney_draft
from tests.servers.smtp import Sink
from tests.test_outbox import (  # noqa: F401 - pytest finds the fixtures by these names
    a_user,
    approve,
    audit_actions,
    client_thread,
    get,
    one_pass,
    send_settings,
    sink,
)
from web.flow import neighbours


@pytest.mark.slow
def test_the_worker_does_not_send_a_reply_before_its_undo_window_ends(
    factory: sessionmaker[Session],
    send_settings: Settings,  # noqa: F811
    sink: Sink,  # noqa: F811
) -> None:
    thread = client_thread(factory)
    entry_id = approve(factory, send_settings, thread, a_user(factory), undo_seconds=1.5)
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.QUEUED
    waits = (entry.next_attempt_at - entry.queued_at).total_seconds()
    assert waits == pytest.approx(1.5)

    assert one_pass(factory, send_settings).sent == 0
    assert sink.handler.received == [] and get(factory, entry_id).attempts == 0
    time.sleep(1.6)  # the window, in real time
    assert one_pass(factory, send_settings).sent == 1
    assert [r.rcpt_tos for r in sink.handler.received] == [("ana@acme.example",)]


def test_the_window_counts_from_the_approval(
    factory: sessionmaker[Session],
    send_settings: Settings,  # noqa: F811
    sink: Sink,  # noqa: F811
) -> None:
    """Approved 30 s ago with a 20 s window: due; approved now: not."""
    now = dt.datetime.now(dt.UTC)
    late = client_thread(factory)
    approve(factory, send_settings, late, undo_seconds=20, now=now - dt.timedelta(seconds=30))
    fresh = client_thread(factory, sender="bo@acme.example")
    fresh_id = approve(factory, send_settings, fresh, undo_seconds=20, now=now)
    assert one_pass(factory, send_settings).sent == 1
    assert [r.rcpt_tos for r in sink.handler.received] == [("ana@acme.example",)]
    assert get(factory, fresh_id).state == OutboxState.QUEUED


def test_undo_inside_the_window_sends_nothing_and_puts_the_draft_back(
    factory: sessionmaker[Session],
    send_settings: Settings,  # noqa: F811
    sink: Sink,  # noqa: F811
) -> None:
    thread = client_thread(factory)
    user_id = a_user(factory)
    entry_id = approve(factory, send_settings, thread, user_id, undo_seconds=0.5)
    with factory() as session, session.begin():
        session.get_one(Message, thread.message_id).state = MessageState.SENDING
    with factory() as session, session.begin():
        entry = session.get_one(OutboxEntry, entry_id)
        undo_send(session, entry, session.get(User, user_id))

    time.sleep(0.6)  # past the window: there is nothing left to send
    assert one_pass(factory, send_settings).sent == 0
    assert sink.handler.received == []
    with factory() as session:
        assert session.get(OutboxEntry, entry_id) is None
        assert session.get_one(Draft, thread.draft_id).state == "pending"
        assert session.get_one(Message, thread.message_id).state == MessageState.REVIEW
    assert audit_actions(factory)[-2:] == [
        ("va@harborvale.law", "approve_send"),
        ("va@harborvale.law", "undo_send"),
    ]
    # The same draft can be approved again, and then it goes.
    approve(factory, send_settings, thread, user_id)
    assert one_pass(factory, send_settings).sent == 1


def test_undo_after_the_worker_took_the_reply_is_refused_and_changes_nothing(
    factory: sessionmaker[Session],
    send_settings: Settings,  # noqa: F811
    sink: Sink,  # noqa: F811
) -> None:
    thread = client_thread(factory)
    entry_id = approve(factory, send_settings, thread, a_user(factory))
    assert one_pass(factory, send_settings).sent == 1
    with factory() as session, session.begin():
        entry = session.get_one(OutboxEntry, entry_id)
        with pytest.raises(OutboxError, match="too late to undo: the reply is sent"):
            undo_send(session, entry, None)
    with factory() as session:
        assert session.get_one(Draft, thread.draft_id).state == "sent"
    assert len(sink.handler.received) == 1


def test_an_attorneys_reply_waits_the_same_window_and_undo_returns_it_to_them(
    factory: sessionmaker[Session],
    send_settings: Settings,  # noqa: F811
    sink: Sink,  # noqa: F811
) -> None:
    thread = client_thread(factory, action="escalate")
    attorney_id = a_user(factory, "attorney")
    with factory() as session, session.begin():
        user = session.get_one(User, attorney_id)
        message = session.get_one(Message, thread.message_id)
        draft = attorney_draft(session, message, user, "Ana,\n\nDo not sign yet.")
        entry = queue_reply(session, draft, user, send_settings, undo_seconds=30)
        message.state = MessageState.SENDING
        entry_id, draft_id = entry.id, draft.id
    assert one_pass(factory, send_settings).sent == 0
    with factory() as session, session.begin():
        undo_send(session, session.get_one(OutboxEntry, entry_id), session.get(User, attorney_id))
    with factory() as session, session.begin():
        message = session.get_one(Message, thread.message_id)
        assert message.state == MessageState.ESCALATED
        # Written again, the reply is the same draft (not a second pending one).
        again = attorney_draft(
            session, message, session.get_one(User, attorney_id), "Ana,\n\nSign it."
        )
        assert again.id == draft_id and again.body_text == "Ana,\n\nSign it.\n"
        pending = session.scalars(
            select(Draft).where(Draft.message_id == thread.message_id, Draft.state == "pending")
        ).all()
        assert [d.id for d in pending] == [thread.draft_id, draft_id]
    assert sink.handler.received == []


def test_a_notice_cannot_be_undone(
    factory: sessionmaker[Session],
    send_settings: Settings,  # noqa: F811
) -> None:
    with factory() as session, session.begin():
        entry = OutboxEntry(
            kind="notice",
            mail_message_id="<n-1@harborvale.law>",
            from_addr=send_settings.shared_address,
            to_addrs=["jvale@harborvale.law"],
            subject="[Legal question]",
            body_text="A client asked.",
        )
        session.add(entry)
        session.flush()
        with pytest.raises(OutboxError, match="not an approved reply"):
            undo_send(session, entry, None)


@pytest.mark.parametrize("raw", ["-1", "nan", "3601", "soon"])
def test_an_undo_window_out_of_range_is_refused_by_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="UNDO_SECONDS"):
        Settings.from_env({"INBOX_ROUTER_UNDO_SECONDS": raw})


def test_the_undo_window_is_20_seconds_unless_set() -> None:
    assert Settings.from_env({}).undo_seconds == 20.0
    assert Settings.from_env({"INBOX_ROUTER_UNDO_SECONDS": "0"}).undo_seconds == 0.0


def test_neighbours_in_the_queue_order() -> None:
    ids = [7, 3, 9]
    assert neighbours(ids, 7) == (None, 3)
    assert neighbours(ids, 3) == (7, 9)
    assert neighbours(ids, 9) == (3, None)
    assert neighbours(ids, 5) == (None, None)  # opened from elsewhere
