"""The numbers behind the metrics page, counted in SQL. No Flask here.

Days are the firm's days (Settings.timezone): each day's bounds are worked out here, as
instants, and each day counted between its bounds from an index, a count of each
(day, label) or (day, kind of breach) looked up one by one (migration 0018). Grouping
~29,000 rows of the window by a day worked out row by row cost 10-16 ms a chart at
100,000 messages (SQLite); the counts of index ranges cost ~1 ms. Percentiles are
computed on PostgreSQL (percentile_cont), while SQLite, which has none, sends only the
seconds of the answered messages in the window and Python interpolates the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    DateTime,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from inbox.models import LABELS, Classification, Message, MessageState

T = TypeVar("T")
DAYS = 30
OPEN_STATES = (
    MessageState.RECEIVED,
    MessageState.TRIAGE,
    MessageState.REVIEW,
    MessageState.ESCALATED,
)
UNLABELLED = "unlabelled"
UTC = ZoneInfo("UTC")


def seconds_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    position = q * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


@dataclass(frozen=True)
class Window:
    days: list[str]  # ISO dates of the firm's days, oldest first
    starts: list[dt.datetime]  # UTC: the start of each day, then the end of the last
    now: dt.datetime

    @property
    def since(self) -> dt.datetime:
        return self.starts[0]

    @classmethod
    def last(cls, days: int, now: dt.datetime | None = None, zone: ZoneInfo = UTC) -> Window:
        now = now or dt.datetime.now(dt.UTC)
        first = now.astimezone(zone).date() - dt.timedelta(days=days - 1)
        dates = [first + dt.timedelta(days=i) for i in range(days + 1)]
        starts = [dt.datetime.combine(d, dt.time(), tzinfo=zone).astimezone(dt.UTC) for d in dates]
        return cls([d.isoformat() for d in dates[:-1]], starts, now)

    def bounds(self) -> dict[str, dt.datetime]:
        """The values of the parameters of `days_table` (a day's end, or now if sooner,
        for what can only have happened by now)."""
        found = {}
        for i, (start, stop) in enumerate(zip(self.starts, self.starts[1:], strict=False)):
            found[f"start_{i}"], found[f"stop_{i}"] = start, stop
            found[f"now_{i}"] = min(stop, max(start, self.now))
        return found


@functools.cache
def days_table(days: int) -> CTE:
    """`days` days as rows (i, start, stop, stop_now), their bounds parameters (given by
    Window.bounds): built once, and the statements using it compiled once, then cached
    (a VALUES list is compiled again on every call: 4-5 ms)."""
    stamp = DateTime(timezone=True)
    rows = [
        select(
            literal(i, Integer).label("i"),
            bindparam(f"start_{i}", type_=stamp).label("start"),
            bindparam(f"stop_{i}", type_=stamp).label("stop"),
            bindparam(f"now_{i}", type_=stamp).label("stop_now"),
        )
        for i in range(days)
    ]
    return union_all(*rows).cte("days")  # a CTE: SQLite names no columns of a subquery


def _count_between(days: CTE, when: Any, *where: Any, stop: str = "stop") -> Any:
    """The count of messages whose `when` falls in the day (a correlated subquery)."""
    return (
        select(func.count())
        .select_from(Message)
        .where(when >= days.c.start, when < days.c[stop], *where)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Volume:
    labels: list[str]
    by_day: dict[str, dict[str, int]]  # day -> label -> count
    total: int


# Each label in the messages, from the index on (label, received_at): a seek per label.
_LABELS_PRESENT = text(
    "WITH RECURSIVE present(label) AS (SELECT min(label) FROM messages UNION ALL "
    "SELECT (SELECT min(label) FROM messages WHERE label > present.label) FROM present "
    "WHERE present.label IS NOT NULL) SELECT label FROM present WHERE label IS NOT NULL"
)


@functools.lru_cache(maxsize=16)
def _volume_by_day(days: int, labels: tuple[str, ...]) -> Select[Any]:
    """Per day, the count of each of `labels`, then of the unlabelled (built once: a
    statement built again on every page cost 1-2 ms of Python)."""
    table = days_table(days)
    counts = [_count_between(table, Message.received_at, Message.label == lb) for lb in labels]
    counts.append(_count_between(table, Message.received_at, Message.label.is_(None)))
    return select(table.c.i, *counts)


def volume(session: Session, window: Window) -> Volume:
    known = tuple(session.scalars(_LABELS_PRESENT))
    rows = session.execute(_volume_by_day(len(window.days), known), window.bounds()).all()
    by_day: dict[str, dict[str, int]] = {d: {} for d in window.days}
    for i, *numbers in rows:
        cell = by_day[window.days[i]]
        for label, count in zip([*known, UNLABELLED], numbers, strict=True):
            if count:
                cell[label] = count
    labels = [*LABELS, UNLABELLED]
    present = {k for cell in by_day.values() for k in cell}
    labels = [label for label in labels if label in present] + sorted(present - set(labels))
    return Volume(labels, by_day, sum(sum(cell.values()) for cell in by_day.values()))


@dataclass(frozen=True)
class ResponseTimes:
    by_day: dict[str, tuple[int, float | None, float | None]]  # day -> (n, median s, p90 s)
    overall: tuple[int, float | None, float | None]


@functools.lru_cache(maxsize=4)
def _answered_by_day(days: int) -> Select[Any]:
    """SQLite: each answered message's day and seconds to the answer, fewest first."""
    table = days_table(days)
    seconds = cast(seconds_between(Message.first_response_at, Message.received_at, "sqlite"), Float)
    return (
        select(table.c.i, seconds)
        .select_from(table)
        .join(
            Message,
            (Message.received_at >= table.c.start) & (Message.received_at < table.c.stop),
        )
        .where(Message.first_response_at.is_not(None))
        .order_by(seconds)
    )


