"""The message page and the actions on it.

Each action view checks the role, reads its fields, calls one domain function
(rules/review.py or inbox/outgoing/outbox.py), commits and redirects. A refused action
(stale draft, wrong state) shows its reason and changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm.exc import StaleDataError

from inbox.mail.html_text import limit_nesting, without_remote_images
from inbox.models import LABELS, OWN_WORDS, Attachment, Attorney, Draft, Message, OutboxEntry
from inbox.outgoing.outbox import OutboxError, draft_recipients, outside_recipients, queue_reply
from rules import compose, review
from web import assignment, database
from web.auth import login_required, me
from web.compose_page import ComposeForm, compose_context
from web.download_names import content_disposition
from web.flow import after_action, queue_context
from web.ids import parse_id
from web.message_page import load_message, load_message_page
from web.permissions import allowed
from web.queues import assignee_choices, filter_choices
from web.security import MAIL_POLICY
from web.undo import offer_undo
from web.walls import may_see

blueprint = Blueprint("messages", __name__)
STALE = (
    "Someone else saved this draft after you opened it. Your changes were not saved: "
    "the form shows the draft as it is now, and your text is kept below it so you can copy it."
)


def message_or_404(message_id: int) -> Message:
    """The message, unless it does not exist or the ethical walls keep this user out
    (a 404 either way: a wall does not confirm that a message exists)."""
    session = database.session()
    message = load_message(session, message_id)
    if message is None or not may_see(session, me(), message, database.settings().ethical_walls):
        abort(404)
    return message


def _require(action: str) -> None:
    if not allowed(me().role, action):
        abort(403)


def _back(message: Message) -> Any:
    return redirect(url_for("messages.show", message_id=message.id))


def render_message(
    message: Message,
    status: int = 200,
    unsaved: dict[str, str] | None = None,
    *,
    stale: bool = False,
    compose: ComposeForm | None = None,
    preview: dict[str, str] | None = None,
) -> Any:
    """`unsaved`: the person's text from a refused save. When the refusal is because
    someone else saved first (`stale`), the form shows the draft as it is now and the
    person's text beside it: left in the form, with the form's new version, one more
    click would overwrite the other person's edit unseen. `compose`: the reply box as
    the person typed it (a refused or previewed reply); `preview`: the mail it makes."""
    session = database.session()
    page = load_message_page(session, message, me())
    reply_box = compose_context(
        session, message, me(), database.settings(), page.draft, kept=compose, preview=preview
    )
    to, cc = draft_recipients(message, page.draft, database.settings()) if page.draft else ([], [])
    return (
        render_template(
            "message.html",
            page=page,
            recipients={"to": ", ".join(to), "cc": ", ".join(cc)},
            held_for=outside_recipients(session, message, [*to, *cc]) if page.draft else [],
            labels=LABELS,
            can=lambda action: allowed(me().role, action),
            unsaved=unsaved,
            stale=stale,
            choices=filter_choices(),
            assignees=assignee_choices(),
            assigned=assignment.current_assignee(message),
            unassigned=assignment.UNASSIGNED,
            view=request.args.get("view", "html"),
            signer=me().name if database.settings().sign_off_with_approver else "",
            flow=queue_context(message.id),
            undo_window=int(database.settings().undo_seconds),
            **reply_box,
        ),
        status,
    )


@blueprint.route("/messages/<int:message_id>")
@login_required
def show(message_id: int) -> Any:
    message = message_or_404(message_id)
    session = database.session()
    review.record_view(session, message, me(), message.label)
    session.commit()
    return render_message(message)


@blueprint.route("/messages/<int:message_id>/body")
@login_required
def body(message_id: int) -> Response:
    """The sanitized HTML of the mail, for a sandboxed frame with its own strict policy."""
    message = message_or_404(message_id)
    if message.html_remote_images is None:  # stored before ingest cleaned it for display
        html, blocked = without_remote_images(limit_nesting(message.html_body or ""))
    else:
        html, blocked = message.html_body or "", message.html_remote_images
    notice = (
        f"<p style='font:13px sans-serif;color:#6b5200;background:#fdf3dc;padding:4px 8px'>"
        f"{blocked} remote image{'s' if blocked != 1 else ''} not loaded.</p>"
        if blocked
        else ""
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<base target='_blank'></head><body>" + notice + html + "</body></html>"
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_POLICY
    return response


@blueprint.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    """Always a download, never rendered in our origin (an HTML attachment could script)."""
    found = database.session().get(Attachment, attachment_id)
    if found is None:
        abort(404)
    message_or_404(found.message_id)  # the message's walls hold for its files
    default = f"attachment-{found.id}"
    response = Response(found.content, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = content_disposition(found.filename or "", default)
    return response


def _draft(message: Message, draft_id: int) -> Draft:
    draft = database.session().get(Draft, draft_id)
    if draft is None or draft.message_id != message.id:
        abort(404)
    return draft


def _version() -> int:
    version = parse_id(request.form.get("version"))
    if version is None:
        abort(400, "the form has no draft version")
    return version


@blueprint.route("/messages/<int:message_id>/drafts/<int:draft_id>", methods=["POST"])
@login_required
def save_draft(message_id: int, draft_id: int) -> Any:
    """Save, approve and send, or discard: the draft form's three buttons."""
    message = message_or_404(message_id)
    draft = _draft(message, draft_id)
    intent = request.form.get("intent", "save")
    action = {"save": "edit_draft", "approve": "approve", "discard": "discard"}.get(intent)
    if action is None:
        abort(400, "unknown intent")
    _require(action)
    session = database.session()
    fields = {
        "subject": request.form.get("subject", ""),
        "body_text": request.form.get("body", ""),
    }
    typed = {"to": request.form.get("to"), "cc": request.form.get("cc")}
    entry: OutboxEntry | None = None
    try:
        if intent == "discard":
            review.discard_draft(session, draft, me(), expected_version=_version())
            done = "Draft discarded; the message is back in triage."
        else:
            review.edit_draft(
                session,
                draft,
                expected_version=_version(),
                user=me(),
                **fields,
                **_changed_recipients(message, draft, typed),
                quote=request.form.get("quote") == "on" if draft.template in OWN_WORDS else None,
            )
            change_files(session, draft)
            done = "Draft saved."
            if intent == "approve":
                entry = queue_with_undo(session, draft)
                review.mark_sending(message, entry)
                done = (
                    f"Reply held: {entry.hold_reason}"
                    if entry.hold_reason
                    else "Approved: the reply is in the outbox."
                )
        session.commit()
    except (review.StaleEdit, StaleDataError):
        session.rollback()
        flash(STALE, "error")
        return render_message(message, 409, unsaved=fields | _kept(typed), stale=True)
    except (review.ReviewError, OutboxError) as exc:
        session.rollback()
        flash(str(exc), "error")
        return render_message(message, 422, unsaved=fields | _kept(typed))
    if intent == "save":
        flash(done, "info")
        return _back(message)
    offered = entry is not None and offer_undo(
        entry, f"Reply to {', '.join(entry.to_addrs)} approved"
    )
    if not offered:  # discarded, held for a person, or no undo window: say so
        flash(done, "info")
    return after_action(message.id)


