"""The queue search: words as people expect them, ranked, forgiving a typo.

`web/search_query.py` reads the box; this module asks the database (migration 0013):
SQLite's FTS5 index `messages_words` (porter stemmer over unicode61), PostgreSQL's
`search_vector` (tsvector, GIN index). Up to the count's cap, matches are ranked by
relevance (bm25 / ts_rank, the subject weighing most), the queue's order breaking
ties; past it, by where the words are (subject first), then the queue's order. When
the words find nothing, a word that is in no message is swapped for the known words
most like it (web/search_words.py) and the search runs once more, saying so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    TableClause,
    any_,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import InternalTraversal

from inbox.models import Client, Matter, Message
from web.queue_order import in_order, states_of, states_test
from web.search_prefixes import finds_nothing, matching_query
from web.search_query import (
    Alternative,
    SearchQuery,
    alternatives,
    parse,
    tsquery,
)
from web.search_senders import (
    QUEUE_KEPT,
    SUBJECTS_KEPT,
    TRIGRAM,
    empty_id_table,
    held,
    keep_sender_messages,
    like_pattern,
    make_id_tables,
)
from web.search_stems import matching_expression, ranking_expression
from web.search_words import similar_words

T = TypeVar("T")
WORDS_TABLE = "messages_words"
SUBJECT_TABLE = "messages_subject_words"  # the subjects' words alone (migration 0019)
_WORDS = table(WORDS_TABLE, column("rowid"))
# bm25 weights in the index's column order: subject, from_name, from_addr, text_body.
_BM25 = func.bm25(literal_column(WORDS_TABLE), 10.0, 3.0, 3.0, 1.0)
_VECTOR = column("search_vector", TSVECTOR)
# The subject's words, stored (migration 0022) and indexed (ix_messages_subject_words):
# a walk reads them with the row instead of computing them for each (~20-35 us).
SUBJECT_VECTOR = literal_column("messages.subject_vector", TSVECTOR)


@dataclass
class Found:
    """One page of a search: the ids in rank order and what the search did."""

    total: int
    ids: list[int]
    corrected: dict[str, list[str]] = field(default_factory=dict)  # typo -> stems tried
    problems: tuple[str, ...] = ()


def _contains(column: Any, pattern: str, dialect: str) -> ColumnElement[bool]:
    """Case-insensitive LIKE. SQLite's LIKE ignores case already (as its lower() does,
    ASCII only), and lower() on both sides cost a function call per message scanned."""
    if dialect == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _ids_matching(id_column: Any, columns: tuple[Any, ...], text: str) -> Select[Any]:
    """The ids of the rows (clients, matters) where any of `columns` holds `text`."""
    pattern = like_pattern(text)
    return select(id_column).where(or_(*(c.ilike(pattern, escape="\\") for c in columns)))


FEW_SENDERS = 64  # a sender's messages each looked up by id (in the word index too)
# ...when ranked, at most this many: each looked up has bm25 count the words' matches
# in the whole index again (~2.4 ms for "the" at 100,000 messages), where the matches
# read once and tested against the ids take ~12-19 ms for all. In a queue, a sender's
# messages in its states are few up to this many (else kept, and tested on each match).
FEW_RANKED = 4
# SQLite: a sender's messages kept for a search (web/search_senders.py) when they are at
# most this share of the mailbox (~0.4 us each to find and keep); more are tested on
# each entry of ix_messages_sender and each row a walk meets, which stops as soon as
# it has what it needs.
KEPT_SHARE = 0.1
# In a queue (a state, a filter, a wall), more: testing each message the queue holds
# reads its row (~3 us; "from:keller th" in triage at 100,000 messages, a sender of
# 11,000: 35 ms to count, 50 to rank), where keeping them costs ~0.4 us each.
KEPT_SHARE_IN_QUEUE = 0.2


def _ids(ids: Select[Any], session: Session | None, dialect: str) -> Any:
    """PostgreSQL: the ids, found first; SQLite: the query finding them."""
    if session is not None and dialect == "postgresql":
        return list(session.scalars(ids))
    return ids


class Among(NamedTuple):
    """SQLite: a search's messages found from indexes (its senders', its clients'), so
    the words' matches are tested against them: the few senders' messages (each looked
    up by id), the many senders' (kept: tested on each match), whether a queue, a
    label or a client narrows them too, and whether clients alone do."""

    few: tuple[Select[Any], ...]
    many: tuple[TableClause, ...]
    narrowed: bool
    clients_alone: tuple[Select[Any], ...] = ()  # each client: operator's ids, if alone
    # Many senders' messages in a queue: the queue's among them, kept once for the search
    # (_keep_queue), and how many.
    queue: TableClause | None = None
    queue_size: int | None = None
    fewest: int | None = None  # the messages of the few senders' smallest, as kept


class _Kept(NamedTuple):
    """`_from_senders`' answer: the query narrowed, the few and many senders' kept ids,
    and how many each holds (counted as they were kept)."""

    query: Select[Any]
    few: list[Select[Any]]
    many: list[TableClause]
    few_sizes: list[int]
    many_sizes: list[int]


def with_operators(
    query: Select[Any], search: SearchQuery, session: Session | None = None
) -> Select[Any]:
    """`query` narrowed by from:, client:, matter: and label: (each given twice: both).
    With a `session`, what can be is asked first. PostgreSQL: the clients' and matters'
    ids, given to the query (as a subquery, IN was a join the planner put after the
    costly tests, e.g. the subject's words computed for ~1,700 messages of other clients
    walked for "client:northwind invoice": 17-32 ms instead of 5; as = ANY of an array
    it could not tell how many messages match). SQLite: each sender's messages, kept
    for the search (web/search_senders.py), when not too many."""
    dialect = session.connection().dialect.name if session is not None else ""
    queue = query.whereclause is not None  # a queue, a filter, a wall
    narrowed = queue or bool(search.clients or search.matters)
    # The whole mailbox of a sender, no words: its first page and count are found by
    # the first entries of ix_messages_sender and rows met (~3 ms at 100,000 messages),
    # sooner than a sender's many messages are kept.
    listing = not (narrowed or search.has_words or search.labels)
    share = KEPT_SHARE_IN_QUEUE if queue else KEPT_SHARE
    states, states_alone = _queue_states(query)
    kept = _from_senders(query, search.senders, session, dialect, listing, share, states)
    query, few, many = kept.query, kept.few, kept.many
    named: list[Select[Any]] = []
    for name in search.clients:
        clients = _ids_matching(Client.id, (Client.name, Client.client_code), name)
        named.append(clients)
        query = query.where(Message.client_id.in_(_ids(clients, session, dialect)))
    for matter in search.matters:
        matters = _ids_matching(Matter.id, (Matter.matter_number, Matter.title), matter)
        query = query.where(Message.matter_id.in_(_ids(matters, session, dialect)))
    # A matter is tested on the message row; a sender (SQLite) in the kept ids or the
    # covering index ix_messages_sender (0016), so a walk reads no message rows.
    if search.matters or (search.senders and dialect != "sqlite"):
        query = query.execution_options(search_reads_rows=True)
    indexed = (few or many or search.clients) and len(few) + len(many) == len(search.senders)
    if dialect == "sqlite" and indexed and not search.matters:  # the words among them
        alone = tuple(named) if not (queue or search.senders or search.labels) else ()
        among = Among(
            tuple(few),
            tuple(many),
            narrowed or bool(search.labels),
            alone,
            fewest=min(kept.few_sizes, default=None),
        )
        if states_alone and len(many) == 1 and not (few or search.clients or search.labels):
            # A queue of states alone: its messages among the sender's are those kept.
            among = among._replace(queue=many[0], queue_size=kept.many_sizes[0])
        query = query.execution_options(search_among_few=among)
    elif search.senders:  # no index finds a part of a name: counting them reads them all
        query = query.execution_options(search_scans=True)
    if search.labels:
        for label in set(search.labels):
            query = query.where(Message.label == label)
    return query


def _from_senders(
    query: Select[Any],
    senders: Sequence[str],
    session: Session | None,
    dialect: str,
    listing: bool = False,
    share: float = KEPT_SHARE,
    states: Sequence[str] = (),
) -> _Kept:
    """`query` narrowed to the messages of each sender, and (SQLite) the senders whose
    messages are few (their ids, each looked up) and many (kept, tested on each row;
    not when `listing` the whole mailbox of a sender; at most `share` of the mailbox);
    the others, a part of a name or address tested on each message. `states`: the
    queue's (_queue_states), the only ones of a sender's messages kept."""
    kept = _Kept(query, [], [], [], [])
    most = 0
    at_most_few = FEW_RANKED if states else FEW_SENDERS
    for slot, sender in enumerate(senders):
        if session is not None and dialect == "sqlite" and len(sender) >= TRIGRAM:
            most = most or (FEW_SENDERS if listing else _kept_at_most(session, share))
            ids, count = keep_sender_messages(session, sender, slot, most, states)
            if count <= at_most_few:
                kept.few.append(select(ids.c.id))
                kept.few_sizes.append(count)
                query = query.where(Message.id.in_(select(ids.c.id)))
                continue
            if count <= most:
                kept.many.append(ids)
                kept.many_sizes.append(count)
                query = query.where(held(ids, Message.id))
                continue
        pattern = like_pattern(sender)
        query = query.where(
            or_(
                _contains(Message.from_addr, pattern, dialect),
                _contains(Message.from_name, pattern, dialect),
            )
        )
    return kept._replace(query=query)


def _queue_states(query: Select[Any]) -> tuple[tuple[str, ...], bool]:
    """The states `query` is narrowed to (a queue's: of_states), if it is, and whether
    it tests nothing else."""
    several, among = states_of(query), states_test(query)
    found: tuple[str, ...] = ()
    alone = query.whereclause is not None
    for criterion in query._where_criteria:
        if several and criterion is among:
            found = several
        elif (state := _state_is(criterion)) is not None and not found:
            found = (state,)
        else:
            alone = False
    return found, alone and bool(found)


def _state_is(criterion: Any) -> str | None:
    """The state `criterion` tests a message for (Message.state == a state), if it does."""
    if not isinstance(criterion, BinaryExpression) or criterion.operator is not operators.eq:
        return None
    left, right = criterion.left, criterion.right
    if getattr(left, "table", None) is not Message.__table__ or left.key != "state":
        return None
    return right.value if isinstance(right, BindParameter) else None


def _kept_at_most(session: Session, share: float) -> int:
    """SQLite: how many of a sender's messages are kept for a search (`share`)."""
    first, last = session.execute(_ID_RANGE).one()
    return max(FEW_SENDERS, math.ceil(share * ((last or 0) - (first or 1) + 1)))


def _within(session: Session, query: Select[Any], terms: list[list[Alternative]]) -> Select[Any]:
    """The ids of `query`'s messages that hold the words. SQLite: a queue (a state,
    a label...) is walked in a covering index testing each id against the matches;
    the whole mailbox is looked up by the matches' ids instead (at 100,000 messages,
    a common word in triage: 5 ms instead of 18; a rare one in all: 2 instead of 12)."""
    walk = query.whereclause is not None and not _reads_rows(query)
    return query.with_only_columns(Message.id).where(_holds(session, terms, walk=walk))


def _reads_rows(query: Select[Any]) -> bool:
    """Whether `query` tests what the queue-order index does not hold (a sender, a
    matter): walking it would read every message row, so the matches are looked up."""
    return bool(query.get_execution_options().get("search_reads_rows"))


def _ranked_among(
    session: Session, query: Select[Any], terms: list[list[Alternative]]
) -> Select[Any]:
    """The ids of `query`'s messages that hold the words, to be sorted by relevance.
    SQLite: the index's matches, each kept if among the queue's (an id set made once),
    not each match's message read to test its state or sender."""
    if session.connection().dialect.name != "sqlite":
        return query.with_only_columns(Message.id).where(_holds(session, terms))
    ranked = (
        select(Message.id)
        .join(_WORDS, _WORDS.c.rowid == Message.id)
        .where(
            text(f"{WORDS_TABLE} MATCH :words").bindparams(
                words=ranking_expression(session, terms)  # (bm25: the phrases as typed)
            )
        )
    )
    if among := _among(query):
        # A sender's or a client's messages: the matches among them, the words tested
        # once (with the words again, every match of a common one was put in a set:
        # "from:ana.brooks19 the": 50 ms, 98,000 of them, for one message).
        # The few senders' messages each looked up; ranked, only when very few (FEW_RANKED:
        # "from:ana.brooks1 the", 55 of them, 41 ranked: ~108 ms, read from the matches ~15).
        looked_up = among.fewest is None or among.fewest <= FEW_RANKED
        rowid = _WORDS.c.rowid if looked_up else _WORDS.c.rowid + 0
        ranked = ranked.where(*(rowid.in_(ids) for ids in among.few))
        if not (among.few or among.narrowed):  # the kept ids are all it holds
            return ranked.where(*(held(ids, _WORDS.c.rowid) for ids in among.many))
        # Each match tested against the query's ids (a set made once, the kept ids among
        # its tests) before its message row is read: tested on that row, each match of
        # the many senders' was read first ("from:ana the" in triage, 6,500: 54 ms -> 25).
        return ranked.where((_WORDS.c.rowid + 0).in_(_among_ids(query)))
    if query.whereclause is not None:
        ranked = ranked.where(Message.id.in_(_within(session, query, terms)))
    return ranked


def _ts(terms: list[list[Alternative]], weights: str = "") -> ColumnElement[Any]:
    return func.to_tsquery(
        literal_column("'inbox_search'::regconfig"),
        bindparam("words", tsquery(terms, weights), unique=True),
    )


def _holds(
    session: Session,
    terms: list[list[Alternative]],
    *,
    subject: bool = False,
    walk: bool = True,
    kept: Sequence[TableClause] = (),
) -> Any:
    """A test of each message: does it hold the words (in its subject, if asked)?
    SQLite, `walk`: "+ 0" keeps it a test of each row of a walk in the queue's order,
    not a lookup by id of every match (which a count wants); `kept`: only the matches
    among these kept ids (web/search_senders.py), each looked up."""
    if session.connection().dialect.name != "sqlite":
        # The subject's words have a column and an index of their own (migration 0022;
        # SQLite's 0019): the "A" weight of search_vector would be checked message by
        # message, reading each one's whole vector (~13 us each).
        vector = SUBJECT_VECTOR if subject else _VECTOR
        named = matching_query(session, terms)  # prefixes as the stems they begin
        if named is None:
            return vector.bool_op("@@")(_ts(terms))
        return vector.bool_op("@@")(cast(bindparam("named", named, unique=True), TSQUERY))
    index = SUBJECT_TABLE if subject else WORDS_TABLE
    matches = table(index, column("rowid"))
    found = select(matches.c.rowid).where(
        text(f"{index} MATCH :m").bindparams(
            bindparam("m", matching_expression(session, terms), unique=True)
        )
    )
    if kept:
        found = found.where(*(held(ids, matches.c.rowid) for ids in kept))
        return Message.id.in_(found)
    return ((Message.id + 0) if walk else Message.id).in_(found)


def _relevance(session: Session, terms: list[list[Alternative]]) -> ColumnElement[Any]:
    """An expression to sort by, best first."""
    if session.connection().dialect.name == "sqlite":
        return _BM25  # lower is better
    return func.ts_rank(_VECTOR, _ts(terms)).desc()


def _whole_mailbox(session: Session, query: Select[Any]) -> bool:
    """SQLite, no queue, filter or wall: every message is in the FTS index once, so the
    index alone answers a count or finds the subject matches."""
    return query.whereclause is None and session.connection().dialect.name == "sqlite"


def _count_words(session: Session, expression: str, cap: int, index: str = WORDS_TABLE) -> int:
    counted = text(
        f"SELECT count(*) FROM (SELECT rowid FROM {index} WHERE {index} MATCH :m LIMIT :cap)"
    ).bindparams(m=expression, cap=cap)
    return session.scalar(counted) or 0


# PostgreSQL: when the planner expects this many times the cap, the count is not run.
SURELY_OVER_CAP = 5
# PostgreSQL: when it expects fewer than this many times the cap, the matches are
# counted and their page ranked in one statement (_counted_and_ranked). Its estimate
# of a sender's text (pg_trgm) runs high: at 100,000 messages "from:keller th" in
# Triage 1,577 expected, 994 found. Under the cap, at once saves reading every match
# again to rank it (~3-7 ms there); over it, ranking the cap's rows is lost (~1-2 ms).
AT_ONCE_EXPECTED_BELOW = 2


class Counted(NamedTuple):
    """What counting the matches told: how many (no further than the cap); PostgreSQL,
    when it counted, their ids, or the page of them ranked (when asked and counted with
    it); SQLite, whether the words are common (COMMON_SHARE)."""

    total: int
    found: list[int] | None = None
    common: bool = False
    page: list[int] | None = None
    estimated: bool = False  # over the cap as estimated, not counted


class PageAsked(NamedTuple):
    """The page a search shows: the queue's order (after relevance), how many, from where."""

    order: Sequence[Any]
    limit: int
    offset: int


def _count_matches(
    session: Session,
    query: Select[Any],
    terms: list[list[Alternative]],
    cap: int,
    *,
    judged: bool = True,
    page: PageAsked | None = None,
    estimate: bool = True,
    size: int | None = None,
    queue_size: int | None = None,
) -> Counted:
    """How many of `query`'s messages hold the words, counting no further than `cap`;
    PostgreSQL, when it counted: their ids too, for ranking them alone, or, with `page`
    when the planner expects fewer than `cap`, that page of them ranked; SQLite, if
    `judged`, whether the words are common. `estimate`: whether "more than the cap"
    may be told from an estimate (Counted.estimated), not counted. `size`: how many
    messages `query` holds, if known; `queue_size`: its queue's, before the operators.

    PostgreSQL: a count first collects every match from the GIN index (36,000 for
    "lease" at 100,000 messages: 20-50 ms) and reads up to `cap` rows. Its statistics
    on the words are close (36,423 expected there), so when it expects far more than
    the cap, "more than the cap" is said without counting."""
    if session.connection().dialect.name == "postgresql" and finds_nothing(session, terms):
        return Counted(0)  # a word no message holds (a typo): no statement asked
    within = _within(session, query, terms)
    if session.connection().dialect.name != "postgresql":
        among = _among(query)
        if among is not None and among.queue_size == 0:
            return Counted(0)  # none of the senders' messages is in the queue
        if page is not None and among and _likely_under_cap(session, among, terms, cap, queue_size):
            counted = _among_counted_and_ranked(session, query, terms, cap, judged, page)
            if counted is not None:
                return counted
        return _count_sqlite(
            session,
            query,
            within,
            matching_expression(session, terms),
            cap,
            judged,
            estimate,
            size,
        )
    if not estimate and page is None:  # counted whatever the planner expects
        found = _first_ids(session, within, cap)
        return Counted(len(found), found)
    if size is not None and size < AT_ONCE_EXPECTED_BELOW * cap:
        # A queue of fewer messages holds fewer matches than that, whatever the planner
        # would say: its estimate is not asked (a round trip, ~0.3-0.5 ms of the
        # server's planning). The estimate only chooses the way; the answer is the same.
        expected = float(size)
    else:
        expected = _expected_rows(session, within)
    if estimate and expected > SURELY_OVER_CAP * cap:
        return Counted(cap, estimated=True)
    if page is not None and expected < AT_ONCE_EXPECTED_BELOW * cap:
        counted = _counted_and_ranked(session, within, terms, cap, page)
        if counted is not None:
            return counted
    found = _first_ids(session, within, cap)
    return Counted(len(found), found)


def _counted_and_ranked(
    session: Session, within: Select[Any], terms: list[list[Alternative]], cap: int, page: PageAsked
) -> Counted | None:
    """The matches (up to `cap`) counted and the page of them ranked in one statement,
    each read once. PostgreSQL: counting them, then ranking them by id, read each twice
    (the rows and their tsvector: "HV-2026-0007" at 100,000 messages, 763 matches, 4 + 4
    ms; at once, 5). SQLite: `within` is the ranked matches' statement (_ranked_among),
    each match of the words read once where a count and a ranking read each twice.
    None when the page is past the last (nothing tells the count)."""
    sqlite = session.connection().dialect.name == "sqlite"
    score = _BM25 if sqlite else func.ts_rank(_VECTOR, _ts(terms))
    kept = (Message.id, Message.sla_due_at, Message.priority, Message.received_at)
    matches = within.with_only_columns(*kept, score.label("relevance")).limit(cap).subquery()
    adapt = ClauseAdapter(matches).traverse  # the order's columns, as the subquery's
    best = matches.c.relevance if sqlite else matches.c.relevance.desc()  # (as _relevance)
    ranked = (
        select(matches.c.id, func.count().over())
        # (self_group: an ORM attribute as the column expression it stands for)
        .order_by(best, *(adapt(key.self_group()) for key in page.order))
        .limit(page.limit)
        .offset(page.offset)
    )
    if sqlite:
        rows = session.execute(ranked).all()
    else:
        rows = _without_scan(session, lambda: session.execute(ranked).all())
    if not rows:
        return Counted(0) if page.offset == 0 else None
    total = rows[0][1]
    return Counted(total, page=[row[0] for row in rows]) if total < cap else Counted(cap)


# SQLite: a sender's matches in a queue are counted and ranked at once when expected
# below this share of the cap (past the cap, ranking them was work lost: ~15 us each).
AT_ONCE_BELOW = 0.8


def _likely_under_cap(
    session: Session,
    among: Among,
    terms: list[list[Alternative]],
    cap: int,
    queue_size: int | None,
) -> bool:
    """SQLite, senders' messages in a queue: whether their matches are likely fewer than
    the cap. A few senders' are (FEW_SENDERS); of many kept, the fewest kept times the
    queue's share of the mailbox and the words' share (of their oldest matches), as if
    sender, queue and words were independent ("from:ana the" in triage: 6,548 kept x
    0.10 x 0.99 = 655 expected, 680 found). The queue's messages among them, when kept
    (_keep_queue), are counted: fewer than the cap surely have fewer matches, and more
    times the words' share is the guess. A wrong guess costs time, not results."""
    if not among.narrowed or not (among.few or among.many):
        return False
    if among.few:
        return True
    if among.queue_size is not None and among.queue_size < cap:
        return True
    if among.queue_size is None and queue_size is None:
        return False
    first, last = session.execute(_ID_RANGE).one()
    _, share = _oldest_share(session, matching_expression(session, terms), cap, (first, last))
    if among.queue_size is not None:
        return among.queue_size * share < AT_ONCE_BELOW * cap
    mailbox = max((last or 0) - (first or 1) + 1, 1)
    kept = min(session.scalar(select(func.count()).select_from(ids)) or 0 for ids in among.many)
    return kept * min((queue_size or 0) / mailbox, 1.0) * share < AT_ONCE_BELOW * cap


def _among_counted_and_ranked(
    session: Session,
    query: Select[Any],
    terms: list[list[Alternative]],
    cap: int,
    judged: bool,
    page: PageAsked,
) -> Counted | None:
    """SQLite, a sender's messages in a queue (Among, narrowed): the matches counted and
    the page ranked at once, as PostgreSQL does. Every match of a common word is read to
    find the few in the queue ("from:ana the" in triage: 98,000 read, 680 kept), once by
    the count and again by the ranking; at once, once. Past the cap, the count as it is
    (and whether the words are common, which the page past the cap needs)."""
    counted = _counted_and_ranked(session, _ranked_among(session, query, terms), terms, cap, page)
    if counted is None or counted.total < cap:
        return counted
    expression = matching_expression(session, terms)
    first, last = session.execute(_ID_RANGE).one()
    return Counted(cap, common=judged and _common(session, expression, cap, (first, last)))


# SQLite: words that this share of the mailbox holds are common: a page of them is
# among the queue's first messages (_first_checked).
COMMON_SHARE = 0.5
# The lowest and highest id, each from an end of the table (asked together, in one
# aggregate, SQLite read every row).
_ID_RANGE = select(
    select(func.min(Message.id)).scalar_subquery(), select(func.max(Message.id)).scalar_subquery()
)
_HOLDING = text(
    f"SELECT count(*), max(rowid) FROM (SELECT rowid FROM {WORDS_TABLE} "
    f"WHERE {WORDS_TABLE} MATCH :m LIMIT :n)"
)
# The same from an id on (FTS5 seeks to it), and the newest matches (read backwards).
_HOLDING_FROM = text(
    f"SELECT count(*), max(rowid) FROM (SELECT rowid FROM {WORDS_TABLE} "
    f"WHERE {WORDS_TABLE} MATCH :m AND rowid >= :start LIMIT :n)"
)
_HOLDING_NEWEST = text(
    f"SELECT count(*), min(rowid) FROM (SELECT rowid FROM {WORDS_TABLE} "
    f"WHERE {WORDS_TABLE} MATCH :m ORDER BY rowid DESC LIMIT :n)"
)


def _count_sqlite(
    session: Session,
    query: Select[Any],
    within: Select[Any],
    expression: str,
    cap: int,
    judged: bool,
    estimate: bool = True,
    size: int | None = None,
) -> Counted:
    """SQLite: the count, from the word index alone when it can tell, and whether the
    words are common: judged from the ids the index count read (the oldest messages
    holding them, in id order: the share of those ids that hold them).

    The whole mailbox is counted from the index (stopping as it reads: ~1 ms where
    reading every match into a set to test the messages against cost 7-30 ms).
    A queue surely holds more than the cap, as PostgreSQL's planner is asked, when the
    messages likely holding the words (sampled at three places of the index,
    _likely_holding: ~0.4 ms) times the queue's share of the mailbox is far over it,
    where a count walks the queue
    testing each message against every match, put in a set first (98,000 for "the" at
    100,000 messages: ~10 ms). A queue narrowed by a sender (no index finds part of a
    name) or a matter (read from each row) would be read whole to be counted: not so."""
    first, last = session.execute(_ID_RANGE).one()
    mailbox = (last or 0) - (first or 1) + 1
    found, share = _oldest_share(session, expression, cap, (first, last))
    common = judged and share >= COMMON_SHARE
    if _whole_mailbox(session, query):
        return Counted(found, common=common)
    if among := _among(query):
        return Counted(_count_among(session, query, among, expression, cap), common=common)
    scans = query.get_execution_options().get("search_scans")
    if found < cap or _reads_rows(query) or scans:
        return Counted(_count(session, within, cap), common=common)
    # The share of the ids read says whether the queue surely holds more than the cap
    # (a sample of the oldest messages; when it says too few, they are counted).
    likely = share * mailbox
    if estimate and likely >= SURELY_OVER_CAP * cap:
        queue = size if size is not None else _count(session, query, mailbox + 1)
        needed = math.ceil(SURELY_OVER_CAP * cap * mailbox / queue) if queue else mailbox + 1
        if (
            needed <= min(mailbox, likely)
            and _likely_holding(session, expression, (first or 1, last or 0), cap, share) >= needed
        ):
            return Counted(cap, common=common, estimated=True)
    if _subjects_reach_cap(session, query, expression, cap) or _newest_reach_cap(
        session, query, expression, cap, size, (first or 1, last or 0), share
    ):
        return Counted(cap, common=common)
    return Counted(_count(session, within, cap), common=common)


# SQLite: a queue's count past the cap is first tried on the words' newest matches: the
# ids where the words' share of them (from the oldest) and the queue's share of the
# mailbox put this many times `cap` of the queue's messages holding them...
NEWEST_MARGIN = 1.5
# ...when those ids are at most this share of the mailbox's (else the count is as cheap).
NEWEST_AT_MOST = 0.6


def _newest_reach_cap(
    session: Session,
    query: Select[Any],
    expression: str,
    cap: int,
    size: int | None,
    ids: tuple[int, int],
    share: float,
) -> bool:
    """SQLite: whether `query`'s messages holding the words among the newest ids number
    `cap` already: then so do all of them, counted exactly, with fewer matches put in
    a set (the count walks the queue testing each message against every match: "thank"
    in triage at 100,000 messages, 52,000 of them: ~7 ms of CPU; the newest ~15,000:
    ~3). False tells nothing: the matches are then counted as before. `size`: the
    queue's, if known; `ids`: the mailbox's lowest and highest; `share`: the words'."""
    first, last = ids
    mailbox = last - first + 1
    queue = size if size is not None else _count(session, query, mailbox + 1)
    span = math.ceil(NEWEST_MARGIN * cap * mailbox / max(queue, 1) / max(share, 1e-9))
    if span > NEWEST_AT_MOST * mailbox:
        return False
    since = last - span + 1
    matches = table(WORDS_TABLE, column("rowid"))
    recent = select(matches.c.rowid).where(
        text(f"{WORDS_TABLE} MATCH :m").bindparams(bindparam("m", expression, unique=True)),
        matches.c.rowid >= since,
    )
    # "+ 0": the queue walked in its index, never its rows read by id from `since` on.
    sliced = query.with_only_columns(Message.id).where(
        Message.id + 0 >= since, (Message.id + 0).in_(recent)
    )
    return _count(session, sliced, cap) >= cap


def _oldest_share(
    session: Session, expression: str, cap: int, ids: tuple[int | None, int | None]
) -> tuple[int, float]:
    """SQLite: how many messages hold the words (counted no further than `cap`, from
    the oldest), and the share of the ids read that do."""
    first, last = ids
    mailbox = (last or 0) - (first or 1) + 1
    found, upto = session.execute(_HOLDING, {"m": expression, "n": cap}).one()
    return found, _share_read(found, cap, upto and upto - (first or 1) + 1, mailbox)


def _common(
    session: Session, expression: str, cap: int, ids: tuple[int | None, int | None]
) -> bool:
    """SQLite: whether the words are common (COMMON_SHARE), judged as _count_sqlite does."""
    return _oldest_share(session, expression, cap, ids)[1] >= COMMON_SHARE


def _likely_holding(
    session: Session, expression: str, ids: tuple[int, int], n: int, oldest: float
) -> float:
    """SQLite: how many messages likely hold the words, from the share of `n` matches'
    ids holding them at the mailbox's oldest end (`oldest`), its middle and its newest
    end, the lowest of the three. Counting up to what is needed instead read every
    match on the way (~50,000 for "the" in triage at 100,000 messages: 4-7 ms, where
    the three samples take ~0.4); a short page still has the matches counted
    (search_page), as after any estimate."""
    first, last = ids
    mailbox = last - first + 1
    middle = first + mailbox // 2
    found, upto = session.execute(_HOLDING_FROM, {"m": expression, "start": middle, "n": n}).one()
    from_middle = _share_read(found, n, upto and upto - middle + 1, last - middle + 1)
    found, since = session.execute(_HOLDING_NEWEST, {"m": expression, "n": n}).one()
    newest = _share_read(found, n, since and last - since + 1, mailbox)
    return min(oldest, from_middle, newest) * mailbox


def _share_read(found: int, n: int, span_read: int | None, span: int) -> float:
    """The share of the ids read that hold the words: `n` matches found end where the
    reading stopped (`span_read` ids from where it began); fewer were all there were
    in `span`."""
    read = span_read if found == n and span_read else span
    return found / max(read, 1)


def _among(query: Select[Any]) -> Among | None:
    """SQLite: how `query`'s messages are found from indexes, if they are (Among)."""
    return query.get_execution_options().get("search_among_few")


def _among_ids(query: Select[Any]) -> Select[Any]:
    """SQLite: the ids of `query`'s messages when they are found from an index (Among):
    many senders' alone are their kept ids (not the whole mailbox tested against them),
    in a queue the queue's among them if kept (_keep_queue)."""
    among = _among(query)
    if among is not None and among.queue is not None:
        return select(among.queue.c.id)
    if among is not None and among.many and not (among.few or among.narrowed):
        first, *others = among.many
        return select(first.c.id).where(*(held(ids, first.c.id) for ids in others))
    return query.with_only_columns(Message.id)


def _keep_queue(
    session: Session,
    query: Select[Any],
    terms: list[list[Alternative]],
    cap: int,
    queue_size: int | None,
) -> Select[Any]:
    """SQLite, many senders' messages in a queue (a state, a filter, a label), whose
    words' matches are not likely under the cap (as _likely_under_cap guesses from the
    queue's size, `queue_size`): the queue's messages among them, found once (the
    queue's index walked, each entry tested against the kept ids) and kept in this
    connection's table for the search (Among.queue), with how many there are. Their
    number, exact, tells whether the matches are surely under the cap, then counted and
    ranked at once ("from:keller th" in Triage at 100,000 messages: 999 of them, guessed
    1,016, were counted and then ranked, the 99,000 matches of "th" read twice: ~31 ms
    of SQL, now ~21), and each statement testing a match against the queue's messages reads that
    table, not the queue again (~10,000 entries for Triage: ~2 ms each). When the guess
    is under the cap already, one statement walks the queue once: nothing is kept."""
    among = _among(query)
    if among is None or not (among.many and among.narrowed) or among.few:
        return query
    if among.queue is not None:  # kept as the sender's messages in the queue's states
        return query
    if _likely_under_cap(session, among, terms, cap, queue_size):
        return query
    connection = session.connection()
    kept = empty_id_table(connection, QUEUE_KEPT)
    size = connection.execute(insert(kept).from_select(["id"], _among_ids(query))).rowcount
    return query.execution_options(search_among_few=among._replace(queue=kept, queue_size=size))


# The matches of the clients' messages, each looked up in ix_messages_client_id (with
# their ids given: as a subquery, or two or more, the planner reads each match's row).
_BY_CLIENT = (
    "SELECT count(*) FROM (SELECT {index}.rowid FROM {index} "
    "JOIN messages INDEXED BY ix_messages_client_id ON messages.id = {index}.rowid "
    "WHERE {index} MATCH :m AND messages.client_id IN :clients LIMIT :cap)"
)


def _count_among(
    session: Session,
    query: Select[Any],
    among: Among,
    expression: str,
    cap: int,
    index: str = WORDS_TABLE,
) -> int:
    """SQLite: how many of `query`'s messages hold the words (in the subject, with that
    `index`), counting no further than `cap`, when they are found from an index. A few
    senders' messages are each looked up in the word index (~0.1 ms each; at 100,000
    messages "from:ana.brooks1 the": 4 ms where walking the 98,000 matches of "the" cost
    15); many senders' are kept ids, and a client's a set made once, that the words'
    matches, read in order, are tested against; clients' alone, each match is looked up
    in ix_messages_client_id (client, id) instead, no set made ("client:northwind
    invoice": ~9,500 messages, ~10,000 matches read: 2 ms where the set took 2.5-5)."""
    matches = table(index, column("rowid"))
    words = select(matches.c.rowid).where(
        text(f"{index} MATCH :m").bindparams(bindparam("m", expression, unique=True))
    )
    if among.clients_alone:
        clients = set.intersection(*(set(session.scalars(ids)) for ids in among.clients_alone))
        if not clients:
            return 0
        counted = text(_BY_CLIENT.format(index=index))
        counted = counted.bindparams(bindparam("clients", expanding=True))
        found = {"m": expression, "clients": sorted(clients), "cap": cap}
        return session.scalar(counted, found) or 0
    if among.few:  # each of the few senders' messages looked up in the word index
        words = words.where(*(matches.c.rowid.in_(ids) for ids in among.few))
        return _count(session, query.where(Message.id.in_(words)), cap)
    if among.narrowed:  # a queue, a label...: its messages, the kept ids among its tests
        words = words.where((matches.c.rowid + 0).in_(_among_ids(query)))
    else:
        words = words.where(*(held(ids, matches.c.rowid) for ids in among.many))
    words = words.limit(cap)
    return session.scalar(select(func.count()).select_from(words.subquery())) or 0


class _Plan(Executable, ClauseElement):
    """EXPLAIN (FORMAT JSON) of a statement, executed as a statement of its own so the
    engine compiles it once a shape, as it does the statement (compiled for each
    search, with its IN lists rendered, it took ~0.3 ms of the process a search)."""

    inherit_cache = True
    _traverse_internals: ClassVar = [("statement", InternalTraversal.dp_clauseelement)]

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Plan)
def _compile_plan(plan: _Plan, compiler: Any, **kw: Any) -> str:
    statement = compiler.process(plan.statement, **kw)
    # Its one column is the plan, not the statement's columns (else a cached compile
    # maps the row to the statement's columns of another search, and fails).
    compiler._result_columns = []
    return "EXPLAIN (FORMAT JSON) " + statement


