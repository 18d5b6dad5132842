"""Putting mail in the outbox, and the human decisions about it once it is there.

A web request (or the CLI) calls these; none of them sends anything. The worker in
inbox/outgoing/worker.py does that. Each function takes the session first, records the
human action in the audit log and leaves the commit to the caller.

The recipient check: a reply goes to the client contact(s) of the thread, and any
address that is neither a contact of the message's client nor at the client's
domain holds the entry for a person to confirm: mail to the wrong party can
breach privilege, and it cannot be called back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from inbox.addresses import client_for_address
from inbox.audit import audit
from inbox.firm import firm_name
from inbox.mail.build import (
    OutgoingMail,
    UnexpectedHeader,
    as_utc,
    bare_address,
    html_from_text,
    render,
    thread_headers,
)
from inbox.mail.compose import quote_original, reply_text
from inbox.mail.headers import mailbox
from inbox.mail.signoff import sign_html, sign_text
from inbox.message_rows import newest
from inbox.models import (
    ATTORNEY_REPLY,
    OWN_WORDS,
    Draft,
    FirmDocument,
    Message,
    MessageState,
    OutboxEntry,
    OutboxState,
    RoutingDecision,
    User,
    utcnow,
)
from inbox.outgoing.worker import HEADER_HOLD, UNKNOWN_DELIVERY, outgoing_mail, record_sent
from inbox.settings import Settings

RECIPIENTS_HOLD = "Recipients to confirm:"
# A plain INSERT: notices are queued in the pipeline's batch, without the unit of work.
_INSERT_OUTBOX = insert(OutboxEntry.__table__)


class OutboxError(ValueError):
    """The action cannot be applied; the text says why."""


def new_message_id(settings: Settings) -> str:
    """A Message-ID in the firm's domain, made once when the mail is queued."""
    domain = settings.shared_address.rpartition("@")[2] or "inbox-router.invalid"
    return make_msgid(domain=domain)


def reply_recipients(message: Message, settings: Settings) -> list[str]:
    """The original sender and any Reply-To addresses, each once, never ourselves."""
    ours = {settings.shared_address.lower()}
    found = [message.from_addr, *(a.get("addr", "") for a in message.reply_to or [])]
    out: dict[str, str] = {}
    for address in found:
        address = bare_address(address or "")
        if "@" in address and address.lower() not in ours:
            out.setdefault(address.lower(), address)
    return list(out.values())


def reply_copies(message: Message, settings: Settings, to: Sequence[str]) -> list[str]:
    """Reply-all: the original's other To and Cc addresses, each once, as copies; never
    the firm's own addresses (the shared inbox, colleagues) nor those already in `to`."""
    firm_domain = settings.shared_address.rpartition("@")[2].lower()
    taken = {a.lower() for a in to} | {settings.shared_address.lower()}
    out: dict[str, str] = {}
    for item in [*(message.to_addrs or []), *(message.cc_addrs or [])]:
        address = bare_address(item.get("addr", "") if isinstance(item, dict) else str(item))
        lower = address.lower()
        if "@" not in address or lower in taken or lower.rpartition("@")[2] == firm_domain:
            continue
        out.setdefault(lower, address)
    return list(out.values())


def default_recipients(message: Message, settings: Settings) -> tuple[list[str], list[str]]:
    """Reply-all: To the sender (and Reply-To), Cc the original's other recipients."""
    to = reply_recipients(message, settings)
    return to, reply_copies(message, settings, to)


def draft_recipients(
    message: Message, draft: Draft, settings: Settings
) -> tuple[list[str], list[str]]:
    """To and Cc for a draft: what a person set on it, else the thread's reply-all."""
    if not draft.to_addrs and draft.cc_addrs is None:
        return default_recipients(message, settings)
    to = list(draft.to_addrs) if draft.to_addrs else reply_recipients(message, settings)
    if draft.cc_addrs is not None:
        return to, list(draft.cc_addrs)
    return to, reply_copies(message, settings, to)


def outside_recipients(session: Session, message: Message, addresses: Sequence[str]) -> list[str]:
    """Addresses that are neither a contact of the message's client nor at its domain."""
    outside = []
    for address in addresses:
        client, _contact = client_for_address(session, bare_address(address))
        if message.client_id is None or client is None or client.id != message.client_id:
            outside.append(address)
    return outside


