"""Search past the count's cap (web/search.py), on SQLite and PostgreSQL with the sample
mailbox: the pages of a common word follow one another without repeats or gaps, and a
count stops at its cap however it is reached (the index, the planner's estimate)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
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


def searched_pages(
    session: Session, words: str, limit: int, offsets: tuple[int, ...], caps: tuple[int, ...]
) -> list[tuple[int, list[int]]]:
    """The count and the ids of each page from `offsets`, under each cap."""
    return [
        (found.total, found.ids)
        for offset in offsets
        for cap in caps
        for found in [
            search_page(
                session,
                select(Message),
                words,
                order=QUEUE_ORDER,
                limit=limit,
                offset=offset,
                cap=cap,
            )
        ]
    ]


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


def test_a_queue_of_several_states_is_searched(session: Session) -> None:
    """Triage holds two states: PostgreSQL's planned count once got the IN list as
    "__[POSTCOMPILE_state_1]" (the search page failed with a 500)."""
    triage = select(Message).where(Message.state.in_(("triage", "received")))
    states = select(Message).where(Message.state.in_(("triage", "received", "answered")))
    for base in (triage, states):
        found = search_page(session, base, "the", order=QUEUE_ORDER, limit=5, offset=0, cap=3)
        assert found.problems == () and len(found.ids) <= 5


@pytest.mark.parametrize("words", ["the", "invoic", "re", "from:a th", "pay invoice", '"the"'])
def test_prefixes_named_as_their_stems_find_the_same_pages(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """PostgreSQL names a prefix's stems (web/search_prefixes.py): the same messages,
    in the same order, as the prefix itself."""
    import web.search

    named = searched_pages(session, words, 7, (0, 7), (3, 1000))
    session.info.clear()
    monkeypatch.setattr(web.search, "matching_query", lambda session, terms: None)
    assert named == searched_pages(session, words, 7, (0, 7), (3, 1000))


@pytest.mark.parametrize("words", ["the", "re", "invoice", "from:a th", '"the"'])
@pytest.mark.parametrize("states", [None, ("triage", "received"), ("answered",)])
def test_a_first_page_checked_from_the_queues_first_messages_is_the_walked_one(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str, states: tuple[str, ...] | None
) -> None:
    """SQLite finds a common word's first page past the cap by checking the queue's first
    messages in an index of their own (web/search.py _first_checked): the same page, in
    the same order, as walking the queue against every match."""
    import web.search
    from web.queue_order import of_states

    base = select(Message) if states is None else of_states(select(Message), states)

    def first_page() -> list[int]:
        return search_page(session, base, words, order=QUEUE_ORDER, limit=4, offset=0, cap=2).ids

    monkeypatch.setattr(web.search, "COMMON_SHARE", 0.0)  # every word common: checked
    checked = first_page()
    monkeypatch.setattr(web.search, "_first_checked", lambda *a: web.search.Checked(None))
    assert checked == first_page()


@pytest.mark.parametrize("states", [("triage", "received"), ("sending", "answered", "review")])
def test_a_queue_of_several_states_is_read_in_the_queues_order(
    session: Session, states: tuple[str, ...]
) -> None:
    """web/queue_order.py reads a queue of several states state by state and merges
    them: the same ids, page by page, as ordering the whole queue."""
    from web.queue_order import in_order, of_states

    queue = of_states(select(Message), states)
    everything = session.scalars(
        select(Message.id).where(Message.state.in_(states)).order_by(*QUEUE_ORDER)
    ).all()
    for offset in (0, 3, 7):
        assert session.scalars(in_order(queue, QUEUE_ORDER, 4, offset)).all() == list(
            everything[offset : offset + 4]
        )


def test_a_queue_read_in_order_is_built_once_for_the_same_statement_alone(
    session: Session,
) -> None:
    """web/queue_order.py keeps what in_order built per query: another queue, another
    value (a label, a sender's part) or another page is another statement."""
    from web.queue_order import in_order, of_states

    def ids(query: Any, limit: int, offset: int) -> list[int]:
        return list(session.scalars(in_order(query, QUEUE_ORDER, limit, offset)))

    for states in (("triage", "received"), ("sending", "answered"), ("triage", "review")):
        for label in ("billing", "legal", None):
            queue = of_states(select(Message), states)
            if label:
                queue = queue.where(Message.label == label)
            for offset in (0, 2):
                everything = session.scalars(
                    queue.with_only_columns(Message.id).order_by(*QUEUE_ORDER)
                ).all()
                expected = list(everything[offset : offset + 3])
                assert ids(queue, 3, offset) == expected
                assert ids(queue, 3, offset) == expected  # built before: the same
    one = select(Message).where(Message.state == "triage")
    assert ids(one, 2, 0) == list(
        session.scalars(one.with_only_columns(Message.id).order_by(*QUEUE_ORDER).limit(2))
    )


def test_a_new_subject_is_where_a_search_past_the_cap_looks_first(session: Session) -> None:
    """The subjects' words (SQLite: their own index, migration 0019) follow a changed
    subject: past the cap, its message comes before one holding the words elsewhere."""
    in_order = session.scalars(select(Message).order_by(*QUEUE_ORDER)).all()
    first, last = in_order[0], in_order[-1]
    first.text_body += "\nthe zeugma"
    last.subject = "The zeugma review"
    session.commit()

    def found() -> list[int]:
        return search_page(
            session, select(Message), "the zeugma", order=QUEUE_ORDER, limit=3, offset=0, cap=1
        ).ids

    assert found() == [last.id, first.id]
    last.subject = "Plain subject"
    last.text_body += "\nthe zeugma"
    session.commit()
    assert found() == [first.id, last.id]  # the queue's order, neither in a subject


def _sender_holds(session: Session, part: str) -> set[int]:
    """The messages whose sender's address or name holds `part`, tested in Python."""
    rows = session.execute(select(Message.id, Message.from_addr, Message.from_name))
    return {
        i for i, addr, name in rows if any(part.lower() in (v or "").lower() for v in (addr, name))
    }


@pytest.mark.parametrize("few", [64, 0])
def test_from_finds_any_part_of_a_senders_name_or_address_and_follows_a_change(
    session: Session, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    """from: is a part of the sender, anywhere in a word (SQLite: a sender of few
    messages found in the trigram index of migration 0020, from three characters; the
    others, and shorter values, tested on each sender): the same messages as a
    substring test, with and without words, after a sender changes too."""
    import web.search

    monkeypatch.setattr(web.search, "FEW_SENDERS", few)

    def found(search: str) -> set[int]:
        page = search_page(
            session, select(Message), search, order=QUEUE_ORDER, limit=10_000, offset=0, cap=10_000
        )
        return set(page.ids)

    senders = session.execute(select(Message.from_addr, Message.from_name)).all()
    addr, name = next(
        (a, n) for a, n in senders if a and n and len(n) > 4 and len(a.split("@")[0]) > 4
    )
    local = addr.split("@")[0]
    parts = [local[1:-1].upper(), name[1:4], addr.split("@")[1], name[:2], "@"]
    holding = {w: set(found(w)) for w in ("the", "invoice")}
    for part in parts:
        assert found(f'from:"{part}"') == _sender_holds(session, part) != set(), repr(part)
        for word, ids in holding.items():
            assert found(f'from:"{part}" {word}') == _sender_holds(session, part) & ids
    message = session.scalars(select(Message).where(Message.from_addr == addr)).first()
    assert message is not None
    message.from_name = "Zephyrine Quillfeather"
    session.commit()
    assert found("from:quillfeath") == {message.id} == _sender_holds(session, "quillfeath")
    assert found("from:qxz") == set()


def test_client_and_matter_searches_count_exactly_their_messages(session: Session) -> None:
    """client: and matter: are looked up first (PostgreSQL: their ids given to the query,
    so the planner knows how many messages they hold): every total is the true count,
    none said to be over the cap on a guess, and one naming nothing finds nothing."""
    from inbox.models import Client, Matter

    client = session.scalars(select(Client).order_by(Client.id)).first()
    held = select(Message.matter_id).where(Message.matter_id.is_not(None))
    matter = session.scalars(select(Matter).where(Matter.id.in_(held)).order_by(Matter.id)).first()
    assert client is not None and matter is not None
    for search, column, value in (
        (f"client:{client.client_code}", Message.client_id, client.id),
        (f'matter:"{matter.matter_number}"', Message.matter_id, matter.id),
    ):
        ids = set(session.scalars(select(Message.id).where(column == value)))
        page = search_page(
            session, select(Message), search, order=QUEUE_ORDER, limit=1000, offset=0, cap=1000
        )
        assert page.total == len(ids) > 0 and set(page.ids) == ids, search
        small = search_page(
            session, select(Message), search, order=QUEUE_ORDER, limit=1, offset=0, cap=len(ids)
        )
        assert small.total == len(ids), search  # at the cap: counted, not guessed
    for nothing in ("client:zzqxnoclient", "matter:zzqx-0000 the"):
        page = search_page(
            session, select(Message), nothing, order=QUEUE_ORDER, limit=5, offset=0, cap=5
        )
        assert (page.total, page.ids) == (0, []), nothing


@pytest.mark.parametrize("words", ["payment", "invoice", "lease", "zzzq", "from:a the", '"the"'])
def test_matches_counted_and_ranked_at_once_are_the_pages_counted_then_ranked(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """PostgreSQL, when its planner expects fewer matches than the cap, counts them and
    ranks the page in one statement: the same count and pages as counting them first
    and then ranking the ids found, a page past the last included."""
    import web.search

    at_once = searched_pages(session, words, 3, (0, 3, 500), (2, 1000))
    monkeypatch.setattr(web.search, "_counted_and_ranked", lambda *args: None)
    assert at_once == searched_pages(session, words, 3, (0, 3, 500), (2, 1000))


@pytest.mark.parametrize("words", ["payment", "the", "lease", "from:a the", "from:e re", '"the"'])
def test_matches_counted_and_ranked_at_once_past_the_cap_are_the_pages_counted_first(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """PostgreSQL counts and ranks at once whenever its planner expects fewer than twice
    the cap, so more than the cap may be found that way: then the count is the cap and
    the page is found by place, as when they are counted first (here at once whatever
    the planner expects)."""
    import web.search

    monkeypatch.setattr(web.search, "SURELY_OVER_CAP", 10**9)  # never estimated: counted
    monkeypatch.setattr(web.search, "AT_ONCE_EXPECTED_BELOW", 10**9)
    at_once = searched_pages(session, words, 3, (0, 3, 500), (2, 5, 1000))
    monkeypatch.setattr(web.search, "AT_ONCE_EXPECTED_BELOW", 0)  # never at once
    assert at_once == searched_pages(session, words, 3, (0, 3, 500), (2, 5, 1000))


@pytest.mark.parametrize(
    "words", ["regards", "invoices", "lease", "pay invoice", "matt", "from:a regards", '"the"']
)
def test_long_prefixes_named_as_their_stems_find_the_same_pages(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """SQLite names a prefix longer than its prefix index as the stems it begins
    (web/search_stems.py): the same counts and pages, in the same order, as the prefix."""
    import web.search
    from web.search_query import alternatives, fts5_match, parse
    from web.search_stems import matching_expression

    terms = alternatives(parse(words))
    if session.connection().dialect.name == "sqlite" and words in ("regards", "invoices"):
        assert matching_expression(session, terms) != fts5_match(terms)  # named: stems
    named = searched_pages(session, words, 7, (0, 7), (3, 1000))
    session.info.clear()
    monkeypatch.setattr(web.search, "matching_expression", lambda session, terms: fts5_match(terms))
    assert named == searched_pages(session, words, 7, (0, 7), (3, 1000))


@pytest.mark.parametrize(
    "words", ["regards", "invoices", "lease", "pay invoice", "regar", "from:a regards", "th"]
)
def test_a_prefix_ranked_as_its_one_stem_scores_and_pages_as_the_prefix(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """SQLite ranks a long prefix that begins one stem alone as that stem's phrase
    (web/search_stems.py ranking_expression): bm25 gives every message the same score,
    to the last bit, and the pages are the same, as with the prefix as typed; a prefix
    of several stems stays as typed."""
    import web.search
    from web.queue_order import of_states
    from web.search_query import alternatives, fts5_match, parse
    from web.search_stems import ranking_expression

    if session.connection().dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 ranks with bm25; PostgreSQL's ts_rank reads its tsvector")
    terms = alternatives(parse(words))
    named, typed = ranking_expression(session, terms), fts5_match(terms)
    if words in ("regards", "invoices"):
        assert named != typed  # (one stem each, named)
    scored = text(
        "SELECT rowid, bm25(messages_words, 10.0, 3.0, 3.0, 1.0) FROM messages_words "
        "WHERE messages_words MATCH :m ORDER BY rowid"
    )
    scores = session.execute(scored, {"m": named}).all()
    assert scores == session.execute(scored, {"m": typed}).all()
    assert scores or words == "regar"
    pages = searched_pages(session, words, 7, (0, 7), (3, 1000))
    queue = of_states(select(Message), ("triage", "received"))
    in_queue = _queue_pages(session, queue, words)
    monkeypatch.setattr(web.search, "ranking_expression", lambda session, terms: fts5_match(terms))
    assert pages == searched_pages(session, words, 7, (0, 7), (3, 1000))
    assert in_queue == _queue_pages(session, queue, words)


def test_a_new_words_stems_are_known_once_its_mail_is_caught_up(session: Session) -> None:
    """SQLite: a message stored or changed waits in search_words_pending; until its
    words are caught up (inbox/vocabulary.py) a long prefix is searched as typed, then
    as the stems it begins, the new one among them. Either way it is found."""
    from inbox.vocabulary import catch_up
    from web.search_query import alternatives, fts5_match, parse
    from web.search_stems import matching_expression

    message = session.scalars(select(Message).order_by(Message.id)).first()
    assert message is not None
    message.subject = "Zanzibarization of the docket"
    session.commit()
    terms = alternatives(parse("zanzibar"))

    def found() -> list[int]:
        session.info.clear()
        page = search_page(
            session, select(Message), "zanzibar", order=QUEUE_ORDER, limit=5, offset=0, cap=5
        )
        return page.ids

    assert found() == [message.id]
    if session.connection().dialect.name != "sqlite":
        return
    assert matching_expression(session, terms) == fts5_match(terms)  # pending: as typed
    session.commit()
    catch_up(session.get_bind())
    session.info.clear()
    assert matching_expression(session, terms) == '("zanzibar")'
    assert found() == [message.id]


@pytest.mark.parametrize("words", ["invoice", "label:billing lease", "zzzq"])
def test_an_estimate_over_the_cap_that_the_page_belies_is_counted(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """Past an estimate of many more matches than the cap nothing is counted, but a page
    that is not full says how few there are: "label:billing overtime" at 100,000
    messages (common words, not in billing mail) once showed "more than 1,000 messages"
    over an empty page. Counted then, as if never estimated, the same count and pages."""
    import web.search

    counted = searched_pages(session, words, 1000, (0, 3), (1000,))
    calls: list[bool] = []
    real = web.search._count_matches

    def estimated(*args: Any, **kwargs: Any) -> web.search.Counted:
        calls.append(kwargs.get("estimate", True))
        if kwargs.get("estimate", True) and kwargs.get("judged", True):
            return web.search.Counted(args[3], estimated=True)
        return real(*args, **kwargs)

    monkeypatch.setattr(web.search, "_count_matches", estimated)
    assert searched_pages(session, words, 1000, (0, 3), (1000,)) == counted
    assert counted[0][0] < 1000
    calls.clear()
    full = search_page(
        session, select(Message), "the", order=QUEUE_ORDER, limit=2, offset=0, cap=1000
    )
    assert len(full.ids) == 2 and full.total == 1000  # a full page: the estimate stands
    assert False not in calls


def test_words_common_at_one_end_of_the_mailbox_are_counted_not_guessed(
    session: Session,
) -> None:
    """Whether a queue surely holds more than the cap is estimated from samples of the
    word index (SQLite: its oldest, middle and newest matches; PostgreSQL: the planner):
    a word in every old message and no new one, searched in a queue of new messages and
    three old ones, is counted (3), not told "more than the cap" from the oldest ids."""
    ids = session.scalars(select(Message.id).order_by(Message.id)).all()
    old = ids[: len(ids) // 2]
    for message in session.scalars(select(Message).where(Message.id.in_(old))):
        message.text_body = (message.text_body or "") + "\nzeugma"
    session.commit()
    queue = select(Message).where((Message.id > old[-1]) | Message.id.in_(old[:3]))
    cap = 4  # the oldest ids alone say five times the cap in the queue (49 messages)
    assert len(ids) >= 40
    found = search_page(session, queue, "zeugma", order=QUEUE_ORDER, limit=1, offset=0, cap=cap)
    assert found.total == 3 and found.ids[0] in old[:3]


def _sized_pages(
    session: Session,
    base: Any,
    words: str,
    cap: int,
    base_size: int | None,
    offsets: tuple[int, ...],
) -> list[tuple[int, list[int], dict[str, list[str]]]]:
    """Count, ids and corrections of a search's pages of 3 at `offsets`, the queue's size
    given (`base_size`) or not (None)."""
    return [
        (found.total, found.ids, found.corrected)
        for offset in offsets
        for found in [
            search_page(
                session,
                base,
                words,
                order=QUEUE_ORDER,
                limit=3,
                offset=offset,
                cap=cap,
                base_size=base_size,
            )
        ]
    ]


@pytest.mark.parametrize("words", ["the", "re", "invoice", "from:a th", "label:billing the"])
@pytest.mark.parametrize("cap", [2, 1000])
def test_a_queue_size_given_finds_what_counting_the_queue_finds(
    session: Session, words: str, cap: int
) -> None:
    """The queue page gives the search the queue's size from the navigation's counts
    (SQLite's estimate of "more than the cap" needs it): the same count and pages as
    when the search counts the queue itself; operators narrowing the queue void it."""
    from sqlalchemy import func

    from web.queue_order import of_states

    base = of_states(select(Message), ("triage", "received"))
    size = session.scalar(base.with_only_columns(func.count()).select_from(Message))

    def pages(base_size: int | None) -> list[tuple[int, list[int], dict[str, list[str]]]]:
        return _sized_pages(session, base, words, cap, base_size, (0, 3))

    assert pages(size) == pages(None)


@pytest.mark.parametrize("words", ["the", "th", "re", "zzzq"])
@pytest.mark.parametrize("states", [("triage", "review"), ("escalated",)])
@pytest.mark.parametrize("few", [64, 0])  # few senders' messages: looked up; else kept
def test_a_sender_in_a_queue_counted_and_ranked_at_once_is_counted_then_ranked(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    words: str,
    states: tuple[str, ...],
    few: int,
) -> None:
    """SQLite counts a sender's matches in a queue and ranks the page in one statement
    (web/search.py _among_counted_and_ranked): the same counts and pages, in the same
    order, as counting them first and then ranking them, past the cap and a page past
    the last included."""
    import web.search
    from web.queue_order import of_states

    monkeypatch.setattr(web.search, "FEW_SENDERS", few)
    monkeypatch.setattr(web.search, "KEPT_SHARE", 1.0)  # (a small mailbox: kept, not scanned)
    base = of_states(select(Message), states)
    domains = [a.split("@")[-1] for a in session.scalars(base.with_only_columns(Message.from_addr))]
    search = f"from:{max(set(domains), key=domains.count)} {words}"  # the queue's most usual
    monkeypatch.setattr(web.search, "AT_ONCE_BELOW", 1e9)  # (the path taken whatever the guess)

    def pages() -> list[tuple[int, list[int]]]:
        return [
            (found.total, found.ids)
            for offset in (0, 3, 500)
            for cap in (2, 1000)
            for found in [
                search_page(
                    session,
                    base,
                    search,
                    order=QUEUE_ORDER,
                    limit=3,
                    offset=offset,
                    cap=cap,
                    base_size=len(domains),  # the queue's size, as the queue page gives it
                )
            ]
        ]

    at_once_counted = web.search._among_counted_and_ranked
    answered: list[Any] = []
    monkeypatch.setattr(
        web.search,
        "_among_counted_and_ranked",
        lambda *args: answered.append(at_once_counted(*args)) or answered[-1],
    )
    at_once = pages()
    assert (at_once[0][0] == 0) == (words == "zzzq"), at_once
    sqlite = session.connection().dialect.name == "sqlite"
    assert any(a is not None for a in answered) == sqlite  # (SQLite: that path was taken)
    monkeypatch.setattr(web.search, "_among_counted_and_ranked", lambda *args: None)
    assert at_once == pages()


def _spied(monkeypatch: pytest.MonkeyPatch, name: str) -> list[bool]:
    """web.search's `name` (a yes-or-no check) patched to record each answer it gives."""
    import web.search

    answers: list[bool] = []
    real = getattr(web.search, name)

    def spied(*args: Any) -> bool:
        answers.append(real(*args))
        return answers[-1]

    monkeypatch.setattr(web.search, name, spied)
    return answers


def _queue_pages(session: Session, base: Any, words: str) -> list[tuple[int, list[int]]]:
    """The total and page of ids of the search, for caps under, at and over its matches
    and for a first and a later page."""
    return [
        (found.total, found.ids)
        for cap in (1, 2, 3, 5, 1000)
        for offset in (0, 4)
        for found in [
            search_page(session, base, words, order=QUEUE_ORDER, limit=4, offset=offset, cap=cap)
        ]
    ]


@pytest.mark.parametrize("words", ["the", "re", "invoice", "pay", "label:billing the"])
@pytest.mark.parametrize("states", [("escalated", "review"), ("review",), ("triage", "review")])
@pytest.mark.parametrize("margin", [0.5, 3.0])  # a slice often too short; one often enough
def test_a_count_proven_on_the_newest_matches_is_the_count_of_them_all(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    words: str,
    states: tuple[str, ...],
    margin: float,
) -> None:
    """SQLite counts a queue's matches past the cap on the newest ids first
    (web/search.py _newest_reach_cap): the same counts and pages as counting them all,
    whether the newest reach the cap or not."""
    import web.search
    from web.queue_order import of_states

    base = of_states(select(Message), states)
    monkeypatch.setattr(web.search, "SURELY_OVER_CAP", 10**9)  # never estimated: counted
    monkeypatch.setattr(web.search, "_subjects_reach_cap", lambda *a: False)  # (below)
    monkeypatch.setattr(web.search, "NEWEST_AT_MOST", 10.0)  # always tried first
    monkeypatch.setattr(web.search, "NEWEST_MARGIN", margin)
    proven = _spied(monkeypatch, "_newest_reach_cap")
    tried = _queue_pages(session, base, words)
    monkeypatch.setattr(web.search, "_newest_reach_cap", lambda *a: False)
    assert tried == _queue_pages(session, base, words)
    if session.connection().dialect.name == "sqlite" and words == "the" and margin > 1:
        assert True in proven  # the newest reached the cap at least once


@pytest.mark.parametrize(
    "words",
    ["mediaton", "zqxv", "zqxv invoice", "invoice zqxv", '"the zqxv"', "the", "invoic", "re"],
)
def test_a_word_no_stem_begins_finds_what_asking_the_messages_finds(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    """PostgreSQL tells a word that begins no known stem finds nothing from search_words
    (web/search_prefixes.py finds_nothing), not from the messages: the same pages and
    counts, typos corrected the same, as asking the messages."""
    import web.search

    def pages() -> list[tuple[int, list[int], dict[str, list[str]]]]:
        return [
            (found.total, found.ids, found.corrected)
            for cap in (3, 1000)
            for found in [
                search_page(
                    session, select(Message), words, order=QUEUE_ORDER, limit=5, offset=0, cap=cap
                )
            ]
        ]

    told = _spied(monkeypatch, "finds_nothing")
    shortcut = pages()
    session.info.clear()
    monkeypatch.setattr(web.search, "finds_nothing", lambda *a: False)
    assert shortcut == pages()
    if session.connection().dialect.name == "postgresql" and "zqxv" in words:
        assert True in told


@pytest.mark.parametrize("words", ["the", "re", "invoice", "pay", "label:billing the", "zqxv"])
@pytest.mark.parametrize(
    "states", [("escalated", "review"), ("triage", "review"), ("escalated", "review", "ignored")]
)
def test_subject_matches_kept_once_for_a_queues_states_give_the_walked_page(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str, states: tuple[str, ...]
) -> None:
    """SQLite keeps a search's subject matches once for all of a queue's states
    (web/search.py _subject_page), where each state's walk made a set of them: the same
    pages, in the same order, as each state's own set."""
    import web.search
    from web.queue_order import of_states

    base = of_states(select(Message), states)

    def pages() -> list[tuple[int, list[int]]]:
        return [
            (found.total, found.ids)
            for cap in (2, 3, 1000)
            for offset in (0, 4)
            for found in [
                search_page(
                    session, base, words, order=QUEUE_ORDER, limit=4, offset=offset, cap=cap
                )
            ]
        ]

    monkeypatch.setattr(web.search, "DENSE_SUBJECTS", 0.0)  # every word's subjects read at once
    monkeypatch.setattr(web.search, "COMMON_SHARE", 2.0)  # no first messages checked
    calls: list[str] = []
    real = web.search._keep_subject_matches

    def spied(session: Session, expression: str) -> Any:
        calls.append(expression)
        return real(session, expression)

    monkeypatch.setattr(web.search, "_keep_subject_matches", spied)
    kept = pages()
    monkeypatch.setattr(web.search, "states_of", lambda query: ())
    assert kept == pages()
    if session.connection().dialect.name == "sqlite" and words == "the":
        assert calls  # the kept subject matches were the ones used


@pytest.mark.parametrize("words", ["the", "re", "invoice", "pay", "label:billing the"])
@pytest.mark.parametrize(
    "states", [("escalated", "review"), ("triage", "review"), ("escalated", "review", "ignored")]
)
def test_a_count_proven_on_the_subject_matches_is_the_count_of_them_all(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str, states: tuple[str, ...]
) -> None:
    """SQLite counts a queue of several states past the cap on its subject matches
    first, kept for its page (web/search.py _subjects_reach_cap): the same counts and
    pages as counting every match, whether they reach the cap or not."""
    import web.search
    from web.queue_order import of_states

    base = of_states(select(Message), states)
    monkeypatch.setattr(web.search, "SURELY_OVER_CAP", 10**9)  # never estimated: counted
    monkeypatch.setattr(web.search, "DENSE_SUBJECTS", 0.0)  # every word's subjects dense
    proven = _spied(monkeypatch, "_subjects_reach_cap")
    tried = _queue_pages(session, base, words)
    monkeypatch.setattr(web.search, "_subjects_reach_cap", lambda *a: False)
    assert tried == _queue_pages(session, base, words)
    if session.connection().dialect.name == "sqlite" and words == "the":
        assert True in proven and False in proven  # reached the cap, and not


def test_subject_matches_kept_for_one_search_follow_a_change_before_the_next(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The subject matches kept for a search (SQLite, a queue of several states) serve
    that search alone: a subject changed in the same transaction is found by the next."""
    import web.search
    from web.queue_order import of_states

    monkeypatch.setattr(web.search, "SURELY_OVER_CAP", 10**9)
    monkeypatch.setattr(web.search, "DENSE_SUBJECTS", 0.0)
    base = of_states(select(Message), ("escalated", "review"))

    def first_page() -> list[int]:
        return search_page(session, base, "the", order=QUEUE_ORDER, limit=3, offset=0, cap=2).ids

    before = first_page()
    first = session.get(Message, before[0])
    assert first is not None
    first.subject = "Zqxv"  # no longer a subject match
    session.flush()
    after = first_page()
    monkeypatch.setattr(web.search, "states_of", lambda query: ())  # each state's own set
    assert after == first_page() and after != before


def _estimate_compiled_anew(session: Session, query: Any) -> float:
    """The planner's estimate as the code before web.search._Plan asked it."""
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params)
    return float(plan.scalar_one()[0]["Plan"]["Plan Rows"])


def test_the_planners_estimate_compiled_once_a_shape_is_the_estimate_compiled_anew(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the estimate's EXPLAIN is compiled once a shape (web.search._Plan);
    each search asks what the statement compiled for it alone would have."""
    import web.search
    from web.queue_order import of_states

    if session.connection().dialect.name != "postgresql":
        pytest.skip("the planner's estimate is PostgreSQL's")
    asked: list[tuple[float, float]] = []
    expected_rows = web.search._expected_rows

    def compared(session: Session, query: Any) -> float:
        asked.append((expected_rows(session, query), _estimate_compiled_anew(session, query)))
        return asked[-1][0]

    monkeypatch.setattr(web.search, "_expected_rows", compared)
    # Each shape more than once, with other values (IN lists of other lengths): all but
    # the first of a shape are the engine's cached compile.
    for states in [("triage",), ("triage", "review"), ("review", "answered", "done"), ("done",)]:
        base = of_states(select(Message), states)
        for words in ["the", "invoice", "lease payment", "label:billing the", "from:a th"]:
            search_page(session, base, words, order=QUEUE_ORDER, limit=5, offset=0, cap=1000)
    assert len(asked) > 20
    assert all(cached == anew for cached, anew in asked)


@pytest.mark.parametrize("words", ["the", "invoice", "lease payment", "zzzq", "HV-2026-0007"])
@pytest.mark.parametrize("cap", [2, 1000])
def test_a_queue_known_smaller_than_twice_the_cap_finds_what_the_estimate_finds(
    session: Session, monkeypatch: pytest.MonkeyPatch, words: str, cap: int
) -> None:
    """PostgreSQL: with the queue's size given and under AT_ONCE_EXPECTED_BELOW times
    the cap, no estimate is asked (the matches counted and ranked at once); the same
    counts and pages, in the same order, as when the planner's estimate chose the way."""
    from sqlalchemy import func

    import web.search
    from web.queue_order import of_states

    if session.connection().dialect.name != "postgresql":
        pytest.skip("the planner's estimate is PostgreSQL's")
    base = of_states(select(Message), ("triage", "received", "review"))
    size = session.scalar(base.with_only_columns(func.count()).select_from(Message))
    assert size is not None and size < web.search.AT_ONCE_EXPECTED_BELOW * 1000
    estimated: list[float] = []
    expected_rows = web.search._expected_rows
    monkeypatch.setattr(
        web.search,
        "_expected_rows",
        lambda *args: estimated.append(expected_rows(*args)) or estimated[-1],
    )

    def pages(base_size: int | None) -> list[tuple[int, list[int], dict[str, list[str]]]]:
        return _sized_pages(session, base, words, cap, base_size, (0, 3, 500))

    known = pages(size)
    asked_with_size = len(estimated)
    assert known == pages(None)
    assert len(estimated) > asked_with_size or words == "zzzq"  # (the old way asked it)
    if cap == 1000:
        assert asked_with_size == 0


def test_a_pages_rows_read_through_the_connection_are_the_rows_the_session_read(
    session: Session,
) -> None:
    """rows_by_id reads a search page's rows through the session's connection: the same
    values, of the same types, as the ORM's execution of the same statement read."""
    from web.queries import _ROWS_BY_ID, QueueRow, rows_by_id

    compared = 0
    for words in ("invoice", "the", "re", "from:delgado", "label:legal", "mediaton"):
        for states in ((), ("triage", "received"), ("answered", "sending"), ("escalated",)):
            base = select(Message)
            if states:
                base = base.where(Message.state.in_(states))
            found = search_page(
                session, base, words, order=QUEUE_ORDER, limit=50, offset=0, cap=1001
            )
            rows = rows_by_id(session, found.ids)
            statement = _ROWS_BY_ID[session.connection().dialect.name]
            read = [QueueRow(*row) for row in session.execute(statement, {"page_ids": found.ids})]
            assert rows == read
            assert [[type(v) for v in row] for row in rows] == [
                [type(v) for v in row] for row in read
            ]
            compared += len(rows)
    assert compared > 100