def _expected_rows(session: Session, query: Select[Any]) -> float:
    """The planner's estimate of `query`'s rows (EXPLAIN: planned, not run)."""
    plan = session.execute(_Plan(query)).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])


def _count(session: Session, query: Select[Any], cap: int) -> int:
    """How many messages `query` holds, counting no further than `cap`.

    On PostgreSQL, given the LIMIT, the planner reads the table in order hoping to meet
    `cap` matches soon: 0.7 s when they are rare at 100,000 messages. The GIN indexes
    find the candidates in milliseconds, so the count is told not to scan."""
    counting = select(func.count()).select_from(
        query.with_only_columns(Message.id).limit(cap).subquery()
    )
    if session.connection().dialect.name != "postgresql":
        return session.scalar(counting) or 0
    return _without_scan(session, lambda: session.scalar(counting) or 0)


def _first_ids(session: Session, query: Select[Any], cap: int) -> list[int]:
    """PostgreSQL: the ids of up to `cap` of `query`'s messages (a count that keeps
    them), found from the indexes as `_count` finds them."""
    first = query.with_only_columns(Message.id).limit(cap)
    return _without_scan(session, lambda: list(session.scalars(first)))


def _without_scan(session: Session, run: Callable[[], T]) -> T:
    """`run` with PostgreSQL told not to read the table in order (see `_count`)."""
    # For this statement only (a failure rolls the transaction back, and the SET with it).
    session.execute(text("SET LOCAL enable_seqscan = off"))
    result = run()
    session.execute(text("RESET enable_seqscan"))
    return result


