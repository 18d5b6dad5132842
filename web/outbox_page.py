"""The outbox page: mail that needs a person (held, failed, sending), for VAs and admins.

Each action reads the entry id, calls inbox/outgoing/attention.py (which applies the
decision through the outbox and audits it), commits and redirects back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from inbox.db import prepared
from inbox.models import OutboxEntry, OutboxState
from inbox.outgoing.attention import actions_for, apply, needing_attention
from inbox.outgoing.outbox import OutboxError
from web import database
from web.auth import me, roles
from web.queues import short_cached

blueprint = Blueprint("outbox", __name__, url_prefix="/outbox")
DONE = {
    "release": "Recipients confirmed: mail {id} is queued to send.",
    "resend": "Mail {id} is queued to send again.",
    "delivered": "Mail {id} is recorded as delivered.",
    "cancel": "Mail {id} is cancelled; it will not be sent.",
}


_HELD = prepared(
    select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == OutboxState.HELD)
)


@blueprint.app_context_processor
def held_count() -> dict[str, Any]:
    """How many mails wait for a person, beside "Outbox" in the navigation (VA, admin)."""
    if not current_user.is_authenticated or current_user.record.role not in ("va", "admin"):
        return {}
    # A navigation count, as the queues' (web/queues.py): a query less on every page.
    count = short_cached("held", lambda: database.session().scalar(_HELD) or 0)
    return {"outbox_held": count}


@blueprint.route("")
@roles("va", "admin")
def index() -> Any:
    entries = needing_attention(database.session())
    return render_template("outbox.html", entries=entries, actions_for=actions_for)


@blueprint.route(
    "/<int:entry_id>/<any(release, resend, delivered, cancel):action>", methods=["POST"]
)
@roles("va", "admin")
def act(entry_id: int, action: str) -> Any:
    session = database.session()
    try:
        apply(session, entry_id, action, me(), request.form.get("reason", ""))
        session.commit()
    except OutboxError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        flash(DONE[action].format(id=entry_id), "info")
    return redirect(url_for("outbox.index"))
