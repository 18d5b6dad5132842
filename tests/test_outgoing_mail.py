"""What leaves the firm, byte for byte (issue 17, items 1-4): hostile client mail goes
through the real pipeline, a person acts on it, the real worker sends it to aiosmtpd,
and the test reads the bytes the SMTP server received."""

from __future__ import annotations

import asyncio
import base64
import email
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import make_engine, session_factory
from inbox.ingest.files import ingest_paths
from inbox.mail import build
from inbox.models import Draft, Message, OutboxEntry, OutboxState, User
from inbox.outgoing.attention import actions_for
from inbox.outgoing.outbox import RECIPIENTS_HOLD, confirm_recipients, queue_reply
from inbox.outgoing.worker import HEADER_HOLD, OutboxWorker
from inbox.settings import Settings
from rules import review
from tests.servers.smtp import Sink, smtp_sink

PAYLOAD = (
    "Can we sue over the warranty "
    "=?utf-8?q?x=0D=0AReply-To:_attacker@evil.example=0D=0AX-Injected:_yes?="
)
# The same injection behind a plain billing subject (a legal question in the subject
# may rightly keep a billing mail from being drafted: classifier/policy.py's doubt).
BILLING_PAYLOAD = (
    "Invoice copy =?utf-8?q?x=0D=0AReply-To:_attacker@evil.example=0D=0AX-Injected:_yes?="
)
OUTLOOK_ID = "<BN8PR04MB6210C81D77E0A4F13B2E96A0D9F1@BN8PR04MB6210.namprd04.prod.outlook.com>"
SPOUSE = "karen.liddell.home@example.net"
# What a VA might paste into the subject: a new content type and a blank line, to
# replace the visible body.
TYPED = (
    "=?utf-8?q?x=0D=0AContent-Type:_text/html=0D=0A=0D=0A<h1>Wire_the_balance_to_IBAN_XX00</h1>?="
)


@pytest.fixture
def sink() -> Iterator[Sink]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def send_settings(sample_db_url: str, sink: Sink) -> Settings:
    return Settings(
        db_url=sample_db_url,
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_timeout=5.0,
        send_claim_seconds=60.0,
    )


@pytest.fixture
def factory(send_settings: Settings) -> Iterator[sessionmaker[Session]]:  # type: ignore[override]
    engine = make_engine(send_settings)
    yield session_factory(engine)
    engine.dispose()


def encoded_subject(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def client_mail(
    folder: Path, name: str, subject: str, body: str, message_id: str, cc: str = ""
) -> Path:
    lines = [
        "From: Karen Liddell <ap@northwindmarine.com>",
        "To: clients@harborvale.law",
        *([f"Cc: {cc}"] if cc else []),
        f"Subject: {subject}",
        "Date: Thu, 5 Nov 2026 08:05:33 -0800",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "",
        body,
    ]
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode())
    return path


def ingest(factory: sessionmaker[Session], settings: Settings, path: Path) -> Message:
    summary = ingest_paths(factory, settings, [path])
    assert summary.stored == 1, summary.line()
    with factory() as session:
        return session.scalars(select(Message).order_by(Message.id.desc())).first()  # type: ignore[return-value]


def send_all(factory: sessionmaker[Session], settings: Settings) -> None:
    summary = asyncio.run(OutboxWorker(factory, settings).run_once())
    assert not summary.problems, summary.problems


def received(sink: Sink, mail_message_id: str) -> tuple[bytes, EmailMessage]:
    found = [r for r in sink.handler.received if r.message_id == mail_message_id]
    assert len(found) == 1, [r.message_id for r in sink.handler.received]
    data = found[0].content
    message = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return data, message


def header_block(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]


def test_the_escalation_notice_of_a_hostile_subject_reaches_the_attorney_intact(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink, tmp_path: Path
) -> None:
    path = client_mail(
        tmp_path,
        "legal.eml",
        encoded_subject(PAYLOAD),
        "The pump we bought failed after two months and the seller refuses the warranty.\n"
        "Can we sue them, and are we legally entitled to a refund under the contract?\n",
        "<legal-1@northwindmarine.com>",
    )
    message = ingest(factory, send_settings, path)
    with factory() as session:
        notice = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.kind == "notice", OutboxEntry.message_id == message.id
            )
        ).one()
        assert notice.state == OutboxState.QUEUED
    send_all(factory, send_settings)
    data, sent = received(sink, notice.mail_message_id)
    block = header_block(data)
    assert b"Reply-To" not in block and b"X-Injected" not in block
    assert sent["Reply-To"] is None and sent["X-Injected"] is None
    assert PAYLOAD in sent["Subject"]  # shown as the client wrote it, decoded once
    plain = sent.get_body(("plain",))
    assert plain is not None and "Can we sue" in plain.get_content()


