"""Bulk actions on a queue's checked lines: archive, assign, mark done.

One POST (with its CSRF token) per action; the role is checked for the action, each
message goes through the same rules/review.py function as its single action, and a
message changed since the page showed it is skipped (rules/bulk.py). The flash says how
many were changed and which were skipped, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy.orm import Session

from inbox.models import Message
from rules import bulk, review
from web import assignment, database
from web.auth import login_required, me
from web.display import plural
from web.permissions import allowed
from web.walls import may_see

blueprint = Blueprint("bulk_actions", __name__)

# The queues with checkboxes and what their lines can be given at once; the permission
# each needs (web/permissions.py) is the single action's.
QUEUE_ACTIONS = {
    "triage": ("assign", "done"),
    "noreply": ("archive", "assign", "done"),
    "mine": ("assign", "done"),
}
PERMISSION = {"archive": "archive", "assign": "reassign", "done": "done"}
DONE_WORDS = {"archive": "Archived", "assign": "Assigned", "done": "Marked done"}
SKIPS_NAMED = 5  # the flash names this many skipped messages, then counts the rest


def actions_for(queue: str, role: str) -> tuple[str, ...]:
    """The bulk actions a person with `role` is offered on `queue` (none: no checkboxes)."""
    return tuple(a for a in QUEUE_ACTIONS.get(queue, ()) if allowed(role, PERMISSION[a]))


def _archive(session: Session, message: Message) -> None:
    review.archive_no_reply(session, message, me())


def _done(session: Session, message: Message) -> None:
    review.mark_done(session, message, me())


def _assign(value: str) -> tuple[Callable[[Session, Message], None], str]:
    """The change for "assign to `value`" and the person's name, as the single action
    does it; a value naming nobody who can take work is refused before anything changes."""
    if not value:
        raise review.ReviewError("Choose who to assign the selected messages to")
    session = database.session()
    try:
        user, attorney = assignment.chosen_person(session, value)
    except assignment.AssignmentError as exc:
        raise review.ReviewError(str(exc)) from None
    if user is None and attorney is None:
        return (lambda s, m: review.unassign(s, m, me())), "nobody (unassigned)"

    def change(s: Session, m: Message) -> None:
        review.reassign(s, m, me(), to_user=user, to_attorney=attorney)

    if attorney is not None:
        return change, attorney.name
    return change, (user.name or user.email) if user is not None else ""


def _back(queue: str) -> Any:
    """The queue page the form was on, with its filters (only a page of that queue)."""
    back = request.form.get("back", "")
    if back.startswith(f"/queue/{queue}") and "//" not in back:
        return redirect(request.script_root + back)
    return redirect(url_for("queues.queue", name=queue))


def summary(action: str, outcome: bulk.Outcome, to: str = "") -> str:
    """'Assigned 2 messages to Dana Reyes. Skipped 1: #12 changed by sam@... since ...'"""
    said = f"{DONE_WORDS[action]} {plural(len(outcome.changed), 'message')}"
    said += f" to {to}." if to else "."
    if outcome.skipped:
        named = "; ".join(f"#{s.message_id} {s.why}" for s in outcome.skipped[:SKIPS_NAMED])
        more = len(outcome.skipped) - SKIPS_NAMED
        named += f"; and {more} more" if more > 0 else ""
        said += f" Skipped {len(outcome.skipped)}: {named}."
    return said


@blueprint.route("/queue/<name>/bulk", methods=["POST"])
@login_required
def apply(name: str) -> Any:
    action = request.form.get("action", "")
    if action not in QUEUE_ACTIONS.get(name, ()):
        abort(404 if name not in QUEUE_ACTIONS else 400)
    if not allowed(me().role, PERMISSION[action]):
        abort(403)
    picks = bulk.read_picks(request.form.getlist("message"))
    if not picks:
        flash("Select the messages first: x selects a line, or the box above the list.", "error")
        return _back(name)
    session = database.session()
    walls = database.settings().ethical_walls
    try:
        to = ""
        if action == "assign":
            change, to = _assign(request.form.get("assignee", ""))
        else:
            change = _archive if action == "archive" else _done
        outcome = bulk.apply_each(
            session, picks, me(), change, may_see=lambda m: may_see(session, me(), m, walls)
        )
        session.commit()
    except review.ReviewError as exc:
        session.rollback()
        flash(f"{exc}. Nothing was changed.", "error")
        return _back(name)
    flash(summary(action, outcome, to), "info" if outcome.changed else "error")
    return _back(name)