@functools.cache
def _answered_stats() -> Select[Any]:
    """PostgreSQL: count, median and p90 of the seconds to the answer, per day and in
    all (grouping sets: one read of the answered; the row of all has grouping 1). The
    day is found among the bounds (a binary search a row): joined to the days, the
    planner expected 100 times the rows and started parallel workers (7 ms)."""
    stamp = DateTime(timezone=True)
    seconds = cast(
        seconds_between(Message.first_response_at, Message.received_at, "postgresql"), Float
    )
    day = func.width_bucket(Message.received_at, bindparam("starts", type_=ARRAY(stamp)))
    stats = (
        func.count(),
        func.percentile_cont(0.5).within_group(seconds),
        func.percentile_cont(0.9).within_group(seconds),
    )
    answered = (
        Message.received_at >= bindparam("since", type_=stamp),
        Message.received_at < bindparam("until", type_=stamp),
        Message.first_response_at.is_not(None),
    )
    return (
        select(func.grouping(day), day, *stats)
        .where(*answered)
        .group_by(func.grouping_sets(day, text("()")))
    )


def response_times(session: Session, window: Window) -> ResponseTimes:
    """Median and 90th percentile of first-response time, by the day the mail came in."""
    by_day: dict[str, tuple[int, float | None, float | None]] = {
        d: (0, None, None) for d in window.days
    }
    if session.get_bind().dialect.name == "postgresql":
        bounds = {"starts": window.starts, "since": window.starts[0], "until": window.starts[-1]}
        overall: tuple[int, float | None, float | None] = (0, None, None)
        for everything, bucket, n, median, p90 in session.execute(_answered_stats(), bounds):
            if everything:
                overall = (n, median, p90)
            else:
                by_day[window.days[bucket - 1]] = (n, median, p90)
        return ResponseTimes(by_day, overall)
    statement = _answered_by_day(len(window.days))
    grouped: dict[int, list[float]] = {}
    everything: list[float] = []
    for i, value in session.execute(statement, window.bounds()):
        grouped.setdefault(i, []).append(value)
        everything.append(value)
    for i, found in grouped.items():
        by_day[window.days[i]] = (len(found), percentile(found, 0.5), percentile(found, 0.9))
    overall = (len(everything), percentile(everything, 0.5), percentile(everything, 0.9))
    return ResponseTimes(by_day, overall)


