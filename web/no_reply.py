"""The "No reply needed?" queue's actions: archive, open as a draft, move to triage.

The queue page itself is a queue like the others (web/queues.py, its own template);
these views check the role, call one function of rules/review.py, commit and redirect.
A VA clears the queue from the keyboard: x selects, y archives, s / b open a status /
billing draft, t moves to triage; the checked lines are archived, assigned or marked
done at once by web/bulk_actions.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for

from inbox.models import Message, RoutingDecision
from inbox.outgoing.outbox import OutboxError
from rules import review
from web import database
from web.auth import login_required, me
from web.permissions import allowed

blueprint = Blueprint("no_reply", __name__)


def _require(action: str) -> None:
    if not allowed(me().role, action):
        abort(403)


def _queue() -> Any:
    return redirect(url_for("queues.queue", name="noreply"))


def _message_or_404(message_id: int) -> Message:
    message = database.session().get(Message, message_id)
    if message is None:
        abort(404)
    return message


def _one(message_id: int, action: str, change: Any, done: Any, then: Any = None) -> Any:
    """`done`: what to tell the person, or a function of what `change` returned."""
    _require(action)
    message = _message_or_404(message_id)
    session = database.session()
    try:
        result = change(session, message)
        session.commit()
    except (review.ReviewError, OutboxError) as exc:
        session.rollback()
        flash(str(exc), "error")
        return _queue()
    flash(done(result) if callable(done) else done, "info")
    return then(message) if then else _queue()


def _routed(label: str, decision: RoutingDecision) -> str:
    """Say whether the new routing made a draft; if not, why: the guard or the missing
    data that stopped it, else the rule that decided (auto-replies are never answered)."""
    shown = label.replace("_", " ")
    if decision.action == "draft":
        return f"Routed as {shown}: the draft waits for review below."
    parts = decision.reason.split("; ")
    stops = [p for p in parts if p.startswith(("loop guard", "legal guard", "no draft"))]
    why = (stops or parts)[0]  # else the rule that decided
    return f"Routed as {shown}, but no draft was made ({decision.action}): {why}"


@blueprint.route("/messages/<int:message_id>/no-reply/archive", methods=["POST"])
@login_required
def archive(message_id: int) -> Any:
    return _one(
        message_id,
        "archive",
        lambda s, m: review.archive_no_reply(s, m, me()),
        "Archived: no reply needed.",
    )


@blueprint.route("/messages/<int:message_id>/no-reply/triage", methods=["POST"])
@login_required
def to_triage(message_id: int) -> Any:
    return _one(
        message_id,
        "to_triage",
        lambda s, m: review.no_reply_to_triage(s, m, me()),
        "Moved to triage.",
    )


@blueprint.route("/messages/<int:message_id>/no-reply/draft", methods=["POST"])
@login_required
def to_draft(message_id: int) -> Any:
    """Route it as a status or billing question: the VA lands on the message and its draft."""
    label = request.form.get("label", "")
    router = database.state().router()
    return _one(
        message_id,
        "open_draft",
        lambda s, m: review.no_reply_to_draft(s, m, label, me(), router),
        lambda decision: _routed(label, decision),
        then=lambda m: redirect(url_for("messages.show", message_id=m.id)),
    )