def uploaded_files() -> list[tuple[str, bytes]]:
    """The files of the form's file field (an empty field sends one nameless part)."""
    return [
        (upload.filename or "", upload.read())
        for upload in request.files.getlist("files")
        if upload.filename
    ]


def change_files(session: Any, draft: Draft) -> None:
    """The form's files: take off the ticked ones, add the uploaded ones (checked)."""
    ticked = [i for i in map(parse_id, request.form.getlist("remove_file")) if i is not None]
    compose.remove_files(session, draft, me(), ticked)
    limit = database.settings().max_attachment_bytes
    compose.attach_files(session, draft, me(), uploaded_files(), limit)


def queue_with_undo(session: Any, draft: Draft) -> OutboxEntry:
    """Queue an approved reply to wait the undo window (INBOX_ROUTER_UNDO_SECONDS)."""
    settings = database.settings()
    return queue_reply(session, draft, me(), settings, undo_seconds=settings.undo_seconds)


def _changed_recipients(
    message: Message, draft: Draft, typed: dict[str, str | None]
) -> dict[str, list[str]]:
    """The To/Cc lists the person changed on the form (a form without them changes none)."""
    to, cc = draft_recipients(message, draft, database.settings())
    current = {"to": to, "cc": cc}
    changed = {}
    for field, text in typed.items():
        if text is not None:
            wanted = review.address_list(text, field.title())
            if [a.lower() for a in wanted] != [a.lower() for a in current[field]]:
                changed[field] = wanted
    return changed


