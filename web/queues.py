"""The queue pages: triage, drafts, escalations, sent, quarantined, all."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from inbox.models import LABELS, Attorney, Client, Mailbox, MessageState, User
from rules.bulk import message_version
from web import database
from web.assignment import UNASSIGNED, Assignee, assignees
from web.auth import login_required, me
from web.bulk_actions import actions_for
from web.display import label_badge, row_reason, short_time, snippet, zone_label
from web.flow import remember_queue
from web.permissions import allowed
from web.queries import (
    QUEUES,
    SNIPPET_READ,
    Filters,
    QueueRow,
    age,
    queue_counts,
    queue_page,
    urgency,
)

blueprint = Blueprint("queues", __name__)
T = TypeVar("T")


SHORT_TTL = 2.0  # seconds; new mail shows in the counts this soon, our own actions at once


class ShortCache:
    """What every page of a process shows and nobody needs fresher than SHORT_TTL:
    the navigation's queue counts and the outbox's held mail, and the filters' choices
    (attorneys, users, clients, mailboxes).

    At 100,000 messages counting every message by state costs milliseconds, and the
    choices are four more queries on every page. Any form posted in this process
    forgets everything, so one's own action (a new user, a reassignment) shows at once."""

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        found = self._values.get(key)
        if found is not None and time.monotonic() - found[0] < SHORT_TTL:
            return found[1]
        value = compute()
        self._values[key] = (time.monotonic(), value)
        return value

    def forget(self) -> None:
        self._values = {}


def _cache() -> ShortCache:
    return current_app.extensions.setdefault("inbox_router_short", ShortCache())


def short_cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its value of less than SHORT_TTL ago in this process (ShortCache)."""
    return _cache().get(key, compute)


def nav_counts(user: User) -> dict[str, int]:
    # "My escalations" depends on the attorney, the rest does not.
    return _cache().get(
        ("counts", user.attorney_id), lambda: queue_counts(database.session(), user)
    )


@blueprint.app_context_processor
def navigation() -> dict[str, Any]:
    """Queue counts for the navigation of every page a logged-in person sees."""
    if not current_user.is_authenticated:
        return {}
    return {"nav_counts": nav_counts(me()), "queues": QUEUES}


@blueprint.after_app_request
def _forget_after_changes(response: Response) -> Response:
    if request.method == "POST":
        _cache().forget()
    return response


def _load_choices() -> dict[str, Any]:
    session = database.session()

    def rows(query: Any) -> list[tuple[Any, ...]]:  # plain tuples: kept past the session
        return [tuple(row) for row in session.execute(query)]

    return {
        "labels": LABELS,
        "states": MessageState.ALL,
        "attorneys": rows(select(Attorney.id, Attorney.name).order_by(Attorney.name)),
        "users": rows(
            select(User.id, User.name, User.email).where(User.active).order_by(User.email)
        ),
        "clients": rows(select(Client.id, Client.name).order_by(Client.name)),
        "mailboxes": rows(select(Mailbox.id, Mailbox.name).order_by(Mailbox.name)),
    }


def filter_choices() -> dict[str, Any]:
    """Who and what a queue can be filtered by, or a message reassigned to."""
    return _cache().get("choices", _load_choices)


def assignee_choices() -> list[Assignee]:
    """Who the checked lines of a queue can be assigned to (web/assignment.py)."""
    return _cache().get("assignees", lambda: assignees(database.session()))


class QueueLine(NamedTuple):
    """One line of a queue as shown, worked out here once rather than by template calls
    (fifty lines a page: each call from a template costs microseconds that add up). A
    named tuple, as QueueRow."""

    row: QueueRow
    href: str
    label: Markup  # the label's badge
    badge: str | None  # "overdue", "at-risk" or None
    due: str  # the SLA deadline in the firm's zone, "" when none
    age: str  # since it arrived here
    sent: str = ""  # the mail's own Date, in the firm's zone
    sent_iso: str = ""  # ...and as a <time> element's datetime
    snippet: str = ""  # the start of the new text, one line
    why: str = ""  # the triage reason, or the rule that fired
    handed_back_by: str | None = None  # the attorney who handed it back to the VAs
    hand_back_note: str = ""
    version: str = ""  # as a bulk action checks it (rules/bulk.py)


# A line shows this much of the new text (the query reads a little more, to end it
# at a word).
SNIPPET_SHOWN = 140
# A hand-back is news while the message waits for a VA; once a VA moved it on it is not.
_HANDED_BACK_STATES = (MessageState.TRIAGE, MessageState.RECEIVED, MessageState.NO_REPLY)


def queue_line(row: QueueRow, now: dt.datetime, zone: ZoneInfo, href_prefix: str) -> QueueLine:
    handed_back = row.handed_back_by is not None and row.state in _HANDED_BACK_STATES
    detail = row.hand_back if handed_back and isinstance(row.hand_back, dict) else {}
    note = detail.get("note")
    sent = row.sent_at or row.received_at
    if sent is not None and sent.tzinfo is None:  # SQLite returns naive UTC
        sent = sent.replace(tzinfo=dt.UTC)
    return QueueLine(
        row=row,
        href=f"{href_prefix}{row.id}",
        label=label_badge(row.label),
        badge=urgency(row, now),
        due=short_time(row.sla_due_at, zone=zone),
        age=age(row.received_at, now),
        sent=short_time(sent, zone=zone),
        sent_iso=sent.isoformat() if sent else "",
        snippet=snippet(row.snippet, SNIPPET_SHOWN, cut=len(row.snippet or "") > SNIPPET_READ),
        # A hand-back is why it is back here; the escalation's reason would mislead.
        why="" if handed_back else row_reason(row.state, row.reason, row.rules_fired),
        handed_back_by=row.handed_back_by if handed_back else None,
        hand_back_note=str(note or ""),
        version=message_version(
            row.state, row.assignee_user_id, row.assignee_attorney_id, row.label
        ),
    )


def queue_lines(
    rows: list[QueueRow], now: dt.datetime, zone: ZoneInfo, href_prefix: str
) -> list[QueueLine]:
    return [queue_line(row, now, zone, href_prefix) for row in rows]


@blueprint.route("/queue/<name>")
@login_required
def queue(name: str) -> Any:
    chosen = QUEUES.get(name)
    if chosen is None:
        abort(404)
    filters = Filters.from_args(request.args)
    # The whole queue's size is in the navigation's counts already (a count of every
    # row costs milliseconds on PostgreSQL at 100,000 messages).
    counted = nav_counts(me())[name]
    known = None if filters.narrowed else counted
    walls = database.settings().ethical_walls
    page = queue_page(
        database.session(), chosen, me(), filters, known, walls=walls, queue_total=counted
    )
    # Every line links to /messages/<id>: the address is built once, not fifty times.
    href_prefix = url_for("messages.show", message_id=0).removesuffix("0")
    here = request.full_path.rstrip("?")
    remember_queue(here, [row.id for row in page.messages])
    now, zone = dt.datetime.now(dt.UTC), ZoneInfo(database.settings().timezone)
    bulk = actions_for(name, me().role)  # checkboxes and a bar of actions, or none
    return render_template(
        chosen.template,
        queue=chosen,
        page=page,
        lines=queue_lines(page.messages, now, zone, href_prefix),
        zone_name=zone_label(zone, now),
        filters=filters,
        choices=filter_choices(),
        can=lambda action: allowed(me().role, action),
        bulk=bulk,
        back=here,
        assignees=assignee_choices() if "assign" in bulk else [],
        unassigned=UNASSIGNED,
    )
