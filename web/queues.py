"""The queue pages: triage, drafts, escalations, sent, quarantined, all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from inbox.models import LABELS, Attorney, Client, Mailbox, MessageState, User
from web import database
from web.auth import login_required, me
from web.queries import QUEUES, Filters, queue_counts, queue_page, urgency

blueprint = Blueprint("queues", __name__)


@blueprint.app_context_processor
def navigation() -> dict[str, Any]:
    """Queue counts for the navigation of every page a logged-in person sees."""
    if not current_user.is_authenticated:
        return {}
    return {"nav_counts": queue_counts(database.session(), me()), "queues": QUEUES}


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
    page = queue_page(database.session(), chosen, me(), filters)
    return render_template(
        "queue.html",
        queue=chosen,
        page=page,
        filters=filters,
        now=dt.datetime.now(dt.UTC),
        urgency=urgency,
        choices=filter_choices(),
    )
