"""Undo send: the toast on the page after an approval, and its Undo button.

An approved reply waits `undo_seconds` in the outbox (inbox/outgoing/outbox.py
queue_reply); the approval's view calls `offer_undo`, the next page shows the toast
(base.html, counted down by app.js), and the button posts here (CSRF like every form).
Only the person who approved it (or an admin) may take it back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, session, url_for
from flask_login import current_user

from inbox.models import Message, OutboxEntry, OutboxState
from inbox.outgoing.outbox import OutboxError, undo_send
from web import database
from web.auth import login_required, me
from web.walls import may_see

blueprint = Blueprint("undo", __name__)
UNDO_KEY = "undo"


def offer_undo(entry: OutboxEntry, what: str) -> bool:
    """Show the Undo toast on the next page, for an entry that waits its window; False
    when there is nothing to undo (held for a person, or no window configured)."""
    until = entry.next_attempt_at
    if entry.state != OutboxState.QUEUED or until is None:
        return False
    if until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    if until <= dt.datetime.now(dt.UTC):
        return False
    session[UNDO_KEY] = {"id": entry.id, "until": until.isoformat(), "what": what}
    return True


@blueprint.app_context_processor
def undo_toast() -> dict[str, Any]:
    """The toast, once: on the first page rendered after the approval."""
    if not current_user.is_authenticated or UNDO_KEY not in session:
        return {}
    offer = session.pop(UNDO_KEY)
    if not isinstance(offer, dict):
        return {}
    try:
        until = dt.datetime.fromisoformat(str(offer["until"]))
        entry_id = int(offer["id"])
    except (KeyError, TypeError, ValueError):
        return {}
    left = (until - dt.datetime.now(dt.UTC)).total_seconds()
    if left <= 0:
        return {}
    return {
        "undo_offer": {
            "id": entry_id,
            "what": str(offer.get("what", "Sent")),
            "until": until.isoformat(),
            "seconds": int(left + 0.999),
        }
    }


@blueprint.route("/outbox/<int:entry_id>/undo", methods=["POST"])
@login_required
def undo(entry_id: int) -> Any:
    """Take the reply back: the draft is pending again, on its message page."""
    db = database.session()
    entry = db.get(OutboxEntry, entry_id)
    message = db.get(Message, entry.message_id) if entry is not None and entry.message_id else None
    if entry is None or message is None:
        abort(404)
    user = me()
    if not may_see(db, user, message, database.settings().ethical_walls):
        abort(404)
    if user.role != "admin" and entry.created_by_id != user.id:
        abort(403)
    message_id = message.id
    try:
        undo_send(db, entry, user)
        db.commit()
    except OutboxError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        flash("Undone: nothing was sent. The reply is back as a draft.", "info")
    return redirect(url_for("messages.show", message_id=message_id))
