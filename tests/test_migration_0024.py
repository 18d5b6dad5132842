"""Migration 0024 (SQLite's senders once each, for from:) down and up again: 0020's
index of every message's sender back in between, the same senders and the same
searches found after."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from inbox.db import alembic_config, make_engine, migrate, session_factory
from inbox.models import Message
from inbox.settings import Settings
from web.queries import QUEUE_ORDER
from web.search import search_page

SEARCHES = ("from:a the", "from:com", "from:harbor invoice", "from:zzqx")


def _found(db_url: str) -> dict[str, tuple[int, list[int]]]:
    engine = make_engine(Settings(db_url=db_url))
    try:
        with session_factory(engine)() as session:
            found = {}
            for words in SEARCHES:
                page = search_page(
                    session, select(Message), words, order=QUEUE_ORDER, limit=20, offset=0, cap=1000
                )
                found[words] = (page.total, page.ids)
            return found
    finally:
        engine.dispose()


def _tables(db_url: str) -> set[str]:
    engine = make_engine(Settings(db_url=db_url))
    try:
        with engine.connect() as connection:
            return set(connection.scalars(text("SELECT name FROM sqlite_master")))
    finally:
        engine.dispose()


def test_0024_goes_down_to_0023_and_up_again_finding_the_same(sample_db_url: str) -> None:
    engine = make_engine(Settings(db_url=sample_db_url))
    if engine.dialect.name != "sqlite":
        engine.dispose()
        pytest.skip("0024 changes SQLite alone")
    try:
        before = _found(sample_db_url)
        assert before["from:a the"][0] > 0
        assert {"search_senders", "search_senders_grams"} <= _tables(sample_db_url)
        assert "messages_senders" not in _tables(sample_db_url)
        command.downgrade(alembic_config(engine), "0023")
        tables = _tables(sample_db_url)
        assert "messages_senders" in tables and "search_senders" not in tables
        assert migrate(engine) == "0026"
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT from_addr, from_name FROM search_senders"))
            held = connection.execute(select(Message.from_addr, Message.from_name).distinct())
            assert sorted(kept) == sorted(held)
        assert _found(sample_db_url) == before
    finally:
        engine.dispose()