def search_page(
    session: Session,
    base: Select[Any],
    text_: str,
    *,
    order: Sequence[Any],
    limit: int,
    offset: int,
    cap: int,
    base_size: int | None = None,
) -> Found:
    """The messages of `base` the search `text_` finds, ranked: `limit` ids from
    `offset`, and how many there are (no further than `cap`). `base_size`: how many
    messages `base` holds, when the caller knows it already (the navigation's counts,
    a second or two old at most): only an estimate uses it, where counting the queue
    cost ~1 ms (SQLite, a common word in triage at 100,000 messages)."""
    search = parse(text_)
    if search.problems:
        return Found(0, [], problems=search.problems)
    session.info.pop(SUBJECTS_KEPT, None)  # kept subject matches serve one search alone
    if session.connection().dialect.name == "sqlite":
        _make_temp_tables(session)
    query = with_operators(base, search, session)
    queue_size = base_size  # (the operators' share of it is guessed from it, below)
    if search.senders or search.clients or search.matters or search.labels:
        base_size = None  # the operators narrow `base`
    if not search.has_words:
        if _among(query):
            ids = _among_ids(query).limit(cap).subquery()
            total = session.scalar(select(func.count()).select_from(ids)) or 0
        else:
            total = _count(session, query, cap)
        ids = session.scalars(in_order(query, order, limit, offset)).all()
        return Found(total, list(ids))
    terms = alternatives(search)
    query = _keep_queue(session, query, terms, cap, queue_size)
    asked = PageAsked(order, limit, offset)
    counted = _count_matches(
        session, query, terms, cap, page=asked, size=base_size, queue_size=queue_size
    )
    corrected: dict[str, list[str]] = {}
    if counted.total == 0:
        terms, corrected = _typos_fixed(session, terms)
        if corrected:
            counted = _count_matches(
                session, query, terms, cap, page=asked, size=base_size, queue_size=queue_size
            )
    if counted.total >= cap:
        ids = _by_place(session, query, terms, asked, common=counted.common)
        if not counted.estimated or len(ids) == limit or offset + len(ids) >= cap:
            return Found(cap, ids, corrected)
        # A page not full ends the matches: fewer than estimated (the words are rare in
        # this queue, e.g. "overtime" in billing mail), counted and ranked as such.
        counted = _count_matches(
            session,
            query,
            terms,
            cap,
            page=asked,
            estimate=False,
            size=base_size,
            queue_size=queue_size,
        )
        if counted.total >= cap:
            return Found(cap, ids, corrected)
    total, found, page = counted.total, counted.found, counted.page
    if total == 0:
        return Found(0, [], corrected)
    if page is not None:  # PostgreSQL: ranked as they were counted
        return Found(total, page, corrected)
    if found is not None:
        # PostgreSQL: the matches, found once, ranked by id: finding them again (a
        # phrase's positions checked, a sender matched) cost as much as the count.
        among = select(Message.id).where(
            Message.id == any_(bindparam("found", found, type_=ARRAY(Integer)))
        )
    else:
        among = _ranked_among(session, query, terms)
    ranked = among.order_by(_relevance(session, terms), *order).limit(limit).offset(offset)
    return Found(total, list(session.scalars(ranked).all()), corrected)


