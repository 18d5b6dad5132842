"""The one place a human decision is applied; the web UI and the CLI only call it.

Each function takes the session first, records the action in the audit log, and
leaves the commit to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from classifier.policy import Decision
from classifier.predict import Prediction
from inbox.audit import audit
from inbox.mail.build import html_from_text
from inbox.mail.parse import parse_message
from inbox.message_rows import newest, withdraw_pending_drafts
from inbox.models import (
    LABELS,
    Attorney,
    Classification,
    Draft,
    Message,
    MessageState,
    Note,
    OutboxEntry,
    RoutingDecision,
    User,
)
from rules.record import notify, store_result
from rules.route import Router

# A draft's data key: a reply in a person's own words quotes the original below it.
QUOTE_ORIGINAL = "quote_original"


class ReviewError(ValueError):
    """The action cannot be applied; the text says why."""


def relabel(
    session: Session, message: Message, label: str, user: User | None, router: Router
) -> RoutingDecision:
    """Store a human label (a correction for retraining) and route the message again."""
    if label not in LABELS:
        raise ReviewError(f"unknown label {label!r}; use one of {', '.join(LABELS)}")
    if message.raw is None:
        raise ReviewError(f"message {message.id} has no raw content to route")
    before = newest(session, Classification, message.id)
    previous = before.label if before is not None else None
    withdraw_pending_drafts(session, message.id)
    scores = {name: 1.0 if name == label else 0.0 for name in LABELS}
    human = Prediction(Decision(label, 1.0, scores, False, ("set by a person",)), (), "human")
    parsed = parse_message(message.raw.content)
    result = router.route(
        session, parsed, message_pk=message.id, prediction=human, now=dt.datetime.now(dt.UTC)
    )
    store_result(session, message.id, result, router.settings)
    session.expire(message)  # store_result wrote the new state directly
    stored = newest(session, Classification, message.id)
    stored.source, stored.user_id, stored.model_version = "human", user.id if user else None, None
    audit(session, "relabel", user=user, message=message, old=previous, new=label)
    session.flush()
    decision: RoutingDecision = newest(session, RoutingDecision, message.id)
    return decision


# -- the review UI's decisions ------------------------------------------------------
# Each takes the session first, checks that the action still makes sense, changes the
# rows, audits, and leaves the commit to the caller (the web request or the CLI).


class StaleEdit(ReviewError):
    """Someone else saved the draft after this person opened it."""


def _who(session: Session, user_id: int | None) -> str:
    other = session.get(User, user_id) if user_id else None
    return (other.name or other.email) if other else "someone else"


def check_version(session: Session, draft: Draft, expected_version: int) -> None:
    """Refuse an edit made on an older copy of the draft, never overwrite silently."""
    if draft.version != expected_version:
        when = draft.updated_at.strftime("%H:%M") if draft.updated_at else "meanwhile"
        raise StaleEdit(
            f"{_who(session, draft.updated_by_id)} saved this draft at {when}, after you "
            "opened it. Your changes were not saved: reload to see the current draft."
        )


_ADDRESS = re.compile(r"[^@\s<>,;\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def address_list(text: str, field: str) -> list[str]:
    """The addresses typed in a To or Cc field (commas, semicolons or spaces between),
    each once; a clear error naming the field and the entry that is not an address."""
    found: dict[str, str] = {}
    for item in re.split(r"[,;\s]+", text.strip()):
        if not item:
            continue
        if not _ADDRESS.fullmatch(item):
            raise ReviewError(f"{field}: {item!r} is not an e-mail address")
        found.setdefault(item.lower(), item)
    return list(found.values())


def clean_reply(subject: str, body_text: str) -> tuple[str, str]:
    """The subject and text of a reply as stored, or ReviewError saying what is wrong."""
    subject, body_text = subject.strip(), body_text.replace("\r\n", "\n").rstrip() + "\n"
    if "\n" in subject or "\r" in subject:
        raise ReviewError("the subject must be one line")
    if not subject or not body_text.strip():
        raise ReviewError("the subject and the text of the reply cannot be empty")
    return subject, body_text


def edit_draft(
    session: Session,
    draft: Draft,
    *,
    expected_version: int,
    subject: str,
    body_text: str,
    user: User,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
    quote: bool | None = None,
) -> bool:
    """Save a person's edit of a pending draft; returns whether anything changed.

    `to` and `cc`, when given, are the recipients the person set (stored on the draft;
    the outbox's recipient check still applies when it is approved). `quote`, when
    given: whether a reply in the person's own words quotes the original below it."""
    if draft.state != "pending":
        raise ReviewError(f"this draft is {draft.state}; it can no longer be edited")
    check_version(session, draft, expected_version)
    subject, body_text = clean_reply(subject, body_text)
    if to is not None and not to:
        raise ReviewError("To: the reply needs at least one address")
    recipients = {}
    if to is not None:
        recipients["to"] = list(to)
    if cc is not None:
        recipients["cc"] = list(cc)
    if quote is not None and quote != bool((draft.data or {}).get(QUOTE_ORIGINAL)):
        draft.data = {**(draft.data or {}), QUOTE_ORIGINAL: quote}
        recipients["quote"] = quote
    if subject == draft.subject and body_text == draft.body_text and not recipients:
        return False
    if to is not None:
        draft.to_addrs = list(to)
    if cc is not None:
        draft.cc_addrs = list(cc)
    draft.subject, draft.body_text = subject, body_text
    draft.body_html = html_from_text(body_text)
    draft.updated_by_id = user.id
    draft.updated_at = dt.datetime.now(dt.UTC)
    session.flush()  # the version check in SQL: a concurrent save makes this fail
    message = session.get(Message, draft.message_id)
    audit(session, "edit_draft", user=user, message=message, draft_id=draft.id, **recipients)
    return True


def discard_draft(session: Session, draft: Draft, user: User, *, expected_version: int) -> None:
    """Throw a draft away; the message goes back to triage for a person to decide."""
    if draft.state != "pending":
        raise ReviewError(f"this draft is {draft.state}; it cannot be discarded")
    check_version(session, draft, expected_version)
    draft.state = "discarded"
    draft.updated_by_id = user.id
    message = session.get_one(Message, draft.message_id)
    if message.state == MessageState.REVIEW:
        message.state = MessageState.TRIAGE
    session.flush()
    audit(session, "discard_draft", user=user, message=message, draft_id=draft.id)


def mark_sending(message: Message, entry: OutboxEntry) -> None:
    """An approved reply is in the outbox: the message leaves the review queues. An
    acknowledgement answers nothing (an attorney still owes the reply): the message
    stays where it is, escalated with its attorney, and so does it after an Undo."""
    if entry.kind == "ack":
        return
    if message.state not in (MessageState.DONE, MessageState.ANSWERED):
        message.state = MessageState.SENDING


def reassign(
    session: Session,
    message: Message,
    user: User,
    *,
    to_user: User | None = None,
    to_attorney: Attorney | None = None,
) -> None:
    """Give the message to another person (a VA's login or an attorney)."""
    if to_user is None and to_attorney is None:
        raise ReviewError("choose a person to assign the message to")
    old = {"user": message.assignee_user_id, "attorney": message.assignee_attorney_id}
    if to_attorney is None and to_user is not None and to_user.attorney is not None:
        to_attorney = to_user.attorney
    if to_attorney is not None:
        message.assignee_attorney = to_attorney
        message.assignee_user = to_user
    else:
        message.assignee_user = to_user
    session.flush()
    audit(
        session,
        "reassign",
        user=user,
        message=message,
        old=old,
        new={"user": message.assignee_user_id, "attorney": message.assignee_attorney_id},
    )


def unassign(session: Session, message: Message, user: User) -> None:
    """Take the message from whoever holds it: it waits in its queue for anyone."""
    if message.state == MessageState.ESCALATED:
        raise ReviewError(
            "an escalation stays with an attorney: escalate it to another one or hand it back"
        )
    old = {"user": message.assignee_user_id, "attorney": message.assignee_attorney_id}
    if old == {"user": None, "attorney": None}:
        return
    message.assignee_user = None
    message.assignee_attorney = None
    session.flush()
    new = {"user": None, "attorney": None}
    audit(session, "reassign", user=user, message=message, old=old, new=new)


def escalate(
    session: Session,
    message: Message,
    user: User,
    attorney: Attorney,
    router: Router,
    note: str = "",
) -> None:
    """Send the message to an attorney by hand, with the same notice mail as the router's;
    any pending draft is withdrawn."""
    if message.state == MessageState.QUARANTINED or message.raw is None:
        raise ReviewError("a quarantined message cannot be escalated; it has no parsed content")
    notice = router.notice_for(session, message, parse_message(message.raw.content), attorney)
    notify(session, message.id, notice, attorney.email, router.settings)
    withdraw_pending_drafts(session, message.id)
    message.state = MessageState.ESCALATED
    message.assignee_attorney = attorney
    if note.strip():
        session.add(Note(message_id=message.id, user_id=user.id, body=note.strip()))
    session.flush()
    audit(session, "escalate", user=user, message=message, attorney=attorney.email)


def mark_done(session: Session, message: Message, user: User) -> None:
    """Close the message: nothing more to do (pending drafts are withdrawn)."""
    withdraw_pending_drafts(session, message.id)
    old = message.state
    message.state = MessageState.DONE
    session.flush()
    audit(session, "mark_done", user=user, message=message, old=old)


def add_note(session: Session, message: Message, user: User, body: str) -> Note:
    """An internal note, for colleagues only; it is never sent to the client."""
    if not body.strip():
        raise ReviewError("the note is empty")
    note = Note(message_id=message.id, user_id=user.id, body=body.strip())
    session.add(note)
    session.flush()
    audit(session, "note", user=user, message=message, note_id=note.id)
    return note


def hand_back(session: Session, message: Message, user: User, note: str = "") -> None:
    """An attorney returns the message to the VAs' triage queue, with a word on why."""
    if message.state != MessageState.ESCALATED:
        raise ReviewError("only an escalated message can be handed back")
    message.state = MessageState.TRIAGE
    if note.strip():
        session.add(Note(message_id=message.id, user_id=user.id, body=note.strip()))
    session.flush()
    # The note in the event too: the triage queue's hand-back badge reads it from there.
    audit(session, "hand_back", user=user, message=message, note=note.strip())


def record_view(session: Session, message: Message, user: User, label: str | None) -> None:
    """Views of legal questions and escalations are audited (who read privileged mail)."""
    if label == "legal_question" or message.state == MessageState.ESCALATED:
        audit(session, "view", user=user, message=message, label=label)


# -- the "No reply needed?" queue ----------------------------------------------------
# A known client's mail the rules would have filed waits there until a person says
# what it is: nothing to answer (archive), a question after all (a draft), or unclear.

DRAFT_LABELS = ("status_request", "billing_query")


def _still_no_reply(message: Message) -> None:
    if message.state != MessageState.NO_REPLY:
        raise ReviewError(
            f"message {message.id} is no longer in the No reply needed? queue "
            f"(it is {message.state}); someone may have handled it"
        )


def archive_no_reply(session: Session, message: Message, user: User) -> None:
    """A person confirms the mail needs no reply: done, nothing sent."""
    _still_no_reply(message)
    withdraw_pending_drafts(session, message.id)
    message.state = MessageState.DONE
    session.flush()
    audit(session, "archive_no_reply", user=user, message=message)


def no_reply_to_triage(session: Session, message: Message, user: User) -> None:
    """Not sure what it needs: to the main triage queue, where every VA decides."""
    _still_no_reply(message)
    message.state = MessageState.TRIAGE
    session.flush()
    audit(session, "no_reply_to_triage", user=user, message=message)


def no_reply_to_draft(
    session: Session, message: Message, label: str, user: User, router: Router
) -> RoutingDecision:
    """It is a status or billing question after all: relabel it (a correction the model
    learns from) and route it again, which drafts the reply as for any such question."""
    _still_no_reply(message)
    if label not in DRAFT_LABELS:
        raise ReviewError(f"a draft is made for {' or '.join(DRAFT_LABELS)}, not {label!r}")
    audit(session, "no_reply_to_draft", user=user, message=message, label=label)
    return relabel(session, message, label, user, router)
