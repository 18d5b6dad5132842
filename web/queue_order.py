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

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select, union_all
from sqlalchemy.sql.visitors import replacement_traverse

from inbox.models import QUEUE_ORDER, Message

__all__ = ["QUEUE_ORDER", "in_order", "of_states"]
_STATES = "queue_states"  # the execution option naming a query's states


def of_states(query: Select[Any], states: Sequence[str]) -> Select[Any]:
    """`query` narrowed to messages in `states`, read state by state when ordered."""
    if len(states) == 1:
        return query.where(Message.state == states[0])
    among = Message.state.in_(states)
    return query.where(among).execution_options(**{_STATES: (tuple(states), among)})


def in_order(
    query: Select[Any], order: Sequence[Any], limit: int | None, offset: int = 0
) -> Select[Any]:
    """The ids of `query`'s messages in `order`, `limit` of them from `offset`."""
    states, among = query.get_execution_options().get(_STATES, ((), None))
    queue_order = len(order) == len(QUEUE_ORDER) and all(
        given is ours for given, ours in zip(order, QUEUE_ORDER, strict=False)
    )
    if not states or not queue_order or limit is None:
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
