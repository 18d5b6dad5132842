"""How a request's transaction ends (web/database.py) and which statements PostgreSQL
keeps prepared from one request to the next (inbox/db.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import PREPARE_AFTER
from inbox.models import Message, MessageState
from inbox.settings import Settings
from tests.web_client import login
from web import database

VA = "dana@harborvale.law"


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret")


def _first_id(db: sessionmaker[Session]) -> int:
    with db() as session:
        found = session.scalar(
            select(Message.id).where(Message.state == MessageState.REVIEW).order_by(Message.id)
        )
        assert found is not None
        return found


def test_a_request_that_changed_something_without_committing_leaves_it_unchanged(
    app: Flask, db: sessionmaker[Session]
) -> None:
    """A view is to commit after its one domain call: what it left uncommitted, when its
    transaction ends (a read-only one with a commit on PostgreSQL), is rolled back."""
    message_id = _first_id(db)

    @app.route("/_test/write-without-commit")
    def write_without_commit() -> str:
        session = database.session()
        session.execute(update(Message).where(Message.id == message_id).values(subject="lost"))
        return "ok"

    @app.route("/_test/change-without-flush")
    def change_without_flush() -> str:
        database.session().get_one(Message, message_id).subject = "lost too"
        return "ok"

    client = login(app, VA)
    assert client.get("/_test/write-without-commit").status_code == 200
    assert client.get("/_test/change-without-flush").status_code == 200
    with db() as session:
        assert session.get_one(Message, message_id).subject not in ("lost", "lost too")


def test_the_message_pages_statements_stay_prepared_and_a_searchs_do_not(
    app: Flask, db: sessionmaker[Session], settings: Settings
) -> None:
    """PostgreSQL: psycopg forgets a connection's prepared statements on each rollback,
    so a read-only request ends with a commit; only the statements marked are
    prepared (a search's best plan depends on its words)."""
    if not settings.db_url.startswith("postgresql"):
        pytest.skip("prepared statements: PostgreSQL only")
    message_id = _first_id(db)

    @app.route("/_test/prepared")
    def prepared_statements() -> str:
        found = database.session().scalars(text("SELECT statement FROM pg_prepared_statements"))
        return "\n---\n".join(found)

    client = login(app, VA)
    for _ in range(PREPARE_AFTER + 1):
        assert client.get(f"/messages/{message_id}").status_code == 200
        assert client.get("/queue/all?q=invoice").status_code == 200
    statements = client.get("/_test/prepared").text
    assert "FROM audit_events" in statements  # the message page's trail
    assert "search_vector" not in statements  # the search's
