"""`from:` with a sender of many messages (web/search_senders.py, migration 0024), on
SQLite and PostgreSQL with the sample mailbox and one sender's copies of it: however
SQLite finds a sender's messages (each looked up when few, kept for the search when
many, or a part of a name tested on each message) and a client's, every search counts
and pages the same messages, which are those whose sender holds the text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, insert, literal, select, text
from sqlalchemy.orm import Session

from inbox.db import make_engine, session_factory
from inbox.models import Client, Message
from inbox.settings import Settings
from web.queries import QUEUE_ORDER
from web.queue_order import of_states
from web.search import FEW_SENDERS, search_page

HEAVY_NAME, HEAVY_ADDR = "Ana Delgado", "ana.delgado@example.com"
COPIES = 2  # of the sample mailbox, from the heavy sender: more than FEW_SENDERS
# A name SQLite's LIKE does not find as "kelvin" (its first letter is the Kelvin sign,
# which the trigram index folds to "k"): from: finds what LIKE finds, as before.
KELVIN_NAME, KELVIN_ADDR = "\u212aelvin Delgado", "k.delgado@example.com"


@pytest.fixture
def session(sample_db_url: str) -> Iterator[Session]:
    engine = make_engine(Settings(db_url=sample_db_url))
    with session_factory(engine)() as session:
        _add_heavy_sender(session)
        yield session
    engine.dispose()


def _add_heavy_sender(session: Session) -> None:
    """Every sample message again, COPIES times, from one sender, and once from
    KELVIN_NAME (their states, labels, clients, subjects and words as they were)."""
    columns = [c for c in Message.__table__.columns if c.name != "id"]
    senders = [(HEAVY_NAME, HEAVY_ADDR)] * COPIES + [(KELVIN_NAME, KELVIN_ADDR)]
    originals = session.scalar(select(func.max(Message.id)))
    for copy, (name, addr) in enumerate(senders):
        changed = {
            "dedupe_key": Message.dedupe_key + f"-copy{copy}",
            "from_name": literal(name),
            "from_addr": literal(addr),
        }
        rows = select(*(changed.get(c.name, c) for c in columns)).where(Message.id <= originals)
        session.execute(insert(Message).from_select([c.name for c in columns], rows))
    session.commit()
    heavy = select(func.count()).where(Message.from_addr == HEAVY_ADDR)
    assert (session.scalar(heavy) or 0) > FEW_SENDERS


def _holding(session: Session, part: str) -> set[int]:
    """The messages whose sender's address or name holds `part` (ASCII: either case)."""
    rows = session.execute(select(Message.id, Message.from_addr, Message.from_name))
    return {i for i, addr, name in rows if any(part.lower() in v.lower() for v in (addr, name))}


SEARCHES = [
    "from:kelvin",
    "from:kelvin the",
    "from:delgado lease",
    "from:delgado",
    "from:ELGAD the",
    'from:"ana.delgado@" invoice',
    "from:delgado regards",
    "from:delgado zzqx",
    "from:delgado label:billing the",
    "from:delgado from:ana the",
    "from:delgado invoce",
    'from:delgado "the"',
]
QUEUES = [None, ("triage", "received"), ("answered",)]


def _pages(session: Session, searches: list[str]) -> dict[tuple[str, object, int, int], object]:
    """Each search's count and page, in each queue, under a low and a high cap, from
    its start and further on."""
    found = {}
    for words in searches:
        for states in QUEUES:
            base = select(Message) if states is None else of_states(select(Message), states)
            for cap in (3, 1000):
                for offset in (0, 4):
                    page = search_page(
                        session, base, words, order=QUEUE_ORDER, limit=4, offset=offset, cap=cap
                    )
                    found[words, states, cap, offset] = (page.total, page.ids, page.corrected)
                    session.rollback()
    return found


