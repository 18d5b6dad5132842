"""Migration 0015 (files on replies, saved replies, signatures) down and up again, on
SQLite and PostgreSQL, keeping the rows of the tables it does not own."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from inbox.db import alembic_config, make_engine, migrate, session_factory
from inbox.models import Snippet, User
from inbox.settings import Settings


def test_0015_goes_down_to_0016_and_up_again(db_url: str) -> None:
    engine = make_engine(Settings(db_url=db_url))
    try:
        with session_factory(engine)() as session, session.begin():
            session.add(
                User(email="m@x.example", role="attorney", password_hash="x", signature="M")
            )
            session.add(Snippet(title="t", body="b"))
        command.downgrade(alembic_config(engine), "0016")
        tables = inspect(engine).get_table_names()
        assert "snippets" not in tables and "draft_files" not in tables
        assert "signature" not in {c["name"] for c in inspect(engine).get_columns("users")}
        assert migrate(engine) == "0026"
        with session_factory(engine)() as session:
            user = session.scalars(select(User).where(User.email == "m@x.example")).one()
            assert user.signature == ""  # the column came back with its default
            assert session.scalars(select(Snippet)).all() == []
    finally:
        engine.dispose()