def _kept(typed: dict[str, str | None]) -> dict[str, str]:
    return {field: text for field, text in typed.items() if text is not None}


def _apply(message: Message, action: str, change: Any, done: str, *, then: Any = None) -> Any:
    """Run one domain change for an action, commit, and say what happened; then land on
    the message again, or where `then` (a function of the message id) says."""
    _require(action)
    session = database.session()
    try:
        change(session)
        session.commit()
    except (review.ReviewError, OutboxError) as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(message)
    if done:
        flash(done, "info")
    return then(message.id) if then is not None else _back(message)


@blueprint.route("/messages/<int:message_id>/relabel", methods=["POST"])
@login_required
def relabel(message_id: int) -> Any:
    message = message_or_404(message_id)
    label = request.form.get("label", "")
    router = database.state().router()
    return _apply(
        message,
        "relabel",
        lambda s: review.relabel(s, message, label, me(), router),
        f"Relabelled as {label.replace('_', ' ')} and routed again.",
    )


@blueprint.route("/messages/<int:message_id>/reassign", methods=["POST"])
@login_required
def reassign(message_id: int) -> Any:
    message = message_or_404(message_id)

    def change(session: Any) -> None:
        try:
            user, attorney = assignment.chosen_person(session, request.form.get("assignee", ""))
        except assignment.AssignmentError as exc:
            raise review.ReviewError(str(exc)) from None
        if user is None and attorney is None:
            review.unassign(session, message, me())
        else:
            review.reassign(session, message, me(), to_user=user, to_attorney=attorney)

    return _apply(message, "reassign", change, "Reassigned.")


@blueprint.route("/messages/<int:message_id>/escalate", methods=["POST"])
@login_required
def escalate(message_id: int) -> Any:
    message = message_or_404(message_id)
    number = parse_id(request.form.get("attorney"))
    attorney = database.session().get(Attorney, number) if number is not None else None
    if attorney is None:
        flash("Choose the attorney to escalate to.", "error")
        return _back(message)
    note = request.form.get("note", "")
    return _apply(
        message,
        "escalate",
        lambda s: review.escalate(s, message, me(), attorney, database.state().router(), note),
        f"Escalated to {attorney.name}.",
    )


@blueprint.route("/messages/<int:message_id>/done", methods=["POST"])
@login_required
def done(message_id: int) -> Any:
    message = message_or_404(message_id)
    return _apply(
        message,
        "done",
        lambda s: review.mark_done(s, message, me()),
        "Marked done.",
        then=after_action,
    )


@blueprint.route("/messages/<int:message_id>/notes", methods=["POST"])
@login_required
def note(message_id: int) -> Any:
    message = message_or_404(message_id)
    body = request.form.get("body", "")
    return _apply(message, "note", lambda s: review.add_note(s, message, me(), body), "Note added.")


@blueprint.route("/messages/<int:message_id>/handback", methods=["POST"])
@login_required
def hand_back(message_id: int) -> Any:
    message = message_or_404(message_id)
    note = request.form.get("note", "")
    return _apply(
        message,
        "hand_back",
        lambda s: review.hand_back(s, message, me(), note),
        "Handed back to the VAs' triage queue.",
    )