@dataclass(frozen=True)
class Breaches:
    by_day: dict[str, int]  # by the day the deadline fell on
    open_now: int  # open, unanswered and past the deadline right now


_ANSWERED_LATE = Message.first_response_at > Message.sla_due_at  # as the index's WHERE
_UNANSWERED = (Message.state.in_(OPEN_STATES), Message.first_response_at.is_(None))
_STAMP = DateTime(timezone=True)


@functools.lru_cache(maxsize=4)
def _late_by_day(days: int) -> Select[Any]:
    """SQLite, per day of the deadline: answered after it (counted in the partial index
    ix_messages_answered_late, migration 0019, which holds only those); still open and
    unanswered past it."""
    table = days_table(days)
    late = _count_between(table, Message.sla_due_at, _ANSWERED_LATE)
    still_open = _count_between(table, Message.sla_due_at, *_UNANSWERED, stop="stop_now")
    return select(table.c.i, late, still_open)


# SQLite: open, unanswered and past the deadline before the window (those in it are
# counted per day).
_OVERDUE_BEFORE = (
    select(func.count())
    .select_from(Message)
    .where(*_UNANSWERED, Message.sla_due_at < bindparam("since", type_=_STAMP))
)


@functools.cache
def _breaches_by_bucket() -> tuple[Select[Any], Select[Any]]:
    """PostgreSQL: per day of the deadline (found among the bounds, as the response
    times' day), answered after it; and every open, unanswered one past its deadline
    by now, in one pass (bucket 0: before the window) where a count of each day's and
    one of all read those 24,000 index entries twice at 100,000 messages."""
    starts = bindparam("starts", type_=ARRAY(_STAMP))
    day = func.width_bucket(Message.sla_due_at, starts)
    late = (
        select(day, func.count())
        .where(
            _ANSWERED_LATE,
            Message.sla_due_at >= bindparam("since", type_=_STAMP),
            Message.sla_due_at < bindparam("until", type_=_STAMP),
        )
        .group_by(day)
    )
    overdue = (
        select(day, func.count())
        .where(*_UNANSWERED, Message.sla_due_at < bindparam("now", type_=_STAMP))
        .group_by(day)
    )
    return late, overdue


def sla_breaches(session: Session, window: Window) -> Breaches:
    """Answered after the deadline, or still open and unanswered past it (two counts of
    a day that never overlap: answered or not)."""
    by_day = dict.fromkeys(window.days, 0)
    if session.get_bind().dialect.name == "postgresql":
        late, overdue = _breaches_by_bucket()
        bounds = {
            "starts": window.starts,
            "since": window.starts[0],
            "until": window.starts[-1],
            "now": window.now,
        }
        open_now = 0
        for statement in (late, overdue):
            for bucket, n in session.execute(statement, bounds):
                if 1 <= bucket <= len(window.days):
                    by_day[window.days[bucket - 1]] += n
                if statement is overdue:
                    open_now += n
        return Breaches(by_day, open_now)
    # The window's days end with today, each at its end or now if sooner: the days'
    # open ones and those before the window are all that are past their deadline now.
    open_now = session.scalar(_OVERDUE_BEFORE, {"since": window.since}) or 0
    for i, answered_late, open_late in session.execute(
        _late_by_day(len(window.days)), window.bounds()
    ):
        by_day[window.days[i]] = answered_late + open_late
        open_now += open_late
    return Breaches(by_day, open_now)


@dataclass(frozen=True)
class Accuracy:
    corrected: int  # messages with a human label
    agreed: int  # ... whose first model label was the same
    by_label: dict[str, tuple[int, int]]  # human label -> (corrected, agreed)

    @property
    def share(self) -> float | None:
        return self.agreed / self.corrected if self.corrected else None


def accuracy_from_corrections(session: Session) -> Accuracy:
    """Of the messages a person labelled, how often the model's first label matched.

    From the few human labels (ix_classifications_source), each message's first model
    label looked up by its id: grouping every model label to find the first ones read
    the whole table (17 ms at 100,000 messages)."""
    rows = session.execute(_accuracy_by_label()).all()
    by_label = {label: (int(n), int(ok or 0)) for label, n, ok in rows}
    return Accuracy(
        sum(n for n, _ in by_label.values()), sum(ok for _, ok in by_label.values()), by_label
    )


