"""The "No reply needed?" queue, through Flask's test client on SQLite and PostgreSQL.

The sample mailbox ingested by the real pipeline puts a known client's mail the rules
would have filed there (the thank-you note, a client's out-of-office reply): the
known-client guard keeps it from being filed unseen. A VA archives it, opens it as a
draft, or moves it to triage; each is audited, needs its role and its CSRF token.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import AuditEvent, Draft, Message, MessageState
from inbox.settings import Settings
from tests.web_client import csrf_token, login, post_form

VA, ATTORNEY = "dana@harborvale.law", "margaret.okafor@harborvale.law"
QUEUE = "/queue/noreply"


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret")


def waiting(db: sessionmaker[Session]) -> list[Message]:
    with db() as session:
        return list(
            session.scalars(
                select(Message).where(Message.state == MessageState.NO_REPLY).order_by(Message.id)
            )
        )


def thank_you(db: sessionmaker[Session]) -> Message:
    with db() as session:
        return session.scalars(select(Message).where(Message.subject.like("%hank%"))).one()


def actions_on(db: sessionmaker[Session], message_id: int) -> list[str]:
    with db() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.message_id == message_id, AuditEvent.action != "view")
                .order_by(AuditEvent.id)
            )
        )


def state_of(db: sessionmaker[Session], message_id: int) -> str:
    with db() as session:
        return session.get_one(Message, message_id).state


def test_a_known_clients_thanks_waits_in_the_queue_counted_in_the_navigation(
    app: Flask, db: sessionmaker[Session]
) -> None:
    held = waiting(db)
    assert thank_you(db).id in [m.id for m in held]
    assert all(m.client_id is not None and m.priority < 0 for m in held)
    page = login(app, VA).get(QUEUE).text
    assert f'No reply needed? <span class="count">{len(held)}</span>' in page
    assert page.count('<tr data-href="/messages/') == len(held)
    # Not in the main triage queue: that one is for mail nobody has decided on.
    triage = login(app, VA).get("/queue/triage").text
    assert f'data-href="/messages/{thank_you(db).id}"' not in triage


def test_archive_closes_it_without_a_reply_and_is_audited_once(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = thank_you(db)
    client = login(app, VA)
    url = f"/messages/{message.id}/no-reply/archive"
    response = post_form(client, QUEUE, url)
    assert response.status_code == 302 and response.headers["Location"].endswith(QUEUE)
    assert state_of(db, message.id) == MessageState.DONE
    # A second archive (another VA, an old tab) is refused with its reason; nothing changes.
    assert post_form(client, QUEUE, url).status_code == 302
    assert "no longer in the No reply needed? queue" in client.get(QUEUE).text
    assert state_of(db, message.id) == MessageState.DONE
    assert actions_on(db, message.id) == ["archive_no_reply"]


def test_open_as_status_draft_relabels_and_routes_it_like_a_status_request(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = thank_you(db)
    client = login(app, VA)
    response = post_form(
        client, QUEUE, f"/messages/{message.id}/no-reply/draft", label="status_request"
    )
    assert response.headers["Location"].endswith(f"/messages/{message.id}")
    with db() as session:
        stored = session.get_one(Message, message.id)
        assert stored.label == "status_request"
        assert stored.state in (MessageState.REVIEW, MessageState.TRIAGE)
        drafts = session.scalars(
            select(Draft).where(Draft.message_id == message.id, Draft.state == "pending")
        ).all()
        assert (stored.state == MessageState.REVIEW) == bool(drafts)
    assert actions_on(db, message.id) == ["no_reply_to_draft", "relabel"]


def test_a_draft_is_only_for_status_or_billing(app: Flask, db: sessionmaker[Session]) -> None:
    message = thank_you(db)
    client = login(app, VA)
    post_form(client, QUEUE, f"/messages/{message.id}/no-reply/draft", label="legal_question")
    assert state_of(db, message.id) == MessageState.NO_REPLY
    assert "a draft is made for status_request or billing_query" in client.get(QUEUE).text
    assert actions_on(db, message.id) == []


def test_move_to_triage(app: Flask, db: sessionmaker[Session]) -> None:
    message = thank_you(db)
    client = login(app, VA)
    post_form(client, QUEUE, f"/messages/{message.id}/no-reply/triage")
    assert state_of(db, message.id) == MessageState.TRIAGE
    assert actions_on(db, message.id) == ["no_reply_to_triage"]


def test_bulk_archive_archives_the_checked_ones_still_waiting(
    app: Flask, db: sessionmaker[Session]
) -> None:
    held = [m.id for m in waiting(db)]
    assert len(held) >= 2, "the sample mailbox should hold two or more"
    with db() as session:
        handled = session.scalars(
            select(Message.id).where(Message.state == MessageState.ESCALATED)
        ).first()
    client = login(app, VA)
    page = client.get(QUEUE).text
    versions = dict(re.findall(r'name="message" value="(\d+):(\w+)"', page))
    # One handled elsewhere since (escalated): its version as the page would have shown it.
    picked = [f"{i}:{versions[str(i)]}" for i in held[:2]] + [f"{handled}:{versions[str(held[0])]}"]
    response = client.post(
        "/queue/noreply/bulk",
        data={"csrf_token": csrf_token(page), "action": "archive", "message": picked},
    )
    assert response.status_code == 302
    assert [state_of(db, i) for i in held[:2]] == [MessageState.DONE] * 2
    assert state_of(db, handled) == MessageState.ESCALATED
    assert "Archived 2 messages. Skipped 1:" in client.get(QUEUE).text
    with db() as session:
        assert (
            session.scalar(
                select(func.count()).where(
                    AuditEvent.action == "archive_no_reply", AuditEvent.message_id.in_(held[:2])
                )
            )
            == 2
        )


def test_nothing_checked_is_said_and_changes_nothing(app: Flask, db: sessionmaker[Session]) -> None:
    before = len(waiting(db))
    client = login(app, VA)
    post_form(client, QUEUE, "/queue/noreply/bulk", action="archive")
    assert "Select the messages first" in client.get(QUEUE).text
    assert len(waiting(db)) == before


def test_an_attorney_cannot_clear_the_queue_and_a_post_needs_its_token(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = thank_you(db)
    attorney = login(app, ATTORNEY)
    page = attorney.get(QUEUE).text
    assert 'data-key="y"' not in page and "Archive selected" not in page
    for action in ("archive", "triage"):
        url = f"/messages/{message.id}/no-reply/{action}"
        assert post_form(attorney, QUEUE, url).status_code == 403
    va = login(app, VA)
    assert va.post(f"/messages/{message.id}/no-reply/archive", data={}).status_code == 400
    assert state_of(db, message.id) == MessageState.NO_REPLY


def test_the_message_page_offers_the_queues_actions(app: Flask, db: sessionmaker[Session]) -> None:
    message = thank_you(db)
    page = login(app, VA).get(f"/messages/{message.id}").text
    assert 'id="no-reply-actions"' in page
    for key in "ysbt":
        assert f'data-key="{key}"' in page


def test_a_draft_for_machine_written_mail_is_not_made_and_the_rule_is_said(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        auto_reply = session.scalars(
            select(Message).where(
                Message.state == MessageState.NO_REPLY, Message.is_auto_submitted.is_(True)
            )
        ).first()
    assert auto_reply is not None, "the sample's out-of-office reply from a client"
    client = login(app, VA)
    url = f"/messages/{auto_reply.id}"
    post_form(client, url, f"{url}/no-reply/draft", label="status_request")
    page = client.get(url).text
    assert "but no draft was made (triage): machine-written-mail: Auto-replies" in page
    assert state_of(db, auto_reply.id) == MessageState.NO_REPLY