def _make_temp_tables(session: Session) -> None:
    """SQLite: the temp tables a search may fill, made (if need be) before it writes
    anything. One made after a statement that wrote (emptying another) was made in the
    request's transaction, which the end of a request that changed nothing rolls back
    (with the table), so each request made it again and the next one's first statement
    reloaded the schema (at 100,000 messages ~0.6 ms, and ~0.2 ms to make words_check)."""
    connection = session.connection()
    make_id_tables(connection)
    connection.exec_driver_sql(_CHECK_INDEX)


def _typos_fixed(
    session: Session, terms: list[list[Alternative]]
) -> tuple[list[list[Alternative]], dict[str, list[str]]]:
    """`terms` with each single word that no message holds replaced by the indexed
    words most like it; and which words were replaced by what."""
    fixed: list[list[Alternative]] = []
    corrected: dict[str, list[str]] = {}
    for term in terms:
        (words, _), *_ = term
        if len(term) != 1 or len(words) != 1 or len(words[0]) < 4 or words[0].isdigit():
            fixed.append(term)
            continue
        word = words[0]
        # The only word found nowhere is this one (the whole search found nothing).
        # Counted, not estimated: PostgreSQL's planner expects a row or more of any
        # word, and a typo beside a known word ("invoce deposit") was never corrected.
        if (
            len(terms) > 1
            and _count_matches(
                session, select(Message), [term], 1, judged=False, estimate=False
            ).total
        ):
            fixed.append(term)  # this word is found; another one is not
            continue
        similar = similar_words(session, word)
        if similar:
            corrected[word] = similar
            fixed.append([((stem,), True) for stem in similar])
        else:
            fixed.append(term)
    return fixed, corrected


