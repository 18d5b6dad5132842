"""Undo send through Flask's test client, on SQLite and PostgreSQL (issue 18 item 2):
the toast after an approval, and who may press its Undo. The browser's side (the
countdown, keys, approve and next) is in tests/test_browser_flow.py."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Draft, Message, MessageState, OutboxEntry, OutboxState
from inbox.settings import Settings
from tests.test_web import ADMIN, VA, VA2
from tests.test_web import approve_first_review_draft as approve
from tests.web_client import csrf_token, login, post_form


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret", undo_seconds=60)


def test_the_page_after_an_approval_offers_undo_once(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    client = login(app, VA)
    message, entry, page = approve(client, db)
    assert entry.state == OutboxState.QUEUED
    waits = (entry.next_attempt_at - entry.queued_at).total_seconds()
    assert waits == pytest.approx(60)
    assert f'action="/outbox/{entry.id}/undo"' in page
    assert re.search(r"approved: sends in <b id=\"undo-seconds\">(59|60)</b> s", page)
    again = client.get(f"/messages/{message.id}").text
    assert "undo-toast" not in again  # shown once


def test_only_the_approver_or_an_admin_may_undo_and_only_with_the_form_token(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    dana = login(app, VA)
    message, entry, _page = approve(dana, db)
    url = f"/messages/{message.id}"

    no_token = dana.post(f"/outbox/{entry.id}/undo")
    assert no_token.status_code == 400
    other_va = post_form(login(app, VA2), url, f"/outbox/{entry.id}/undo")
    assert other_va.status_code == 403
    with db() as session:
        assert session.get_one(OutboxEntry, entry.id).state == OutboxState.QUEUED

    done = post_form(login(app, ADMIN), url, f"/outbox/{entry.id}/undo")
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    with db() as session:
        assert session.get(OutboxEntry, entry.id) is None
        assert session.get_one(Message, message.id).state == MessageState.REVIEW
        drafts = session.scalars(select(Draft).where(Draft.message_id == message.id)).all()
        assert "pending" in [d.state for d in drafts]


def test_undo_once_the_worker_has_the_reply_says_it_is_too_late(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    dana = login(app, VA)
    message, entry, page = approve(dana, db)
    with db() as session, session.begin():  # as the worker's claim leaves it
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry.id)
            .values(state=OutboxState.SENDING, attempts=1)
        )
    response = dana.post(
        f"/outbox/{entry.id}/undo", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    )
    assert "too late to undo: the reply is sending now" in response.text
    with db() as session:
        assert session.get_one(OutboxEntry, entry.id).state == OutboxState.SENDING
        assert session.get_one(Message, message.id).state == MessageState.SENDING


def test_undoing_the_receipt_on_an_escalation_leaves_it_with_its_attorney(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    """The no-advice receipt a VA approves on an escalated message does not answer it:
    while it waits, and after Undo, the message stays escalated with its attorney."""
    with db() as session:
        message, draft = session.execute(
            select(Message, Draft)
            .join(Draft, Draft.message_id == Message.id)
            .where(Message.state == MessageState.ESCALATED, Draft.state == "pending")
            .order_by(Message.id)
        ).first() or pytest.fail("no escalation with a pending receipt in the sample")
        attorney_id = message.assignee_attorney_id
    assert attorney_id is not None and draft.template == "client/legal_ack"
    dana = login(app, VA)
    url = f"/messages/{message.id}"
    fields = {"version": str(draft.version), "subject": draft.subject, "body": draft.body_text}
    approved = post_form(dana, url, f"{url}/drafts/{draft.id}", intent="approve", **fields)
    assert approved.status_code == 302, approved.text
    with db() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).one()
        assert entry.kind == "ack"
        assert session.get_one(Message, message.id).state == MessageState.ESCALATED

    done = post_form(dana, url, f"/outbox/{entry.id}/undo")
    assert done.status_code == 302
    with db() as session:
        again = session.get_one(Message, message.id)
        assert (again.state, again.assignee_attorney_id) == (MessageState.ESCALATED, attorney_id)
        assert session.get_one(Draft, draft.id).state == "pending"