def test_a_va_reply_keeps_the_thread_the_cc_and_the_line_breaks_on_the_wire(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink, tmp_path: Path
) -> None:
    path = client_mail(
        tmp_path,
        "billing.eml",
        encoded_subject(BILLING_PAYLOAD),
        "Hello,\n\nPlease send us a PDF copy of invoice HV-INV-1042 and our current balance.\n"
        "\nThank you,\nKaren\n",
        OUTLOOK_ID,
        cc=f"Karen at home <{SPOUSE}>",
    )
    message = ingest(factory, send_settings, path)
    with factory() as session, session.begin():
        draft = session.scalars(
            select(Draft).where(Draft.message_id == message.id, Draft.state == "pending")
        ).one()
        va = session.scalars(select(User).where(User.email == "dana@harborvale.law")).one()
        review.edit_draft(
            session,
            draft,
            expected_version=draft.version,
            subject=f"{draft.subject} {TYPED}",
            body_text="Dear Karen,\nThank you for your message.\n\nHarbor & Vale",
            user=va,
        )
        entry = queue_reply(session, draft, va, send_settings)
        # Reply-all: the client's Cc is kept, and as it is not a contact, a person confirms.
        assert entry.cc_addrs == [SPOUSE]
        assert entry.state == OutboxState.HELD
        assert entry.hold_reason is not None and entry.hold_reason.startswith(RECIPIENTS_HOLD)
        confirm_recipients(session, entry, va)
    send_all(factory, send_settings)
    data, sent = received(sink, entry.mail_message_id)
    assert SPOUSE in next(r for r in sink.handler.received if r.content == data).rcpt_tos
    block = header_block(data)
    assert b"Reply-To: attacker" not in block and b"X-Injected" not in block
    assert sent["X-Injected"] is None
    assert sent["Subject"].endswith(TYPED) and BILLING_PAYLOAD in sent["Subject"]
    # The invoice copy asked for is attached (the sample firm keeps its PDF): text and
    # HTML alternatives inside multipart/mixed.
    assert sent.get_content_type() == "multipart/mixed" and b"<h1>" not in data
    assert [a.get_filename() for a in sent.iter_attachments()] == ["HV-INV-1042.pdf"]
    assert f"In-Reply-To: {OUTLOOK_ID}".encode() in block
    assert sent["In-Reply-To"] == OUTLOOK_ID
    assert sent["References"].split()[-1] == OUTLOOK_ID
    assert b"=?" not in block.split(b"In-Reply-To:", 1)[1].split(b"\nMIME-Version", 1)[0]
    assert [a.addr_spec for a in sent["To"].addresses] == ["ap@northwindmarine.com"]
    assert [a.addr_spec for a in sent["Cc"].addresses] == [SPOUSE]
    html_part = sent.get_body(("html",))
    assert html_part is not None
    page = html_part.get_content()
    assert "Dear Karen,<br>" in page and "&lt;br&gt;" not in page
    plain = sent.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n").startswith("Dear Karen,\nThank you")


def test_a_mail_that_reads_back_with_a_field_we_did_not_write_is_held_not_sent(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last check, should the header writer ever regress: the builder is made to add
    a line (the one thing faked here); the outbox and the worker must hold the mail."""
    message = ingest(
        factory,
        send_settings,
        client_mail(
            tmp_path,
            "billing.eml",
            "Invoice HV-INV-1042 copy please",
            "Please send a copy of invoice HV-INV-1042.\n",
            "<bill-2@northwindmarine.com>",
        ),
    )
    with factory() as session, session.begin():
        for entry in session.scalars(select(OutboxEntry)):  # the sample's own mail
            entry.state = OutboxState.FAILED
    real = build.header_lines

    def with_a_forged_line(mail: build.OutgoingMail) -> list[tuple[str, str]]:
        lines = real(mail)
        name, last = lines[-1]
        return [*lines[:-1], (name, last + "X-Injected: yes\r\n")]

    with factory() as session, session.begin():
        draft = session.scalars(select(Draft).where(Draft.message_id == message.id)).one()
        monkeypatch.setattr(build, "header_lines", with_a_forged_line)
        entry = queue_reply(session, draft, None, send_settings)
        assert entry.state == OutboxState.HELD
        assert entry.hold_reason is not None
        assert entry.hold_reason.startswith(f"{HEADER_HOLD} the mail would carry header")
        assert "x-injected" in entry.hold_reason
        assert [a.name for a in actions_for(entry)] == ["cancel"]
        entry_id = entry.id
    # Queued by an older version, say: the worker reads it back before sending, too.
    with factory() as session, session.begin():
        queued = session.get_one(OutboxEntry, entry_id)
        queued.state, queued.hold_reason = OutboxState.QUEUED, None
    summary = asyncio.run(OutboxWorker(factory, send_settings).run_once())
    assert summary.held == 1 and summary.sent == 0
    assert sink.handler.received == []
    with factory() as session:
        held = session.get_one(OutboxEntry, entry_id)
        assert held.state == OutboxState.HELD
        assert held.hold_reason is not None and held.hold_reason.startswith(HEADER_HOLD)
