"""Bulk actions on a queue's checked lines (web/bulk_actions.py, rules/bulk.py), through
Flask's test client on SQLite and PostgreSQL with the sample firm and mailbox: each
message through its single action's path (audited once each), a message changed since
the page was loaded skipped and named, roles and CSRF checked."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import AuditEvent, Message, MessageState, User
from inbox.settings import Settings
from rules.bulk import Outcome, Pick, Skipped, message_version, read_picks
from tests.triage_lines import ensure_in_triage
from tests.web_client import csrf_token, login
from web.bulk_actions import summary

VA, OTHER_VA, ATTORNEY = (
    "dana@harborvale.law",
    "sam.va@harborvale.law",
    "margaret.okafor@harborvale.law",
)
PICK = re.compile(r'name="message" value="(\d+:\w+)"')


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret")


@pytest.fixture(autouse=True)
def two_in_triage(db: sessionmaker[Session]) -> None:
    ensure_in_triage(db)


def lines(client: FlaskClient, queue: str) -> tuple[str, list[str]]:
    """The page's CSRF token and its checkboxes' values (id:version), as a browser sees them."""
    page = client.get(f"/queue/{queue}").text
    return csrf_token(page), PICK.findall(page)


def user_id(db: sessionmaker[Session], email: str) -> int:
    with db() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def audited(db: sessionmaker[Session], action: str, ids: list[int]) -> list[int]:
    with db() as session:
        return sorted(
            session.scalars(
                select(AuditEvent.message_id).where(
                    AuditEvent.action == action, AuditEvent.message_id.in_(ids)
                )
            )
        )


def ids_of(picks: list[str]) -> list[int]:
    return [int(p.split(":")[0]) for p in picks]


def test_two_triage_lines_assigned_at_once_each_audited(
    app: Flask, db: sessionmaker[Session]
) -> None:
    client = login(app, VA)
    token, picks = lines(client, "triage")
    assert len(picks) >= 2, "the sample mailbox should put two or more mails in triage"
    sam = user_id(db, OTHER_VA)
    response = client.post(
        "/queue/triage/bulk",
        data={
            "csrf_token": token,
            "action": "assign",
            "assignee": f"u:{sam}",
            "message": picks[:2],
            "back": "/queue/triage?label=",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/queue/triage?label=")
    chosen = ids_of(picks[:2])
    with db() as session:
        held = session.scalars(select(Message.assignee_user_id).where(Message.id.in_(chosen)))
        assert list(held) == [sam, sam]
    assert audited(db, "reassign", chosen) == sorted(chosen)
    assert "Assigned 2 messages to Sam Ortiz." in client.get("/queue/triage").text


def test_a_line_changed_since_the_page_was_loaded_is_skipped_and_named(
    app: Flask, db: sessionmaker[Session]
) -> None:
    dana, sam = login(app, VA), login(app, OTHER_VA)
    token, picks = lines(dana, "triage")
    first, second = ids_of(picks[:2])
    # Sam assigns the first one to himself after Dana's page was loaded.
    sam_token, _ = lines(sam, "triage")
    sam.post(
        f"/messages/{first}/reassign",
        data={"csrf_token": sam_token, "assignee": f"u:{user_id(db, OTHER_VA)}"},
    )
    dana.post(
        "/queue/triage/bulk",
        data={"csrf_token": token, "action": "done", "message": picks[:2]},
    )
    with db() as session:
        assert session.get_one(Message, first).state != MessageState.DONE
        assert session.get_one(Message, first).assignee_user_id == user_id(db, OTHER_VA)
        assert session.get_one(Message, second).state == MessageState.DONE
    assert audited(db, "mark_done", [first, second]) == [second]
    page = dana.get("/queue/triage").text
    assert "Marked done 1 message. Skipped 1:" in page
    assert f"#{first} changed by {OTHER_VA} since you loaded the page" in page


def test_no_reply_lines_archived_and_those_handled_elsewhere_skipped(
    app: Flask, db: sessionmaker[Session]
) -> None:
    client = login(app, VA)
    token, picks = lines(client, "noreply")
    assert len(picks) >= 2
    with db() as session:
        escalated = session.scalars(
            select(Message).where(Message.state == MessageState.ESCALATED)
        ).first()
        stale = f"{escalated.id}:{message_version(MessageState.NO_REPLY, None, None, 'other')}"
    sent = [*picks[:2], stale, "999999:abc", "x"]
    client.post(
        "/queue/noreply/bulk", data={"csrf_token": token, "action": "archive", "message": sent}
    )
    chosen = ids_of(picks[:2])
    with db() as session:
        assert session.get_one(Message, escalated.id).state == MessageState.ESCALATED
        states = session.scalars(select(Message.state).where(Message.id.in_(chosen)))
        assert list(states) == [MessageState.DONE] * 2
    assert audited(db, "archive_no_reply", chosen) == sorted(chosen)
    page = client.get("/queue/noreply").text
    assert "Archived 2 messages. Skipped 2:" in page
    assert "#999999 no such message" in page


def test_nothing_changes_for_an_unknown_assignee_or_nothing_checked(
    app: Flask, db: sessionmaker[Session]
) -> None:
    client = login(app, VA)
    token, picks = lines(client, "triage")
    client.post(
        "/queue/triage/bulk",
        data={"csrf_token": token, "action": "assign", "assignee": "u:999", "message": picks},
    )
    assert "is not someone who can take work" in client.get("/queue/triage").text
    client.post("/queue/triage/bulk", data={"csrf_token": token, "action": "done"})
    assert "Select the messages first" in client.get("/queue/triage").text
    assert audited(db, "reassign", ids_of(picks)) == []
    assert audited(db, "mark_done", ids_of(picks)) == []


def test_roles_and_csrf_are_checked_per_action(app: Flask, db: sessionmaker[Session]) -> None:
    va = login(app, VA)
    token, picks = lines(va, "triage")
    assert (
        va.post("/queue/triage/bulk", data={"action": "done", "message": picks}).status_code == 400
    )
    attorney = login(app, ATTORNEY)
    page = attorney.get("/queue/triage").text
    assert "Mark selected done" in page and "Assign selected to" not in page
    refused = attorney.post(
        "/queue/triage/bulk",
        data={
            "csrf_token": csrf_token(page),
            "action": "assign",
            "assignee": "none",
            "message": picks,
        },
    )
    assert refused.status_code == 403
    # Queues without bulk actions have no checkboxes and refuse the post.
    assert 'name="message"' not in va.get("/queue/all").text
    assert (
        va.post("/queue/all/bulk", data={"csrf_token": token, "action": "done"}).status_code == 404
    )
    assert (
        va.post("/queue/noreply/bulk", data={"csrf_token": token, "action": "x"}).status_code == 400
    )
    assert audited(db, "reassign", ids_of(picks)) == []


# -- pure parts ---------------------------------------------------------------------


def test_read_picks_keeps_each_message_once_and_drops_anything_else() -> None:
    assert read_picks(["3:ab12", "3:ff00", "4:", "x:1", "5:a-b", "7:c3"]) == [
        Pick(3, "ab12"),
        Pick(7, "c3"),
    ]


def test_a_version_changes_with_state_holder_and_label_only() -> None:
    base = message_version("triage", None, 2, "other")
    assert base == message_version("triage", None, 2, "other")
    assert base != message_version("done", None, 2, "other")
    assert base != message_version("triage", 5, 2, "other")
    assert base != message_version("triage", None, 2, "billing_query")


def test_summary_names_the_first_skips_and_counts_the_rest() -> None:
    outcome = Outcome(changed=[1], skipped=[Skipped(i, "no such message") for i in range(7)])
    said = summary("done", outcome)
    assert said.startswith("Marked done 1 message. Skipped 7: #0 no such message;")
    assert said.endswith("; and 2 more.")
