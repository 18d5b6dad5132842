"""The reply box: a VA's own reply and an attorney's reply to an escalation.

One form, four buttons (`intent`): fill in a saved reply, preview the mail, save it as
a draft (a VA's), or send it (through the outbox's undo window). Filling in and
previewing change nothing: the page comes back with the person's text and, for a
preview, the mail as it will go. A refused reply comes back the same way, with why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, request, url_for

from inbox.firm import firm_name
from inbox.models import Draft, Message
from inbox.outgoing.outbox import OutboxError
from rules import compose, review
from rules.snippets import SnippetError, render_snippet, snippet_fields
from web import database, snippet_store
from web.auth import login_required, me
from web.compose_page import (
    ATTORNEY_BOX,
    VA_BOX,
    ComposeForm,
    default_form,
    preview_text,
    reply_box,
)
from web.flow import after_action
from web.ids import parse_id
from web.message_page import load_message_page
from web.messages import change_files, message_or_404, queue_with_undo, render_message
from web.undo import offer_undo

blueprint = Blueprint("compose", __name__)
INTENTS = ("snippet", "preview", "save", "send")


@blueprint.route("/messages/<int:message_id>/reply", methods=["POST"])
@login_required
def reply(message_id: int) -> Any:
    message = message_or_404(message_id)
    session = database.session()
    page = load_message_page(session, message, me())
    box = reply_box(message, me(), page.draft)
    intent = request.form.get("intent", "send")
    if box is None:
        abort(403)
    if intent not in INTENTS or (intent == "save" and box != VA_BOX):
        abort(400, "unknown intent")
    defaults = default_form(session, message, me(), database.settings(), box)
    form = ComposeForm.from_form(request.form, defaults)
    try:
        if intent == "snippet":
            form.body = _with_snippet(message, form)
            return render_message(message, compose=form)
        if intent == "preview":
            settings = database.settings()
            firm = firm_name(session, settings)
            preview = preview_text(message, me(), settings, form, firm)
            return render_message(message, compose=form, preview=preview)
        draft = _write(session, message, box, form)
        change_files(session, draft)
        entry = queue_with_undo(session, draft) if intent == "send" else None
        if entry is not None:
            review.mark_sending(message, entry)
        session.commit()
    except (review.ReviewError, OutboxError, SnippetError) as exc:
        session.rollback()
        flash(str(exc), "error")
        return render_message(message, 422, compose=form)
    if entry is None:
        flash("Draft saved.", "info")
        return redirect(url_for("messages.show", message_id=message.id))
    if box == ATTORNEY_BOX:
        what = "Your reply is in the outbox"
    else:
        what = f"Reply to {', '.join(entry.to_addrs)} approved"
    if entry.hold_reason:
        flash(f"Reply held: {entry.hold_reason}", "info")
    elif not offer_undo(entry, what):
        flash("Your reply is in the outbox.", "info")
    if box == VA_BOX:
        return after_action(message.id)
    return redirect(url_for("messages.show", message_id=message.id))


def _write(session: Any, message: Message, box: str, form: ComposeForm) -> Draft:
    """The reply as a draft: an attorney's (queued as written) or a VA's own."""
    to = review.address_list(form.to, "To")
    cc = review.address_list(form.cc, "Cc")
    if not to:
        raise review.ReviewError("To: the reply needs at least one address")
    if box == ATTORNEY_BOX:
        return compose.attorney_draft(
            session, message, me(), form.body, subject=form.subject, to=to, cc=cc, quote=form.quote
        )
    return compose.compose_draft(
        session,
        message,
        me(),
        subject=form.subject,
        body_text=form.body,
        to=to,
        cc=cc,
        quote=form.quote,
    )


def _with_snippet(message: Message, form: ComposeForm) -> str:
    """The reply's text with the chosen saved reply filled in for this message (after
    what the person already wrote)."""
    session, settings = database.session(), database.settings()
    snippet = snippet_store.usable_one(session, me(), parse_id(form.snippet))
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    text = render_snippet(
        snippet.body, snippet_fields(message, me(), firm_name(session, settings), today)
    )
    flash(f"Filled in from the saved reply {snippet.title!r}: check it before sending.", "info")
    return f"{form.body.rstrip()}\n\n{text}" if form.body.strip() else text