@functools.cache
def _accuracy_by_label() -> Select[Any]:
    """Per human label: the messages, and those whose first model label was the same
    (built once: three aliases and their joins cost ~1.5 ms of Python a page)."""
    last_human = (
        select(Classification.message_id, func.max(Classification.id).label("cid"))
        .where(Classification.source == "human")
        .group_by(Classification.message_id)
        .subquery()
    )
    model, human, first = (aliased(Classification) for _ in range(3))
    first_model = (
        select(func.min(first.id))
        .where(first.message_id == last_human.c.message_id, first.source == "model")
        .scalar_subquery()
    )
    agreed = func.sum(case((model.label == human.label, 1), else_=0))
    return (
        select(human.label, func.count(), agreed)
        .select_from(last_human)
        .join(human, human.id == last_human.c.cid)
        .join(model, model.id == first_model)
        .group_by(human.label)
    )


@dataclass(frozen=True)
class Metrics:
    window: Window
    volume: Volume
    response: ResponseTimes
    breaches: Breaches
    accuracy: Accuracy


def metrics(
    session: Session, now: dt.datetime | None = None, days: int = DAYS, zone: ZoneInfo = UTC
) -> Metrics:
    """The page's numbers over the last `days` days of the firm's time zone `zone`."""
    window = Window.last(days, now, zone)
    return Metrics(
        window,
        volume(session, window),
        response_times(session, window),
        sla_breaches(session, window),
        accuracy_from_corrections(session),
    )


# What the figures were counted from (migration 0021): the version of the mail they
# count, which goes up whenever a message or a classification they count changes.
_VERSION = text("SELECT version FROM metrics_version")
# The next instant the clock alone changes a figure: an open, unanswered message's
# deadline passing (it becomes a breach now and on its day).
_NEXT_DEADLINE = select(func.min(Message.sla_due_at)).where(
    *_UNANSWERED, Message.sla_due_at >= bindparam("now", type_=_STAMP)
)


def data_version(session: Session) -> int:
    return session.scalar(_VERSION) or 0


def next_deadline(session: Session, now: dt.datetime) -> dt.datetime | None:
    """The soonest deadline, `now` or after, of an open, unanswered message (UTC), if
    any: counted as passed once the clock is past it."""
    found = session.scalar(_NEXT_DEADLINE, {"now": now})
    if found is not None and found.tzinfo is None:  # SQLite returns naive UTC
        found = found.replace(tzinfo=dt.UTC)
    return found


@dataclass(frozen=True)
class _Kept:
    key: tuple[Any, ...]  # (version, zone, days, the window's first and last day)
    until: dt.datetime | None  # valid up to this instant (a deadline), or to the day's end
    value: Any


class MetricsCache:
    """The page's figures (and what is drawn from them), counted again only when they
    can differ: when the mail they count has changed (`data_version`), when the firm's
    day is another, or when an open message's deadline has passed since. Counting them
    costs 10-20 ms at 100,000 messages; reading the version, one row."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, int], _Kept] = {}  # by (zone, days)

    def get(
        self,
        session: Session,
        zone: ZoneInfo,
        make: Callable[[Metrics], T],
        now: dt.datetime | None = None,
        days: int = DAYS,
    ) -> T:
        """`make(metrics)` for the figures as of `now`, from the cache when they are the
        same. The version is read first: mail changed while counting makes it newer."""
        now = now or dt.datetime.now(dt.UTC)
        window = Window.last(days, now, zone)
        key = (data_version(session), zone.key, days, window.days[0], window.days[-1])
        kept = self._kept.get((zone.key, days))
        if kept is not None and kept.key == key and (kept.until is None or now <= kept.until):
            return kept.value
        value = make(metrics(session, now, days, zone))
        until = next_deadline(session, now)
        self._kept[(zone.key, days)] = _Kept(key, until, value)
        return value