def _by_place(
    session: Session,
    query: Select[Any],
    terms: list[list[Alternative]],
    asked: PageAsked,
    *,
    common: bool,
) -> list[int]:
    """More matches than the count's cap: scoring every one of them costs more than
    the page is allowed (~30 ms of CPU for 27,000 at 100,000 messages), so relevance
    is where the words are: messages with them in the subject first, then the rest,
    each in the queue's order (walked from its index, testing each message).
    SQLite, `common` words: the queue's first messages checked first (_first_checked),
    which may tell the page, or how many of the queue's messages have them in the
    subject (up to a page), or those messages."""
    order, limit, offset = asked
    checked = Checked(None)
    if common and offset == 0:
        checked = _first_checked(session, query, terms, order, limit)
    if checked.page is not None:
        return checked.page
    in_subject, subject_page = checked.in_subject, checked.subject_page
    subject_holds = _holds(session, terms, subject=True)
    first = query.where(subject_holds)
    ids: list[int] | None = None
    if subject_page is not None and offset == 0:
        ids = list(subject_page)
        before = len(ids)
    elif in_subject is not None and offset == 0:
        before = in_subject
    elif _whole_mailbox(session, query):
        before = _count_words(
            session, matching_expression(session, terms), offset + limit, SUBJECT_TABLE
        )
    elif offset == 0 and _read_at_once(session, terms):
        ids = _subject_page(session, query, terms, order, limit)
        before = len(ids)
    else:
        before = _subject_count(session, query, terms, offset + limit)
    if ids is None:
        ids = (
            list(session.scalars(in_order(first, order, limit, offset))) if offset < before else []
        )
    if len(ids) < limit:
        # None of the queue's messages has the words in its subject: the rest is all.
        others = query.where(~subject_holds) if before else query
        rest = others.where(_holds(session, terms, subject=False))
        ids += session.scalars(in_order(rest, order, limit - len(ids), max(0, offset - before)))
    return ids


