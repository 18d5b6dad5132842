"""What the message page's reply box shows (no Flask here): who may write there, the
form's values (the reply-all defaults, or what the person typed), their saved replies,
signature, the files already on the reply, the quoted original and a preview.

Two boxes share one form: a VA's reply (`va`) on any message without a draft, except
an escalation (a legal question is the attorney's to answer) or quarantined mail; and
an attorney's reply (`attorney`) on an escalation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from inbox.mail.filetypes import megabytes
from inbox.models import OWN_WORDS, Draft, DraftFile, Message, MessageState, User
from inbox.outgoing.outbox import (
    default_recipients,
    outside_recipients,
    own_words_text,
    quoted_original,
    reply_sender,
)
from inbox.settings import Settings
from rules.compose import draft_files, pending_attorney_draft
from rules.drafting import reply_subject
from rules.review import QUOTE_ORIGINAL
from web import snippet_store
from web.permissions import allowed

VA_BOX, ATTORNEY_BOX = "va", "attorney"


@dataclass
class ComposeForm:
    """The reply box's fields as text, the way the form sends them."""

    to: str
    cc: str
    subject: str
    body: str
    quote: bool = True
    snippet: str = ""
    file_ids: list[int] = field(default_factory=list)  # files to take off the reply

    @classmethod
    def from_form(cls, form: Any, defaults: ComposeForm) -> ComposeForm:
        """The typed fields; a field the form does not have keeps its default (a form
        without To and Cc replies to all, as before there were any)."""
        return cls(
            to=form.get("to", defaults.to),
            cc=form.get("cc", defaults.cc),
            subject=form.get("subject", defaults.subject),
            body=form.get("body", ""),
            quote=form.get("quote") == "on",
            snippet=form.get("snippet", ""),
        )


def reply_box(message: Message, user: User, draft: Draft | None) -> str | None:
    """Which reply box the page offers this person, if any."""
    if message.state == MessageState.QUARANTINED:
        return None
    if message.state == MessageState.ESCALATED:
        return ATTORNEY_BOX if allowed(user.role, "reply") else None
    if draft is None and allowed(user.role, "compose"):
        return VA_BOX
    return None


def default_form(
    session: Session, message: Message, user: User, settings: Settings, box: str
) -> ComposeForm:
    """Reply-all, "Re:" and the original's subject, the original quoted; an attorney's
    reply taken back with Undo comes back as they wrote it."""
    taken_back = pending_attorney_draft(session, message) if box == ATTORNEY_BOX else None
    to, cc = default_recipients(message, settings)
    if taken_back is not None:
        return ComposeForm(
            to=", ".join(taken_back.to_addrs or to),
            cc=", ".join(taken_back.cc_addrs if taken_back.cc_addrs is not None else cc),
            subject=taken_back.subject,
            body=taken_back.body_text,
            quote=bool((taken_back.data or {}).get(QUOTE_ORIGINAL)),
        )
    return ComposeForm(
        to=", ".join(to), cc=", ".join(cc), subject=reply_subject(message.subject), body=""
    )


def preview_text(
    message: Message, user: User, settings: Settings, form: ComposeForm, firm: str
) -> dict[str, str]:
    """The mail as it will go: sender, recipients, subject and the whole text (the HTML
    part is this text, escaped); `firm`: the name it is sent under (inbox/firm.py)."""
    sender, reply_to = reply_sender(user, settings, firm)
    return {
        "from": sender,
        "reply_to": reply_to or "",
        "to": form.to,
        "cc": form.cc,
        "subject": form.subject,
        "text": own_words_text(form.body, user, message, settings, quote=form.quote),
    }


def compose_context(
    session: Session,
    message: Message,
    user: User,
    settings: Settings,
    draft: Draft | None,
    *,
    kept: ComposeForm | None = None,
    preview: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the reply box and the draft form's files need, for the template."""
    box = reply_box(message, user, draft)
    own = draft if draft is not None and draft.template in OWN_WORDS else None
    files: list[DraftFile] = []
    if box == ATTORNEY_BOX:
        taken_back = pending_attorney_draft(session, message)
        files = draft_files(session, taken_back.id) if taken_back is not None else []
    elif draft is not None:
        files = draft_files(session, draft.id)
    form = kept or (default_form(session, message, user, settings, box) if box else None)
    held: list[str] = []
    if form is not None:
        typed = [a for a in (form.to + "," + form.cc).replace(";", ",").split(",") if a.strip()]
        held = outside_recipients(session, message, [a.strip() for a in typed])
    return {
        "box": box,
        "compose": form,
        "compose_held_for": held,
        "snippets": snippet_store.usable(session, user) if box else [],
        "signature": user.signature or "",
        "quoted": quoted_original(message, settings) if box or own else "",
        "own_words": own is not None,
        "quote_on": bool((own.data or {}).get(QUOTE_ORIGINAL)) if own is not None else False,
        "files": files,
        "preview": preview,
        "max_attachment": megabytes(settings.max_attachment_bytes),
    }
