"""The queues as queries: which messages each queue holds, filtered, searched, sorted.

Pure query building (no Flask): a view passes the logged-in user and the filters and
gets a page back. Urgency first: the nearest SLA deadline, then priority, then age.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from inbox.db import prepared
from inbox.models import (
    LABELS,
    Attachment,
    Attorney,
    AuditEvent,
    Client,
    Message,
    MessageState,
    RoutingDecision,
    User,
)
from web.ids import parse_id, parse_page
from web.queue_order import QUEUE_ORDER, of_states
from web.search import search_page
from web.walls import visible_condition, walled

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000
AT_RISK = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Queue:
    name: str
    title: str
    states: tuple[str, ...] | None  # None: every state
    own_only: bool = False  # an attorney's own escalations
    template: str = "queue.html"


QUEUES = {
    q.name: q
    for q in (
        Queue("triage", "Triage", (MessageState.TRIAGE, MessageState.RECEIVED)),
        Queue("noreply", "No reply needed?", (MessageState.NO_REPLY,), template="no_reply.html"),
        Queue("drafts", "Drafts to approve", (MessageState.REVIEW,)),
        Queue("mine", "My escalations", (MessageState.ESCALATED,), own_only=True),
        Queue("escalations", "Escalations", (MessageState.ESCALATED,)),
        Queue("sent", "Sent", (MessageState.SENDING, MessageState.ANSWERED)),
        Queue("quarantined", "Quarantined", (MessageState.QUARANTINED,)),
        Queue("all", "All", None),
    )
}


@dataclass(frozen=True)
class Filters:
    label: str | None = None
    assignee: str | None = None  # "u:<user id>", "a:<attorney id>" or "none"
    client: int | None = None
    matter: int | None = None
    state: str | None = None
    mailbox: int | None = None
    search: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """From the query string; anything unusable is ignored, never an error page."""

        def number(name: str) -> int | None:
            return parse_id(args.get(name))

        label = args.get("label") or None
        state = args.get("state") or None
        assignee = (args.get("assignee") or "").strip() or None
        if assignee and not (assignee == "none" or assignee[:2] in ("u:", "a:")):
            assignee = None
        return cls(
            label=label if label in LABELS else None,
            assignee=assignee,
            client=number("client"),
            matter=number("matter"),
            state=state if state in MessageState.ALL else None,
            mailbox=number("mailbox"),
            search=(args.get("q") or "").strip()[:200],
            page=parse_page(args.get("page")),
        )

    @property
    def narrowed(self) -> bool:
        """Whether anything but the page number limits the queue."""
        return self._narrowed_apart_from("page")

    @property
    def narrowed_apart_from_search(self) -> bool:
        """Whether anything but the search words and the page number limits the queue."""
        return self._narrowed_apart_from("page", "q")

    def _narrowed_apart_from(self, *names: str) -> bool:
        return any(value for name, value in self.as_args().items() if name not in names)

    def as_args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "label": self.label,
            "assignee": self.assignee,
            "client": self.client,
            "matter": self.matter,
            "state": self.state,
            "mailbox": self.mailbox,
            "q": self.search or None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


class QueueRow(NamedTuple):
    """What one line of a queue shows: a few columns, not a whole message. A named tuple:
    a frozen dataclass set each of its nineteen fields through object.__setattr__ (~4-6
    us a row, a quarter of a millisecond a page)."""

    id: int
    subject: str | None
    from_addr: str | None
    from_name: str | None
    label: str | None
    state: str
    sla_due_at: dt.datetime | None
    received_at: dt.datetime | None
    client_name: str | None
    attorney_name: str | None
    # The row's context: the start of the new text, the mail's own date, whether it
    # carries a file, the newest routing decision's reason and rules, and the newest
    # hand-back by an attorney (who, and the audit detail holding their note).
    snippet: str | None = None
    sent_at: dt.datetime | None = None
    has_attachment: bool = False
    reason: str | None = None
    rules_fired: list[Any] | None = None
    handed_back_by: str | None = None
    hand_back: dict[str, Any] | None = None
    # Who holds it, for the version a bulk action checks (rules/bulk.py).
    assignee_user_id: int | None = None
    assignee_attorney_id: int | None = None


# A queue line shows this much of a subject (cut by the database: a huge subject
# stored before ingest had limits must not make every queue page huge).
SUBJECT_SHOWN = 200
# ...and this much of the new text and of the routing reason: a line, never the body.
SNIPPET_READ = 400
REASON_READ = 400


def _newest(column: Any, model: Any, *where: Any, query: Select[Any] | None = None) -> Any:
    """`column` of the row's newest `model` row (a correlated subquery: fifty index
    look-ups a page, no join that multiplies rows)."""
    return (
        (query if query is not None else select(column))
        .where(model.message_id == Message.id, *where)
        .order_by(model.id.desc())
        .limit(1)
        .scalar_subquery()
    )


_HAND_BACK = AuditEvent.action == "hand_back"
_HANDED_BACK_BY = (  # the attorney's name, else the address the audit log keeps
    select(func.coalesce(func.nullif(User.name, ""), AuditEvent.actor))
    .select_from(AuditEvent)
    .outerjoin(User, User.id == AuditEvent.user_id)
)

# Read as plain rows, joined by primary key: loading 50 ORM objects and their client
# and attorney cost more than the query itself. The context columns are cut or looked
# up by the database so a page reads a few hundred bytes a row, not each body.
_ROW_COLUMNS = (
    Message.id,
    func.substr(Message.subject, 1, SUBJECT_SHOWN + 1).label("subject"),
    Message.from_addr,
    Message.from_name,
    Message.label,
    Message.state,
    Message.sla_due_at,
    Message.received_at,
    Client.name,
    Attorney.name,
    func.substr(Message.new_text, 1, SNIPPET_READ + 1).label("snippet"),
    Message.sent_at,
    # An id looked up row by row, not EXISTS: PostgreSQL turns an EXISTS into a hash of
    # every attachment (a scan of the whole table on each page).
    select(Attachment.id)
    .where(Attachment.message_id == Message.id, Attachment.inline.is_(False))
    .limit(1)
    .scalar_subquery()
    .is_not(None)
    .label("has_attachment"),
    _newest(func.substr(RoutingDecision.reason, 1, REASON_READ), RoutingDecision).label("reason"),
    _newest(RoutingDecision.rules_fired, RoutingDecision).label("rules_fired"),
    _newest(None, AuditEvent, _HAND_BACK, query=_HANDED_BACK_BY).label("handed_back_by"),
    _newest(AuditEvent.detail, AuditEvent, _HAND_BACK).label("hand_back"),
    Message.assignee_user_id,
    Message.assignee_attorney_id,
)


@dataclass
class Page:
    messages: list[QueueRow]
    total: int
    page: int
    pages: int
    filters: Filters
    capped: bool = False  # more matches than SEARCH_COUNT_CAP: `total` is a floor
    corrected: dict[str, list[str]] = field(default_factory=dict)  # a typo -> words tried
    problems: tuple[str, ...] = ()  # what was wrong with the search, for the page


def _rows() -> Select[Any]:
    return (
        select(*_ROW_COLUMNS)
        .outerjoin(Client, Client.id == Message.client_id)
        .outerjoin(Attorney, Attorney.id == Message.assignee_attorney_id)
    )


def _among_page_ids(dialect: str) -> ColumnElement[bool]:
    """Message.id among the bound `page_ids`. PostgreSQL: as one array, so the
    statement's text is the same for any page (an IN list of fifty was rendered and
    parsed again by psycopg on each page: ~0.3 ms)."""
    if dialect == "postgresql":
        return Message.id == any_(bindparam("page_ids", type_=ARRAY(Integer)))
    return Message.id.in_(bindparam("page_ids", expanding=True))


# The rows of a search's page by their ids: one statement a dialect, built once. A
# statement object keeps its cache key, where one built anew for each page had its
# twenty columns and five subqueries walked again to find its compiled form (~0.3 ms).
_ROWS_BY_ID: dict[str, Select[Any]] = {}


def rows_by_id(session: Session, ids: list[int]) -> list[QueueRow]:
    """The queue lines of the messages `ids`, in no particular order. Read through the
    session's connection: the statement's columns are plain values, and the ORM's
    execution (its loading of each row) cost ~0.3 ms a page more for the same rows."""
    connection = session.connection()
    statement = _ROWS_BY_ID.get(connection.dialect.name)
    if statement is None:
        dialect = connection.dialect.name
        statement = _ROWS_BY_ID[dialect] = prepared(_rows().where(_among_page_ids(dialect)))
    return [QueueRow(*row) for row in connection.execute(statement, {"page_ids": list(ids)})]


def _queue_select(queue: Queue, user: User) -> Select[Any]:
    query = select(Message)
    if queue.states is not None:
        query = of_states(query, queue.states)
    if queue.own_only:
        query = query.where(Message.assignee_attorney_id == (user.attorney_id or -1))
    return query


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.label:
        query = query.where(Message.label == filters.label)
    if filters.state:
        query = query.where(Message.state == filters.state)
    if filters.client:
        query = query.where(Message.client_id == filters.client)
    if filters.matter:
        query = query.where(Message.matter_id == filters.matter)
    if filters.mailbox:
        query = query.where(Message.mailbox_id == filters.mailbox)
    if filters.assignee == "none":
        query = query.where(
            Message.assignee_user_id.is_(None), Message.assignee_attorney_id.is_(None)
        )
    elif filters.assignee and (who := parse_id(filters.assignee[2:])) is not None:
        column = (
            Message.assignee_user_id if filters.assignee[0] == "u" else Message.assignee_attorney_id
        )
        query = query.where(column == who)
    return query


def queue_page(
    session: Session,
    queue: Queue,
    user: User,
    filters: Filters,
    known_total: int | None = None,
    *,
    walls: bool = False,
    queue_total: int | None = None,
) -> Page:
    """One page of the queue. `known_total`: the queue's size when already counted (the
    navigation's counts), which only holds when no filter or search narrows it.
    `walls`: the firm's ethical walls are on (web/walls.py). `queue_total`: the whole
    queue's size, when counted already, for a search in it (web/search.py)."""
    base = _filtered(_queue_select(queue, user), filters)
    if filters.narrowed_apart_from_search:
        queue_total = None
    if walled(user, walls):
        base = base.where(visible_condition(user))
        known_total = queue_total = None  # the navigation counts the whole queue
    if known_total is not None and filters.narrowed:
        raise ValueError("a known total applies to the whole queue, not to a filtered one")
    found = None

    def searched(page: int) -> Any:
        # Counting every match of a common word costs more than the page; stop at a cap.
        return search_page(
            session,
            base,
            filters.search,
            order=QUEUE_ORDER,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            cap=SEARCH_COUNT_CAP + 1,
            base_size=queue_total,
        )

    if known_total is not None:
        total = known_total
    elif filters.search:
        found = searched(filters.page)
        total = found.total
    else:  # counted from the index: a subquery of whole rows would read every body
        total = session.scalar(base.with_only_columns(func.count()).select_from(Message)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    if found is not None and page != filters.page:  # asked past the last page: the last
        found = searched(page)
    if found is not None:  # ranked: the page in the search's order
        rank = {message_id: i for i, message_id in enumerate(found.ids)}
        messages = sorted(rows_by_id(session, found.ids), key=lambda row: rank[row.id])  # by key
        return Page(
            messages,
            total,
            page,
            pages,
            filters,
            capped=total > SEARCH_COUNT_CAP,
            corrected=found.corrected,
            problems=found.problems,
        )
    # The page's ids first, from the queue-order index alone (it holds state, label and
    # client), then those rows: reading each skipped row to test it cost ~13 ms a page.
    # (Skipping other queues' entries in it costs less than merging a queue's states.)
    page_ids = (
        base.with_only_columns(Message.id)
        .order_by(*QUEUE_ORDER)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    ordered = _rows().where(Message.id.in_(page_ids.scalar_subquery())).order_by(*QUEUE_ORDER)
    messages = [QueueRow(*row) for row in session.connection().execute(ordered)]
    return Page(messages, total, page, pages, filters, capped=total > SEARCH_COUNT_CAP)


def queue_counts(session: Session, user: User) -> dict[str, int]:
    """How many messages each queue holds, for the navigation (one grouped query)."""
    by_state = dict(
        session.execute(select(Message.state, func.count()).group_by(Message.state)).all()
    )
    counts = {}
    for name, queue in QUEUES.items():
        if queue.own_only and user.attorney_id is None:
            counts[name] = 0  # no attorney of the directory: nothing can be theirs
        elif queue.own_only:
            counts[name] = (
                session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(
                        Message.state == MessageState.ESCALATED,
                        Message.assignee_attorney_id == (user.attorney_id or -1),
                    )
                )
                or 0
            )
        elif queue.states is None:
            counts[name] = sum(by_state.values())
        else:
            counts[name] = sum(by_state.get(s, 0) for s in queue.states)
    return counts


def age(when: dt.datetime | None, now: dt.datetime) -> str:
    """How long a message has waited, as a queue shows it: 12 min, 5 h, 3 d."""
    if when is None:
        return ""
    if when.tzinfo is None:  # SQLite returns naive UTC
        when = when.replace(tzinfo=dt.UTC)
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h" if minutes < 2880 else f"{minutes // 1440} d"


def urgency(message: Message | QueueRow, now: dt.datetime) -> str | None:
    """'overdue', 'at-risk' (due within two hours) or None, for the badge."""
    due = message.sla_due_at
    if due is None or message.state not in (
        MessageState.TRIAGE,
        MessageState.NO_REPLY,
        MessageState.REVIEW,
        MessageState.ESCALATED,
        MessageState.RECEIVED,
    ):
        return None
    if due.tzinfo is None:  # SQLite returns naive UTC
        due = due.replace(tzinfo=dt.UTC)
    if due <= now:
        return "overdue"
    return "at-risk" if due - now <= AT_RISK else None