# SQLite: words that this share of the mailbox holds in the subject are dense there.
DENSE_SUBJECTS = 0.05


def _read_at_once(session: Session, terms: list[list[Alternative]]) -> bool:
    """Whether the queue's first page of subject matches is read at once, not counted
    first: what a count would find first, the same walk follows it (PostgreSQL
    collecting 18,000 matches from the index: 10-30 ms). SQLite: when the words are
    dense in the subjects (counted from their index, up to DENSE_SUBJECTS of the
    mailbox: ~0.6 ms), as "invoice" in triage (a count first: 2-3 ms more); sparse
    ones are counted from the index first, where the walk would read the whole queue
    ("label:billing deposit", in no billing subject: 16 ms a page, walked 29)."""
    if session.connection().dialect.name != "sqlite":
        return True
    return _dense_subjects(session, matching_expression(session, terms))


def _dense_subjects(session: Session, expression: str) -> bool:
    """SQLite: whether DENSE_SUBJECTS of the mailbox hold the words in the subject."""
    first, last = session.execute(_ID_RANGE).one()
    needed = max(1, math.ceil(DENSE_SUBJECTS * ((last or 0) - (first or 1) + 1)))
    return _count_words(session, expression, needed, SUBJECT_TABLE) >= needed


def _subject_page(
    session: Session,
    query: Select[Any],
    terms: list[list[Alternative]],
    order: Sequence[Any],
    limit: int,
) -> list[int]:
    """The first `limit` of `query`'s messages in `order` with the words in the subject.
    SQLite, many senders' messages kept: the subject matches among them, each looked
    up and sorted (at 100,000 messages "from:delgado lease": ~500, 2 ms), not the queue
    walked testing each message (~8,600 for a page: 4-5 ms)."""
    among = _among(query)
    kept = among.many if among is not None else ()
    if not kept and len(states_of(query)) > 1 and session.connection().dialect.name == "sqlite":
        # Each state's walk would test its messages against a set of every subject
        # match made for it alone ("invoice" in triage, 18,000: ~2.5 ms each): kept once.
        subjects = _keep_subject_matches(session, matching_expression(session, terms))
        first = query.where(held(subjects, Message.id))
    else:
        first = query.where(_holds(session, terms, subject=True, walk=not kept, kept=kept))
    return list(session.scalars(in_order(first, order, limit)))


