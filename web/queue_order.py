"""The queues' order, and a queue's ids read in it from the indexes that hold it.

Urgency first: the nearest SLA deadline (none last), then priority, then age, then id,
as ix_messages_queue_order holds every message and ix_messages_state_order each
state's (migration 0019). A queue of one state is read from that state's range; a
queue of several (Triage: triage and received; Sent: sending and answered) cannot be,
in order, from one index range, so it is read state by state, each up to the page's
end, and merged: walking every message in order instead skipped all the other queues'
first (at 100,000 messages the first triage message came after 54,000 others), and on
PostgreSQL read each from the table when a search tested its words.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from sqlalchemy import Select, select, union_all
from sqlalchemy.sql.visitors import replacement_traverse

from inbox.models import QUEUE_ORDER, Message

__all__ = ["QUEUE_ORDER", "in_order", "of_states", "states_of", "states_test"]
_STATES = "queue_states"  # the execution option naming a query's states
# Ids read in order, built (a queue of several states: ~0.4 ms, each time) per query:
# the same queue and search ask the same statements (the first messages a search past
# the cap checks, whatever its words), so SQLAlchemy's compiled cache finds them too.
_BUILT: dict[Hashable, Select[Any]] = {}
BUILT_KEPT = 512  # statements; past it the memo starts again


def of_states(query: Select[Any], states: Sequence[str]) -> Select[Any]:
    """`query` narrowed to messages in `states`, read state by state when ordered."""
    if len(states) == 1:
        return query.where(Message.state == states[0])
    among = Message.state.in_(states)
    return query.where(among).execution_options(**{_STATES: (tuple(states), among)})


def states_of(query: Select[Any]) -> tuple[str, ...]:
    """The states `query` is read by, state by state (of_states), if several."""
    return tuple(query.get_execution_options().get(_STATES, ((), None))[0])


def states_test(query: Select[Any]) -> Any:
    """The test of_states added to `query` for its several states, if it did."""
    return query.get_execution_options().get(_STATES, ((), None))[1]


def in_order(
    query: Select[Any], order: Sequence[Any], limit: int | None, offset: int = 0
) -> Select[Any]:
    """The ids of `query`'s messages in `order`, `limit` of them from `offset`."""
    key = _identity(query, limit, offset) if _queue_order(order) else None
    if key is None:  # (an order of its own: not told apart by its objects' ids)
        return _in_order(query, order, limit, offset)
    if (built := _BUILT.get(key)) is None:
        if len(_BUILT) >= BUILT_KEPT:
            _BUILT.clear()
        built = _BUILT[key] = _in_order(query, order, limit, offset)
    return built


def _identity(query: Select[Any], *more: Any) -> Hashable | None:
    """What makes `query` the statement it is: its cache key's structure and its
    values, the states it is read by (an execution option, not in the key), and `more`;
    None when they cannot tell (no cache key, a value that is not hashable)."""
    cache_key = query._generate_cache_key()
    if cache_key is None:
        return None
    values = tuple(_hashable(b.effective_value) for b in cache_key.bindparams)
    states = query.get_execution_options().get(_STATES, ((), None))[0]
    key = (cache_key.key, values, states, *more)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _queue_order(order: Sequence[Any]) -> bool:
    return len(order) == len(QUEUE_ORDER) and all(
        given is ours for given, ours in zip(order, QUEUE_ORDER, strict=False)
    )


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _in_order(
    query: Select[Any], order: Sequence[Any], limit: int | None, offset: int = 0
) -> Select[Any]:
    states, among = query.get_execution_options().get(_STATES, ((), None))
    if not states or not _queue_order(order) or limit is None:
        return query.with_only_columns(Message.id).order_by(*order).limit(limit).offset(offset)
    keys = (Message.id, Message.sla_due_at, Message.priority, Message.received_at)
    parts = [
        select(
            _in_state(query, among, state)
            .with_only_columns(*keys)
            .order_by(*QUEUE_ORDER)
            .limit(offset + limit)
            .subquery()
        )
        for state in states
    ]
    merged = union_all(*parts).subquery()
    return (
        select(merged.c.id)
        .order_by(
            merged.c.sla_due_at.is_(None),
            merged.c.sla_due_at,
            merged.c.priority.desc(),
            merged.c.received_at,
            merged.c.id,
        )
        .limit(limit)
        .offset(offset)
    )


def _in_state(query: Select[Any], among: Any, state: str) -> Select[Any]:
    """`query` with its test of the queue's states (`among`) made a test of `state`:
    added beside it, PostgreSQL took the two for independent and expected a tenth of
    the state's messages (then collected and sorted them all)."""
    one = Message.state == state
    return replacement_traverse(query, {}, lambda element: one if element is among else None)
