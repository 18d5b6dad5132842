"""Search past the count's cap (web/search.py), on SQLite and PostgreSQL with the sample
mailbox: the pages of a common word follow one another without repeats or gaps, and a
count stops at its cap however it is reached (the index, the planner's estimate)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.db import make_engine, session_factory
from inbox.models import Message
from inbox.settings import Settings
from web.queries import QUEUE_ORDER
from web.search import search_page
from web.search_query import words_of


@pytest.fixture
def session(sample_db_url: str) -> Iterator[Session]:
    engine = make_engine(Settings(db_url=sample_db_url))
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def pages_of(session: Session, words: str, size: int, cap: int) -> list[list[int]]:
    found, offset = [], 0
    while True:
        page = search_page(
            session, select(Message), words, order=QUEUE_ORDER, limit=size, offset=offset, cap=cap
        )
        assert page.total == cap  # more than the cap: counted no further
        if not page.ids:
            return found
        found.append(page.ids)
        offset += size


def test_pages_past_the_cap_follow_one_another_subject_matches_first(session: Session) -> None:
    every = pages_of(session, "the", size=4, cap=3)
    ids = [i for page in every for i in page]
    assert len(ids) == len(set(ids)) > 8  # no message twice, over several pages
    everything = search_page(
        session, select(Message), "the", order=QUEUE_ORDER, limit=1000, offset=0, cap=1000
    )
    assert set(ids) == set(everything.ids)  # none missed
    subjects = {i: s for i, s in session.execute(select(Message.id, Message.subject))}
    in_subject = {i for i in ids if any(w.startswith("the") for w in words_of(subjects[i] or ""))}
    firsts = [i in in_subject for i in ids]
    assert firsts == sorted(firsts, reverse=True)  # subject matches, then the rest