_SUBJECTS = table(SUBJECTS_KEPT, column("id"), schema="temp")
_KEEP_SUBJECTS = text(
    f"INSERT INTO temp.{SUBJECTS_KEPT} (id) "
    f"SELECT rowid FROM {SUBJECT_TABLE} WHERE {SUBJECT_TABLE} MATCH :m"
)


def _keep_subject_matches(session: Session, expression: str) -> TableClause:
    """SQLite: the messages with the words in their subject, kept in this connection's
    table for the statement at hand (as web/search_senders.py keeps a sender's)."""
    connection = session.connection()
    if session.info.get(SUBJECTS_KEPT) == (expression, connection):
        return _SUBJECTS  # kept by this search already (the count's proof, below)
    empty_id_table(connection, SUBJECTS_KEPT)
    connection.execute(_KEEP_SUBJECTS, {"m": expression})
    session.info[SUBJECTS_KEPT] = (expression, connection)
    return _SUBJECTS


def _subjects_reach_cap(session: Session, query: Select[Any], expression: str, cap: int) -> bool:
    """SQLite, a queue of several states whose first page past the cap will be read from
    its subject matches kept (_subject_page: dense in the subjects): kept now, whether
    `cap` of its messages are among them. A subject match is a match, so the count is
    the cap, exactly, told by testing the queue's messages against a table the page
    reads next ("invoice" in triage: ~1 ms, where the newest matches took ~3.5)."""
    if len(states_of(query)) < 2 or not _dense_subjects(session, expression):
        return False
    subjects = _keep_subject_matches(session, expression)
    return (
        _count(session, query.with_only_columns(Message.id).where(held(subjects, Message.id)), cap)
        >= cap
    )