def _hold_reason(message: Message, outside: list[str]) -> str:
    who = message.client.name if message.client is not None else None
    if who is None:
        return (
            f"{RECIPIENTS_HOLD} the message is not from a known client, so "
            f"{', '.join(outside)} cannot be checked against the directory"
        )
    return f"{RECIPIENTS_HOLD} {', '.join(outside)} not a contact of {who} or at its domain"


def reply_sender(user: User | None, settings: Settings, firm: str) -> tuple[str, str | None]:
    """From and Reply-To: an attorney replies as themself, with answers coming back to
    the shared inbox so the thread stays routed and audited; everyone else replies as
    the shared inbox."""
    shared = mailbox(firm, settings.shared_address)
    if user is not None and user.role == "attorney":
        attorney = user.attorney
        name = attorney.name if attorney is not None else user.name
        email = attorney.email if attorney is not None else user.email
        return mailbox(name or "", email), shared
    return shared, None


def quoted_original(message: Message, settings: Settings) -> str:
    """The original mail as a reply quotes it below the person's words."""
    sender = mailbox(message.from_name or "", message.from_addr) if message.from_addr else "You"
    when = message.sent_at or message.received_at
    local = as_utc(when).astimezone(ZoneInfo(settings.timezone)) if when else None
    return quote_original(sender, local, message.text_body or "")


def own_words_text(
    body: str, user: User | None, message: Message, settings: Settings, *, quote: bool
) -> str:
    """What a reply in a person's own words sends (and its preview shows): their text,
    their signature, the original quoted if they chose it."""
    signature = user.signature if user is not None else ""
    return reply_text(body, signature or "", quoted_original(message, settings) if quote else "")


def _signed(
    draft: Draft, user: User | None, message: Message, settings: Settings, firm: str
) -> dict[str, str | None]:
    """The body to send: a templated reply approved by a person carries their name above
    the firm's (INBOX_ROUTER_SIGN_OFF_WITH_APPROVER, on by default); a reply in a
    person's own words their signature and the quoted original (HTML made from it)."""
    if draft.template in OWN_WORDS:
        quote = bool((draft.data or {}).get("quote_original"))
        text = own_words_text(draft.body_text, user, message, settings, quote=quote)
        return {"body_text": text, "body_html": html_from_text(text)}
    text, html = draft.body_text, draft.body_html
    signer = user.name.strip() if user is not None else ""
    if settings.sign_off_with_approver and signer and draft.template.startswith("client/"):
        text = sign_text(text, signer, firm)
        html = sign_html(html, signer, firm) if html else html
    return {"body_text": text, "body_html": html}


def _missing_documents(session: Session, names: Sequence[str]) -> list[str]:
    if not names:
        return []
    found = set(session.scalars(select(FirmDocument.name).where(FirmDocument.name.in_(names))))
    return [n for n in names if n not in found]


def _is_acknowledgement(session: Session, message: Message, draft: Draft) -> bool:
    """A templated draft on an escalated message is an acknowledgement: a legal question
    never gets a templated answer, only word that an attorney will reply. (A reply an
    attorney writes is a reply: not auto-generated, and it answers the message.)"""
    if not draft.template or draft.template in OWN_WORDS:
        return False
    decision = newest(session, RoutingDecision, message.id)
    return decision is not None and decision.action == "escalate"


