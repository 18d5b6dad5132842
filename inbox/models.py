"""The whole product's schema as typed SQLAlchemy 2 models.

Models import nothing from Flask and hold no behaviour beyond small derived
properties; the logic that changes them lives in the module that owns the stage.
States and roles are short strings checked by the code (not database enums), so a
new state is a code change, not a migration.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("va", "attorney", "admin")
LABELS = ("status_request", "billing_query", "legal_question", "other")
# What, under its label, a mail asks (DESIGN.md): the first of each is the label's
# general intent. Legal questions and other mail carry none.
INTENTS: dict[str, tuple[str, ...]] = {
    "status_request": (
        "status.general",
        "status.filed_or_received",
        "status.timeline",
        "status.hearing_or_meeting",
        "status.next_steps",
    ),
    "billing_query": (
        "billing.balance",
        "billing.invoice_copy",
        "billing.payment_confirmation",
        "billing.dispute_or_error",
        "billing.payment_method",
        "billing.retainer_or_trust",
        "billing.tax_form",
        "billing.payment_plan",
        "billing.rates",
    ),
}
# The "template" of a reply an attorney wrote: no template at all, a person's own words.
ATTORNEY_REPLY = "attorney/reply"
# A reply a VA wrote on the message page (free text or from a saved reply).
COMPOSED_REPLY = "compose/reply"
# Replies in a person's own words: sent with their signature and, if they chose, the
# original quoted below; never an acknowledgement, never signed off as a template.
OWN_WORDS = (ATTORNEY_REPLY, COMPOSED_REPLY)


class MessageState:
    """Where a stored message is in its life; one value at a time."""

    RECEIVED = "received"  # stored, pipeline stages not yet run
    QUARANTINED = "quarantined"  # could not be parsed or processed; raw kept
    TRIAGE = "triage"  # needs a human to decide
    NO_REPLY = "no_reply"  # a known client's mail the rules would have filed: "no reply needed?"
    REVIEW = "review"  # a draft awaits a VA's approval
    ESCALATED = "escalated"  # with an attorney
    IGNORED = "ignored"  # auto-reply, bulk, other: no action needed
    SENDING = "sending"  # a person approved a reply; it waits in the outbox
    ANSWERED = "answered"  # a reply was sent
    DONE = "done"  # closed by a human

    ALL = (
        RECEIVED,
        QUARANTINED,
        TRIAGE,
        NO_REPLY,
        REVIEW,
        ESCALATED,
        IGNORED,
        SENDING,
        ANSWERED,
        DONE,
    )


class OutboxState:
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"  # waits for a human to confirm an unusual recipient

    ALL = (QUEUED, SENDING, SENT, FAILED, HELD)


class SendStep:
    """How far an attempt got, each recorded (committed) before the worker goes on.

    Only from END on can the server have the mail; a worker that dies at an earlier
    step sent nothing (the server drops a mail whose end of data never came). NULL on
    an entry left `sending` means unknown (left by a version before the column)."""

    CLAIMED = "claimed"
    DATA = "data"  # DATA accepted (354): the content is going out
    FILED = "filed"  # our pending copy is in the Sent folder
    END = "end"  # the end-of-data dot is being written: the server may accept it

    BEFORE_END = (CLAIMED, DATA, FILED)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's documented class attribute
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Attorney(Base):
    __tablename__ = "attorneys"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    practice_areas: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    attorney_id: Mapped[int | None] = mapped_column(ForeignKey("attorneys.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # Moves on at logout and at every password change: a session made under an older
    # generation is no longer accepted (web/auth.py), so a copied cookie dies with it.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Plain text put under the replies this person writes (their settings page).
    signature: Mapped[str] = mapped_column(Text, default="", server_default="")

    attorney: Mapped[Attorney | None] = relationship()


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    relationship_attorney_id: Mapped[int | None] = mapped_column(ForeignKey("attorneys.id"))

    relationship_attorney: Mapped[Attorney | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="client")
    matters: Mapped[list[Matter]] = relationship(back_populates="client")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)

    client: Mapped[Client] = relationship(back_populates="contacts")


class Matter(Base):
    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_number: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    responsible_attorney_id: Mapped[int | None] = mapped_column(ForeignKey("attorneys.id"))
    status: Mapped[str] = mapped_column(String(200), default="")
    next_step: Mapped[str] = mapped_column(String(500), default="")
    next_date: Mapped[dt.date | None] = mapped_column(Date)
    opened: Mapped[dt.date | None] = mapped_column(Date)
    # `;`-separated words clients use for the matter: parties, addresses, project names.
    keywords: Mapped[str] = mapped_column(Text, default="")
    # When the firm last changed the record (optional in matters.csv): how stale it is.
    updated: Mapped[dt.date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship(back_populates="matters")
    responsible_attorney: Mapped[Attorney | None] = relationship()
    invoices: Mapped[list[Invoice]] = relationship(back_populates="matter")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(64), unique=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    issued: Mapped[dt.date | None] = mapped_column(Date)
    due: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(40))

    matter: Mapped[Matter] = relationship(back_populates="invoices")
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice")


class Payment(Base):
    """A payment the firm received against an invoice (optional payments.csv): what a
    "did our check arrive?" draft can confirm, and nothing it does not list."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("invoice_id", "paid_on", "amount", "reference", name="uq_payments_row"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    method: Mapped[str] = mapped_column(String(60), default="")
    reference: Mapped[str] = mapped_column(String(120), default="")

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class FirmDocument(Base):
    """A file from the firm directory a reply may attach: invoices/<number>.pdf, w9.pdf."""

    __tablename__ = "firm_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TrustBalance(Base):
    """A client's retainer or trust balance, for one matter or for the client as a whole
    (matter empty), as of a day (optional trust.csv)."""

    __tablename__ = "trust_balances"
    __table_args__ = (UniqueConstraint("client_id", "matter_id", name="uq_trust_client_matter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    as_of: Mapped[dt.date] = mapped_column(Date)

    client: Mapped[Client] = relationship()
    matter: Mapped[Matter | None] = relationship()


class Mailbox(Base):
    """An IMAP folder to poll, with its sync state and health."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(10))
    username: Mapped[str] = mapped_column(String(320))
    # Secrets are never stored: only where to get them.
    password_env: Mapped[str | None] = mapped_column(String(200))
    password_command: Mapped[str | None] = mapped_column(Text)
    oauth2_token_command: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(300), default="INBOX")
    sent_folder: Mapped[str | None] = mapped_column(String(300))
    after_action: Mapped[str] = mapped_column(String(320), default="leave")
    since: Mapped[dt.date | None] = mapped_column(Date)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sync_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One inbound mail. Quarantined mail is a Message too, with its raw bytes."""

    __tablename__ = "messages"
    __table_args__ = (
        # Queues by state in deadline order; the metrics' open breaches (migration 0017).
        Index("ix_messages_state_sla", "state", "sla_due_at", "first_response_at"),
        # The metrics page: volume by label and response times (received, label,
        # answered), SLA breaches (due, answered, state), read from the indexes alone.
        Index("ix_messages_received", "received_at", "label", "first_response_at"),
        Index("ix_messages_sla_response", "sla_due_at", "first_response_at", "state"),
        # ...and the few answered after it, by their deadline (migration 0019).
        Index(
            "ix_messages_answered_late",
            "sla_due_at",
            sqlite_where=text("first_response_at > sla_due_at"),
            postgresql_where=text("first_response_at > sla_due_at"),
        ),
        # Each label's mail of a day, counted as a range of this index (migration 0018).
        Index("ix_messages_label_received", "label", "received_at"),
        # "My escalations" counts (attorney, state) without reading the wide rows.
        Index("ix_messages_attorney_state", "assignee_attorney_id", "state"),
        # Search's `from:` scans this small index, not every message row (migration 0016);
        # inside a queue, the sender's messages in its states are a range of it (0026).
        Index("ix_messages_sender", "from_addr", "from_name", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Fingerprint of Message-ID + sender, date, subject, text and attachments: the same
    # mail fetched twice is one row, but two mails that share a Message-ID are not.
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    message_id: Mapped[str] = mapped_column(Text)  # real or synthetic, with <>
    message_id_hash: Mapped[str] = mapped_column(String(64), index=True)  # for threading
    message_id_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"), index=True)
    imap_uid: Mapped[int | None] = mapped_column(BigInteger)
    origin: Mapped[str] = mapped_column(Text, default="")  # file path or imap://mailbox/uid
    state: Mapped[str] = mapped_column(String(20), default=MessageState.RECEIVED)
    error: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[str] = mapped_column(Text, default="")
    from_name: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(320), default="", index=True)
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(default=list)
    reply_to: Mapped[list[Any]] = mapped_column(default=list)
    sent_at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    headers: Mapped[list[Any]] = mapped_column(default=list)
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str | None] = mapped_column(Text)  # sanitized with nh3
    # Remote images taken out of html_body at ingest (it is served as stored); None for
    # rows stored before that, which are cleaned when shown.
    html_remote_images: Mapped[int | None] = mapped_column(Integer)
    new_text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    # What, under its label, the mail asks (rules/intents.py): status.timeline, ...
    intent: Mapped[str | None] = mapped_column(String(40))
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[list[Any]] = mapped_column(default=list)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"), index=True)
    is_auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bounce: Mapped[bool] = mapped_column(Boolean, default=False)
    screen_reasons: Mapped[list[Any]] = mapped_column(default=list)
    parse_defects: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(Integer, default=0)

    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_attorney_id: Mapped[int | None] = mapped_column(ForeignKey("attorneys.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    sla_due_at: Mapped[dt.datetime | None]
    # The current label (the newest Classification, by the model or a person), kept here
    # so the queues filter and show it without a join.
    label: Mapped[str | None] = mapped_column(String(30), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    first_response_at: Mapped[dt.datetime | None]

    raw: Mapped[RawMessage] = relationship(
        back_populates="message", cascade="all, delete-orphan", uselist=False
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )
    thread: Mapped[Thread | None] = relationship()
    client: Mapped[Client | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    matter: Mapped[Matter | None] = relationship()
    assignee_attorney: Mapped[Attorney | None] = relationship()
    assignee_user: Mapped[User | None] = relationship()


# The queues' order (web/queue_order.py: nearest deadline first, none last, then
# priority, age, id), so a page is read from an index instead of sorting every row.
QUEUE_ORDER = (
    Message.sla_due_at.is_(None),
    Message.sla_due_at,
    Message.priority.desc(),
    Message.received_at,
    Message.id,
)
Index(
    "ix_messages_queue_order",
    *QUEUE_ORDER,
    # A page's ids come from the index alone, skipping other queues' rows unread:
    # SQLite has these at the index's end (migration 0003), PostgreSQL as INCLUDE (0005).
    postgresql_include=["state", "label", "client_id"],
)
# Each state's messages in the queues' order, so a queue is read from its own states'
# ranges, not skipping every other queue's messages (web/queue_order.py; migration 0019:
# SQLite has label and client at the index's end, PostgreSQL as INCLUDE).
Index(
    "ix_messages_state_order",
    Message.state,
    *QUEUE_ORDER,
    postgresql_include=["label", "client_id"],
)
# A client's messages of one label (a filtered queue): counted from the index, and a
# page read from it in the queues' order, never sorted (migration 0005).
Index(
    "ix_messages_client_label",
    Message.client_id,
    Message.label,
    *QUEUE_ORDER,
)


class RawMessage(Base):
    """The bytes exactly as received, kept apart so queue queries stay small."""

    __tablename__ = "message_raw"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[Message] = relationship(back_populates="raw")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(Text, default="")
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content_id: Mapped[str | None] = mapped_column(Text)
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[Message] = relationship(back_populates="attachments")


class ModelVersion(Base):
    """A trained classifier; exactly one is active."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    path: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Classification(Base):
    """A label for a message, by the model or by a human (a correction)."""

    __tablename__ = "classifications"
    # The metrics' accuracy starts from the few human labels (migration 0017).
    __table_args__ = (Index("ix_classifications_source", "source", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    label: Mapped[str] = mapped_column(String(30))
    confidence: Mapped[float] = mapped_column(Float)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    needs_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[list[Any]] = mapped_column(default=list)
    model_version: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10), default="model")  # model | human
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RoutingDecision(Base):
    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    assignee_email: Mapped[str | None] = mapped_column(String(320))
    template: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    rules_fired: Mapped[list[Any]] = mapped_column(default=list)
    identification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    sla_due_at: Mapped[dt.datetime | None]
    auto_send: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """A reply awaiting a human; `version` refuses stale edits (optimistic locking)."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    template: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Recipients a person set on the draft page; None: the thread's (reply-all) defaults.
    to_addrs: Mapped[list[Any] | None] = mapped_column(JSON)
    cc_addrs: Mapped[list[Any] | None] = mapped_column(JSON)
    # Names of firm documents (FirmDocument.name) the reply attaches when sent.
    attachments: Mapped[list[Any] | None] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DraftFile(Base):
    """A file a person uploaded onto a reply: sent with it as an attachment (and so kept
    in the Sent copy). Its content type was sniffed from the bytes, never the browser's."""

    __tablename__ = "draft_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Snippet(Base):
    """A saved reply: the firm's (no owner, kept by the admin) or one person's own.

    Its text is a template with the same sandboxed fields as the mail templates."""

    __tablename__ = "snippets"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutboxEntry(Base):
    """A mail to send; the Message-ID is fixed at queue time and kept across retries."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # reply | notice | ack
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    mail_message_id: Mapped[str] = mapped_column(String(400), unique=True)
    from_addr: Mapped[str] = mapped_column(String(320))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    # Firm documents attached to the mail (names; read from firm_documents when sent).
    attachments: Mapped[list[Any] | None] = mapped_column(default=list)
    references: Mapped[list[Any]] = mapped_column(default=list)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.QUEUED)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_step: Mapped[str | None] = mapped_column(String(20))  # a SendStep, of the last attempt
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Note(Base):
    """An internal note on a message (never sent to the client)."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Every human action, and the machine's notable ones, append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_message_at", "message_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))  # user email or "system"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LoginFailure(Base):
    """One failed login, counted per account and per client address by the throttle."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))


class Presence(Base):
    """Who is looking at or editing a message right now (refreshed by the UI)."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mode: Mapped[str] = mapped_column(String(10))  # viewing | editing
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RulesVersion(Base):
    """A version of the rules file saved from the admin page, kept for history and rollback.

    The first save also keeps the file as it was before ("original"), so a rollback can
    always return to it."""

    __tablename__ = "rules_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # original | edit | rollback
    restored_from: Mapped[int | None] = mapped_column(Integer)  # a rollback's source version
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)

    user: Mapped[User | None] = relationship()