def _subject_count(
    session: Session, query: Select[Any], terms: list[list[Alternative]], cap: int
) -> int:
    """How many of `query`'s messages hold the words in their subject, up to `cap`."""
    if _whole_mailbox(session, query):
        return _count_words(session, matching_expression(session, terms), cap, SUBJECT_TABLE)
    if (among := _among(query)) and among.many:  # the subject matches among the kept ids
        expression = matching_expression(session, terms)
        return _count_among(session, query, among, expression, cap, SUBJECT_TABLE)
    return _count(session, query.where(_holds(session, terms, subject=True, walk=False)), cap)


# SQLite: the queue's first messages checked for the words, at most (~10 us each; a page
# needing more is a word sparse enough for the index's matches to be read at once).
CHECKED_AT_MOST = 200
CHECK_TABLE = "words_check"
# As migration 0019 made messages_words: the same words, stems and prefixes.
TOKENIZE = "porter unicode61 remove_diacritics 2"
_CHECK_INDEX = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{CHECK_TABLE} USING fts5(subject, from_name, "
    f"from_addr, text_body, content='', tokenize='{TOKENIZE}')"
)
_CHECK_FILL = text(
    f"INSERT INTO temp.{CHECK_TABLE} (rowid, subject, from_name, from_addr, text_body) "
    "SELECT id, subject, from_name, from_addr, text_body FROM messages WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_CHECK_MATCH = text(f"SELECT rowid FROM temp.{CHECK_TABLE} WHERE {CHECK_TABLE} MATCH :m")
_CHECK_EMPTY = f"INSERT INTO temp.{CHECK_TABLE} ({CHECK_TABLE}) VALUES ('delete-all')"


class Checked(NamedTuple):
    """What checking the queue's first messages told: the page, if it could; how many of
    the queue's messages hold the words in their subject (up to a page), if counted, and
    which, if read."""

    page: list[int] | None
    in_subject: int | None = None
    subject_page: list[int] | None = None


def _first_checked(
    session: Session,
    query: Select[Any],
    terms: list[list[Alternative]],
    order: Sequence[Any],
    limit: int,
) -> Checked:
    """SQLite, the first page past the cap: `query`'s first messages in `order` checked
    for the words one batch at a time, until a page is known (at most CHECKED_AT_MOST).

    Walking the whole queue testing each message against every match means reading
    every match into a set first (98,000 for "the" at 100,000 messages: 8-12 ms),
    however few messages the page needs. Instead, a batch of the queue's first messages
    is put in a small index of this connection's own (`temp.words_check`, made as the
    real one is) and the same search is run on it (~10 us a message). Past the cap the
    words are common, so most of the first messages hold them. Subject matches come
    first: the page is known once it is full of them, or once every subject match of
    the queue (counted from the subjects' index, migration 0019) is among those checked."""
    if _reads_rows(query) or query.get_execution_options().get("search_scans"):
        return Checked(None)  # finding the queue's first messages would read many rows
    everywhere = matching_expression(session, terms)
    subject_first: list[int] = []
    rest: list[int] = []
    in_subject: int | None = None
    subject_page: list[int] | None = None
    seen = 0
    batch = limit + limit // 4 + 4  # when most hold the words, one batch is the page
    while True:
        window = list(session.scalars(in_order(query, order, batch, seen)))
        subject, anywhere = _checked(
            session, window, ["{subject} : (" + everywhere + ")", everywhere]
        )
        subject_first += [i for i in window if i in subject]
        rest += [i for i in window if i in anywhere and i not in subject]
        seen += len(window)
        if len(subject_first) >= limit or len(window) < batch:  # a page, or all of them
            return Checked((subject_first + rest)[:limit])
        if in_subject is None and _read_at_once(session, terms):
            subject_page = _subject_page(session, query, terms, order, limit)
            in_subject = len(subject_page)
        elif in_subject is None:
            in_subject = _subject_count(session, query, terms, limit)
        if in_subject > len(subject_first):
            return Checked(None, in_subject, subject_page)  # further subject matches first
        found = len(subject_first) + len(rest)
        if found >= limit:
            return Checked((subject_first + rest)[:limit], in_subject, subject_page)
        # As many more as these say a page takes, if within what checking is worth.
        batch = (limit - found) * seen // max(found, 1) + limit // 4
        if seen + batch > CHECKED_AT_MOST:
            return Checked(None, in_subject, subject_page)


def _checked(session: Session, ids: list[int], expressions: list[str]) -> list[set[int]]:
    """Which of the messages `ids` each FTS5 expression finds, asked of an index of
    these messages alone (emptied after)."""
    if not ids:
        return [set() for _ in expressions]
    connection = session.connection()
    connection.exec_driver_sql(_CHECK_INDEX)
    connection.execute(_CHECK_FILL, {"ids": ids})
    try:
        return [set(connection.scalars(_CHECK_MATCH, {"m": e})) for e in expressions]
    finally:
        connection.exec_driver_sql(_CHECK_EMPTY)