def test_a_heavy_senders_pages_are_the_same_however_its_messages_are_found(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.search

    monkeypatch.setattr(web.search, "KEPT_SHARE", 1.0)  # many: kept for the search
    kept = _pages(session, SEARCHES)
    monkeypatch.setattr(web.search, "FEW_SENDERS", 0)  # every one kept
    assert _pages(session, SEARCHES) == kept
    monkeypatch.setattr(web.search, "FEW_SENDERS", 10**6)  # few: each looked up
    assert _pages(session, SEARCHES) == kept
    monkeypatch.setattr(web.search, "FEW_RANKED", 10**6)  # ...when ranked too
    assert _pages(session, SEARCHES) == kept
    monkeypatch.setattr(web.search, "TRIGRAM", 10**6)  # tested on each message, as before
    assert _pages(session, SEARCHES) == kept
    everything = search_page(
        session,
        select(Message),
        "from:delgado",
        order=QUEUE_ORDER,
        limit=10**4,
        offset=0,
        cap=10**4,
    )
    heavy = _holding(session, "delgado")
    assert set(everything.ids) == heavy and everything.total == len(heavy)
    if session.connection().dialect.name == "sqlite":  # (PostgreSQL's ILIKE folds it)
        assert kept["from:kelvin", None, 1000, 0][:2] == (0, [])
    assert kept["from:delgado", None, 3, 0][0] == 3  # more than the cap: counted no further


@pytest.mark.parametrize("in_queue", [False, True])
def test_a_sender_of_many_messages_is_kept_as_a_share_of_the_mailbox(
    session: Session, monkeypatch: pytest.MonkeyPatch, in_queue: bool
) -> None:
    """SQLite keeps a sender's messages for the search up to KEPT_SHARE of the mailbox
    (in a queue, KEPT_SHARE_IN_QUEUE); a sender of more has each message tested (both:
    the same pages, above)."""
    import web.search
    from web.search import _among, with_operators
    from web.search_query import parse

    if session.connection().dialect.name != "sqlite":
        pytest.skip("SQLite keeps a sender's messages; PostgreSQL's trigram index finds them")
    total = session.scalar(select(func.count()).select_from(Message)) or 0
    heavy = len(_holding(session, "delgado"))
    base = select(Message).where(Message.state != "zzz") if in_queue else select(Message)
    constant = "KEPT_SHARE_IN_QUEUE" if in_queue else "KEPT_SHARE"
    other = "KEPT_SHARE" if in_queue else "KEPT_SHARE_IN_QUEUE"
    monkeypatch.setattr(web.search, other, 0.0)  # (the other share: not the one used)
    for share, kept in ((heavy / total + 0.01, True), (heavy / total / 2, False)):
        monkeypatch.setattr(web.search, constant, share)
        query = with_operators(base, parse("from:delgado lease"), session)
        among = _among(query)
        assert (among is not None and len(among.many) == 1) is kept
        if kept:
            assert among is not None
            held = set(session.scalars(select(among.many[0].c.id)))
            assert held == _holding(session, "delgado")
        session.rollback()


def _queue_pages(
    session: Session, base: Any, words: str
) -> list[tuple[int, list[int], dict[str, list[str]]]]:
    """The search's count, page and corrections in queue `base`, under a cap below and
    above the count, from its start, further on and past the last page."""
    found = []
    for cap, offset in ((3, 0), (3, 4), (1000, 0), (1000, 4), (1000, 10**4)):
        page = search_page(session, base, words, order=QUEUE_ORDER, limit=4, offset=offset, cap=cap)
        found.append((page.total, page.ids, page.corrected))
        session.rollback()
    return found


IN_QUEUE_SEARCHES = [
    "from:delgado the",
    "from:delgado lease",
    "from:delgado regards",
    "from:delgado zzqx",
    "from:delgado invoce",
    "from:delgado label:billing the",
    "from:ana.delgado the",
    'from:delgado "the"',
]


@pytest.mark.parametrize("share", [1.0, 0.0])  # of the cap: counted and ranked at once, or not
def test_a_senders_messages_in_a_queue_kept_once_give_the_pages_walked_for_each_statement(
    session: Session, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    """SQLite keeps the queue's messages among a heavy sender's once for a search
    (web/search.py _keep_queue), which are those messages: the same counts and pages
    as testing each match against the queue walked again, in queues of one state, of
    several, of a label and of none of the sender's messages, under a cap above and
    below the count, and a page past the last."""
    import web.search

    if session.connection().dialect.name != "sqlite":
        pytest.skip("SQLite keeps a sender's messages; PostgreSQL's trigram index finds them")
    monkeypatch.setattr(web.search, "KEPT_SHARE_IN_QUEUE", 1.0)  # many: kept for the search
    monkeypatch.setattr(web.search, "AT_ONCE_BELOW", share)
    # (every queue walked, as a queue of states and more is: one of states alone takes
    # the sender's messages kept in its states, pinned below)
    monkeypatch.setattr(web.search, "_queue_states", lambda query: ((), False))
    queues = [
        of_states(select(Message), ("triage", "received")),
        of_states(select(Message), ("answered",)),
        select(Message).where(Message.label == "billing_query"),
        select(Message).where(Message.state == "zzz"),  # none of them
    ]
    keep = web.search._keep_queue
    kept: list[tuple[set[int], set[int]]] = []  # each search's kept ids, and the expected
    expected: set[int] = set()

    def keeping(session: Session, query: Any, *guessed: Any) -> Any:
        query = keep(session, query, *guessed)  # (no queue size given: never guessed under)
        among = web.search._among(query)
        assert among is not None and among.queue is not None
        kept.append((set(session.scalars(select(among.queue.c.id))), expected))
        assert among.queue_size == len(kept[-1][0])
        return query

    def pages() -> list[tuple[int, list[int], dict[str, list[str]]]]:
        nonlocal expected
        found = []
        for base in queues:
            for words in IN_QUEUE_SEARCHES:
                sender = words.split()[0].removeprefix("from:")
                labelled = "label:billing" in words
                narrowed = base.where(Message.label == "billing_query") if labelled else base
                queue = set(session.scalars(narrowed.with_only_columns(Message.id)))
                expected = _holding(session, sender) & queue
                found += _queue_pages(session, base, words)
        return found

    monkeypatch.setattr(web.search, "_keep_queue", keeping)
    kept_once = pages()
    assert kept and all(ids == wanted for ids, wanted in kept)
    assert any(ids for ids, _ in kept) and any(not ids for ids, _ in kept)
    assert len({len(ids) for ids, _ in kept}) > 2  # (senders of different sizes)
    monkeypatch.setattr(web.search, "_keep_queue", lambda session, query, *guessed: query)
    assert pages() == kept_once
    assert any(total for total, _, _ in kept_once)


def test_a_searchs_temp_tables_outlive_the_rollback_that_ends_a_request(session: Session) -> None:
    """SQLite: the temp tables a search fills are made before it writes, so the rollback
    ending a request that changed nothing keeps them (made in its transaction, each was
    made again by every request, and the next one's first statement reloaded the schema)."""
    if session.connection().dialect.name != "sqlite":
        pytest.skip("temp tables are SQLite's")
    names = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    base = of_states(select(Message), ("triage", "received"))
    for words in ("from:delgado the", "from:delgado zzqx", "the"):
        session.rollback()
        found = search_page(session, base, words, order=QUEUE_ORDER, limit=3, offset=0, cap=2)
        assert found.total == (0 if "zzqx" in words else 2)
        connection = session.connection().connection.driver_connection  # (its temp tables)
        session.rollback()  # as the end of a request that wrote nothing
        made = {name for (name,) in connection.execute(names)}
        assert {"search_from_0", "search_queue", "search_subjects", "words_check"} <= made


CLIENT_SEARCHES = ["invoice", "the", "lease deposit", "regards", "zzqx", '"the"', "invoce"]


def test_a_clients_matches_counted_from_its_index_are_those_counted_from_a_set(
    session: Session,
) -> None:
    """SQLite counts a search of clients alone by looking each match up in
    ix_messages_client_id: the same counts and pages as in a queue (a set of the
    clients' messages tested against each match), on one client, several, or none."""
    clients = session.scalars(select(Client.client_code).order_by(Client.id)).all()
    names = [f"client:{clients[0]}", "client:a", f"client:{clients[0]} client:{clients[1]}"]
    queue = select(Message).where(Message.id > 0)  # every message, as a queue
    for name in names:
        for words in CLIENT_SEARCHES:
            for cap, offset in ((2, 0), (2, 3), (1000, 0)):
                found = [
                    search_page(
                        session,
                        base,
                        f"{name} {words}",
                        order=QUEUE_ORDER,
                        limit=3,
                        offset=offset,
                        cap=cap,
                    )
                    for base in (select(Message), queue)
                ]
                assert found[0] == found[1], (name, words, cap, offset)


def test_senders_are_kept_in_step_as_mail_is_stored_changed_and_deleted(session: Session) -> None:
    """SQLite's senders (migration 0024) are each sender of the messages stored, once:
    a new one after a message is stored or changed, none that no message has left."""
    if session.connection().dialect.name != "sqlite":
        pytest.skip("the senders are SQLite's (PostgreSQL: pg_trgm on the messages)")

    def senders() -> set[tuple[str, str]]:
        kept = session.execute(text("SELECT from_addr, from_name FROM search_senders")).all()
        assert len(kept) == len(set(kept))
        return {tuple(row) for row in kept}

    def holding() -> set[tuple[str, str]]:
        return {tuple(row) for row in session.execute(select(Message.from_addr, Message.from_name))}

    assert senders() == holding()
    message = session.scalars(select(Message).where(Message.from_addr == HEAVY_ADDR)).first()
    lonely = session.scalars(select(Message).where(Message.from_addr != HEAVY_ADDR)).first()
    assert message is not None and lonely is not None
    message.from_name = "Zephyrine Quillfeather"
    lonely.from_addr = "someone.new@example.org"
    session.commit()
    assert senders() == holding()
    assert ("someone.new@example.org", lonely.from_name) in senders()
    found = search_page(
        session, select(Message), "from:quillfeath", order=QUEUE_ORDER, limit=5, offset=0, cap=5
    )
    assert found.ids == [message.id]
    session.delete(message)
    session.commit()
    assert senders() == holding()
    assert (HEAVY_ADDR, "Zephyrine Quillfeather") not in senders()


@pytest.mark.parametrize("few", [4, 0])  # few in the queue: looked up; else kept
def test_a_senders_messages_kept_in_the_queues_states_give_the_pages_kept_in_all(
    session: Session, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    """SQLite keeps a sender's messages in a queue's states alone (ix_messages_sender
    holds the state, migration 0026), and a queue of states alone takes them as its
    messages among the sender's: the same counts and pages as all of the sender's kept
    and the queue walked, for several senders, in queues of one state, of several, of
    states and a label, and of none of the sender's messages."""
    import web.search

    if session.connection().dialect.name != "sqlite":
        pytest.skip("SQLite keeps a sender's messages; PostgreSQL's trigram index finds them")
    monkeypatch.setattr(web.search, "KEPT_SHARE_IN_QUEUE", 1.0)  # many: kept for the search
    monkeypatch.setattr(web.search, "FEW_RANKED", few)
    queues = [
        of_states(select(Message), ("triage", "received")),
        of_states(select(Message), ("answered",)),
        of_states(select(Message), ("escalated",)),
        of_states(select(Message), ("review", "triage")).where(Message.label == "billing_query"),
        of_states(select(Message), ("zzz",)),  # none of them
    ]
    senders = ["delgado", "ana.delgado", "a", "example", "kelvin"]
    searches = [f"from:{s} {w}" for s in senders for w in ("the", "re", "invoice", "zzqx")]
    searches += ["from:delgado", "from:delgado label:billing the", "from:delgado from:ana the"]
    keeping = web.search.keep_sender_messages
    asked: list[tuple[str, ...]] = []

    def kept_in(session: Session, value: str, slot: int, most: int, states: Any = ()) -> Any:
        asked.append(tuple(sorted(states)))
        return keeping(session, value, slot, most, states)

    def pages() -> list[tuple[int, list[int], dict[str, list[str]]]]:
        return [
            page
            for base in queues
            for words in searches
            for page in _queue_pages(session, base, words)
        ]

    monkeypatch.setattr(web.search, "keep_sender_messages", kept_in)
    in_states = pages()
    assert {("answered",), ("escalated",), ("received", "triage")} <= set(asked)
    assert any(total for total, _, _ in in_states) and any(not t for t, _, _ in in_states)
    asked.clear()
    monkeypatch.setattr(web.search, "_queue_states", lambda query: ((), False))  # as before
    assert pages() == in_states
    assert set(asked) == {()}