def queue_reply(
    session: Session,
    draft: Draft,
    user: User | None,
    settings: Settings,
    *,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    undo_seconds: float = 0.0,
) -> OutboxEntry:
    """Approve a draft for sending: queue it (or hold it when a recipient is unusual).

    `to` and `cc` default to the draft's recipients (`draft_recipients`: reply-all).
    `undo_seconds`: the worker may not send it before then (its `next_attempt_at`), so
    the person who approved it can still take it back (`undo_send`).
    """
    if draft.state != "pending":
        raise OutboxError(f"draft {draft.id} is {draft.state}, not pending")
    if session.scalar(select(OutboxEntry.id).where(OutboxEntry.draft_id == draft.id)):
        raise OutboxError(f"draft {draft.id} is already in the outbox")
    message = session.get_one(Message, draft.message_id)
    default_to, default_cc = draft_recipients(message, draft, settings)
    recipients = [bare_address(a) for a in (to if to is not None else default_to)]
    copies = [bare_address(a) for a in (cc if cc is not None else default_cc)]
    if not recipients:
        raise OutboxError(f"message {message.id} has no address to reply to")
    bad = [a for a in (*recipients, *copies) if "@" not in a or any(c in a for c in " ,;<>")]
    if bad:
        raise OutboxError(f"not an e-mail address: {', '.join(bad)}")
    outside = outside_recipients(session, message, [*recipients, *copies])
    in_reply_to, references = thread_headers(
        message.message_id, message.references or [], synthetic=message.message_id_synthetic
    )
    firm = firm_name(session, settings)
    from_addr, reply_to = reply_sender(user, settings, firm)
    ack = _is_acknowledgement(session, message, draft)
    now = now or utcnow()
    entry = OutboxEntry(
        kind="ack" if ack else "reply",
        message_id=message.id,
        draft_id=draft.id,
        mail_message_id=new_message_id(settings),
        from_addr=from_addr,
        reply_to=reply_to,
        to_addrs=recipients,
        cc_addrs=copies,
        subject=draft.subject,
        **_signed(draft, user, message, settings, firm),
        attachments=list(draft.attachments or []),
        in_reply_to=in_reply_to,
        references=list(references),
        auto_submitted=ack,
        state=OutboxState.HELD if outside else OutboxState.QUEUED,
        hold_reason=_hold_reason(message, outside) if outside else None,
        attempts=0,
        next_attempt_at=now + dt.timedelta(seconds=max(0.0, undo_seconds)),
        queued_at=now,
        created_by_id=user.id if user else None,
    )
    missing = _missing_documents(session, entry.attachments or [])
    if missing:
        raise OutboxError(f"attachment not on file: {', '.join(missing)}")
    problem = header_problem(outgoing_mail(entry))
    if problem is not None:
        entry.state, entry.hold_reason = OutboxState.HELD, problem
    session.add(entry)
    draft.state = "approved"
    draft.updated_by_id = user.id if user else None
    session.flush()  # the draft's version check fails here on a stale approval
    audit(
        session,
        "approve_send",
        user=user,
        message=message,
        outbox_id=entry.id,
        draft_id=draft.id,
        to=recipients,
        cc=copies,
        held_for=outside,
    )
    return entry


def header_problem(mail: OutgoingMail) -> str | None:
    """The last check before a mail is queued: its bytes as the worker will build them.

    Refuses (OutboxError) what could never be built (no To, a malformed address);
    returns a hold reason when the bytes read back with a field we did not write."""
    try:
        render(mail)
    except UnexpectedHeader as exc:
        return f"{HEADER_HOLD} {exc}. Cancel it and write the reply again."
    except (ValueError, TypeError) as exc:
        raise OutboxError(f"cannot build the mail: {exc}") from None
    return None


def _change(session: Session, entry: OutboxEntry, allowed: Sequence[str], **values: object) -> None:
    """Apply a human decision only if the worker has not moved the entry meanwhile."""
    done = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry.id, OutboxEntry.state.in_(allowed))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(entry)
    if done != 1:
        raise OutboxError(f"outbox entry {entry.id} is {entry.state} now; nothing changed")


def _message(session: Session, entry: OutboxEntry) -> Message | None:
    return session.get(Message, entry.message_id) if entry.message_id else None


def confirm_recipients(
    session: Session, entry: OutboxEntry, user: User | None, now: dt.datetime | None = None
) -> None:
    """A person checked the unusual recipients: release the held entry for sending."""
    if entry.state != OutboxState.HELD or not (entry.hold_reason or "").startswith(RECIPIENTS_HOLD):
        raise OutboxError(f"outbox entry {entry.id} is not held for its recipients")
    now = now or utcnow()
    _change(
        session,
        entry,
        [OutboxState.HELD],
        state=OutboxState.QUEUED,
        hold_reason=None,
        next_attempt_at=now,
        queued_at=now,
    )
    audit(
        session,
        "confirm_recipients",
        user=user,
        message=_message(session, entry),
        outbox_id=entry.id,
        to=list(entry.to_addrs),
        cc=list(entry.cc_addrs),
    )


def resend(
    session: Session, entry: OutboxEntry, user: User | None, now: dt.datetime | None = None
) -> None:
    """Send a failed entry again, or one held because its delivery is unknown.

    The Message-ID stays, so a client who did get the first copy sees one mail.
    """
    recipient_hold = (entry.hold_reason or "").startswith((RECIPIENTS_HOLD, HEADER_HOLD))
    if entry.state not in (OutboxState.FAILED, OutboxState.HELD) or recipient_hold:
        raise OutboxError(f"outbox entry {entry.id} cannot be sent again ({entry.state})")
    now = now or utcnow()
    _change(
        session,
        entry,
        [OutboxState.FAILED, OutboxState.HELD],
        state=OutboxState.QUEUED,
        hold_reason=None,
        attempts=0,
        next_attempt_at=now,
        queued_at=now,
    )
    audit(session, "resend", user=user, message=_message(session, entry), outbox_id=entry.id)


