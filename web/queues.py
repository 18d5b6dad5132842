"""The queue pages: triage, drafts, escalations, sent, quarantined, all."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from inbox.models import LABELS, Attorney, Client, Mailbox, MessageState, User
from web import database
from web.auth import login_required, me
from web.queries import QUEUES, Filters, age, queue_counts, queue_page, urgency

blueprint = Blueprint("queues", __name__)


COUNTS_TTL = 2.0  # seconds; new mail shows in the counts this soon, our own actions at once


class CountsCache:
    """The navigation's queue counts, shared by the requests of one process for a moment.

    Counting every message by state costs a few milliseconds on every page at 100,000
    messages; a person clicking through the queue does not need them fresher than
    COUNTS_TTL. Any form posted in this process forgets them, so an action shows."""

    def __init__(self) -> None:
        self._counts: dict[int | None, tuple[float, dict[str, int]]] = {}

    def get(self, user: User) -> dict[str, int]:
        key = user.attorney_id  # "my escalations" depends on it, the rest does not
        found = self._counts.get(key)
        if found is not None and time.monotonic() - found[0] < COUNTS_TTL:
            return found[1]
        counts = queue_counts(database.session(), user)
        self._counts[key] = (time.monotonic(), counts)
        return counts

    def forget(self) -> None:
        self._counts = {}


def _cache() -> CountsCache:
    return current_app.extensions.setdefault("inbox_router_counts", CountsCache())


@blueprint.app_context_processor
def navigation() -> dict[str, Any]:
    """Queue counts for the navigation of every page a logged-in person sees."""
    if not current_user.is_authenticated:
        return {}
    return {"nav_counts": _cache().get(me()), "queues": QUEUES}


@blueprint.after_app_request
def _forget_counts_after_changes(response: Response) -> Response:
    if request.method == "POST":
        _cache().forget()
    return response


def filter_choices() -> dict[str, Any]:
    session = database.session()
    return {
        "labels": LABELS,
        "states": MessageState.ALL,
        "attorneys": session.execute(
            select(Attorney.id, Attorney.name).order_by(Attorney.name)
        ).all(),
        "users": session.execute(
            select(User.id, User.name, User.email).where(User.active).order_by(User.email)
        ).all(),
        "clients": session.execute(select(Client.id, Client.name).order_by(Client.name)).all(),
        "mailboxes": session.execute(select(Mailbox.id, Mailbox.name).order_by(Mailbox.name)).all(),
    }


@blueprint.route("/queue/<name>")
@login_required
def queue(name: str) -> Any:
    chosen = QUEUES.get(name)
    if chosen is None:
        abort(404)
    filters = Filters.from_args(request.args)
    # The whole queue's size is in the navigation's counts already (a count of every
    # row costs milliseconds on PostgreSQL at 100,000 messages).
    known = None if filters.narrowed else _cache().get(me())[name]
    page = queue_page(database.session(), chosen, me(), filters, known)
    return render_template(
        "queue.html",
        queue=chosen,
        page=page,
        filters=filters,
        now=dt.datetime.now(dt.UTC),
        urgency=urgency,
        age=age,
        choices=filter_choices(),
    )
