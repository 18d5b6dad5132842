"""Migration 0023 (PostgreSQL's word indexes beside the queue's columns, the words read
with the row) down and up again, the searches finding the same messages either way."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from inbox.db import alembic_config, make_engine, migrate, session_factory
from inbox.models import Message
from inbox.settings import Settings
from web.queries import QUEUE_ORDER
from web.search import search_page

SEARCHES = ("invoice", "the", "from:a the", "client:a invoice", "label:billing the", '"the"')


def _found(db_url: str) -> dict[tuple[str, str | None], tuple[int, list[int]]]:
    engine = make_engine(Settings(db_url=db_url))
    try:
        with session_factory(engine)() as session:
            found = {}
            for words in SEARCHES:
                for state in (None, "triage"):
                    base = select(Message)
                    if state:
                        base = base.where(Message.state == state)
                    page = search_page(
                        session, base, words, order=QUEUE_ORDER, limit=20, offset=0, cap=1000
                    )
                    found[words, state] = (page.total, page.ids)
            return found
    finally:
        engine.dispose()


def test_0023_goes_down_to_0022_and_up_again_finding_the_same(sample_db_url: str) -> None:
    engine = make_engine(Settings(db_url=sample_db_url))
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("0023 changes PostgreSQL alone")
    try:
        with engine.connect() as connection:
            storage = connection.execute(
                text(
                    "SELECT attstorage FROM pg_attribute WHERE attrelid = 'messages'::regclass "
                    "AND attname = 'search_vector'"
                )
            ).scalar_one()
            assert storage == "m"  # kept in the row
            index = connection.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :i"),
                {"i": "ix_messages_search_vector"},
            ).scalar_one()
            beside = connection.execute(
                text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
            ).first()
            assert ("state, label, client_id" in index) == (beside is not None)
        after = _found(sample_db_url)
        command.downgrade(alembic_config(engine), "0022")
        assert _found(sample_db_url) == after
        command.upgrade(alembic_config(engine), "0023")
        assert _found(sample_db_url) == after
        migrate(engine)
    finally:
        engine.dispose()