def mark_delivered(
    session: Session, entry: OutboxEntry, user: User | None, now: dt.datetime | None = None
) -> None:
    """A person found that a mail held as "delivery unknown" did arrive: record it sent."""
    if entry.state != OutboxState.HELD or not (entry.hold_reason or "").startswith(
        UNKNOWN_DELIVERY
    ):
        raise OutboxError(f"outbox entry {entry.id} is not held as delivery unknown")
    now = now or utcnow()
    _change(session, entry, [OutboxState.HELD], state=OutboxState.SENT, sent_at=now)
    record_sent(session, entry, now)
    audit(
        session, "mark_delivered", user=user, message=_message(session, entry), outbox_id=entry.id
    )


def cancel(session: Session, entry: OutboxEntry, user: User | None, reason: str) -> None:
    """Stop an entry that has not been sent; it stays visible as failed, with the reason.

    A cancelled reply's message goes back to triage, so the client still gets an answer."""
    actor = user.email if user else "system"
    _change(
        session,
        entry,
        [OutboxState.QUEUED, OutboxState.HELD, OutboxState.FAILED],
        state=OutboxState.FAILED,
        last_error=f"cancelled by {actor}: {reason}"[:4000],
    )
    message = _message(session, entry)
    if entry.kind == "reply" and message is not None and message.state == MessageState.SENDING:
        message.state = MessageState.TRIAGE
    audit(
        session,
        "cancel_send",
        user=user,
        message=_message(session, entry),
        outbox_id=entry.id,
        reason=reason,
    )


def undo_send(session: Session, entry: OutboxEntry, user: User | None) -> Draft:
    """Take back an approved reply the worker has not picked up: the entry goes, the
    draft is pending again and the message back in its queue (review, or the attorney's
    escalations for an attorney's reply).

    One conditional DELETE decides against the worker's claim (which moves the entry to
    `sending` first): whichever commits first wins, so an undo never races a send.
    Nothing was sent; the audit log keeps the approval and the undo."""
    if entry.kind not in ("reply", "ack") or entry.draft_id is None:
        raise OutboxError(f"outbox entry {entry.id} is not an approved reply")
    entry_id, draft_id = entry.id, entry.draft_id
    gone = session.execute(
        delete(OutboxEntry)
        .where(
            OutboxEntry.id == entry_id,
            OutboxEntry.state == OutboxState.QUEUED,
            OutboxEntry.attempts == 0,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if gone != 1:
        session.refresh(entry)
        raise OutboxError(f"too late to undo: the reply is {entry.state} now")
    session.expunge(entry)
    draft = session.get_one(Draft, draft_id)
    draft.state = "pending"
    draft.updated_by_id = user.id if user else None
    message = session.get_one(Message, draft.message_id)
    if entry.kind == "reply" and message.state == MessageState.SENDING:  # an ack moved nothing
        attorney = draft.template == ATTORNEY_REPLY
        message.state = MessageState.ESCALATED if attorney else MessageState.REVIEW
    session.flush()
    audit(session, "undo_send", user=user, message=message, outbox_id=entry_id, draft_id=draft_id)
    return draft


def queue_notice(
    session: Session,
    message_id: int,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    settings: Settings,
) -> None:
    """The escalation notice to the attorney, on the outbox (machine-written mail).

    Held when its bytes read back with a field we did not write; one that cannot be
    built at all is queued as before and failed visibly by the worker."""
    values = {
        "kind": "notice",
        "message_id": message_id,
        "mail_message_id": new_message_id(settings),
        "from_addr": settings.shared_address,
        "to_addrs": [to],
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "auto_submitted": True,
    }
    mail = OutgoingMail(
        message_id=values["mail_message_id"],
        from_addr=settings.shared_address,
        to=(to,),
        date=utcnow(),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        auto_submitted=True,
    )
    try:
        problem = header_problem(mail)
    except OutboxError:
        problem = None
    if problem is not None:
        values |= {"state": OutboxState.HELD, "hold_reason": problem, "last_error": problem}
    session.execute(_INSERT_OUTBOX, values)
