"""The outbox end to end: queueing and the human checks, then the worker against a real
aiosmtpd server and, for the Sent folder and \\Answered, a real Dovecot per test."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inbox.mail.build import render
from inbox.mail.keys import message_id_hash
from inbox.models import (
    Attorney,
    AuditEvent,
    Client,
    Contact,
    Draft,
    FirmDocument,
    Mailbox,
    Message,
    MessageState,
    OutboxEntry,
    OutboxState,
    RoutingDecision,
    SendStep,
    User,
)
from inbox.outgoing.outbox import (
    RECIPIENTS_HOLD,
    OutboxError,
    cancel,
    confirm_recipients,
    mark_delivered,
    new_message_id,
    queue_reply,
    resend,
)
from inbox.outgoing.sentfolder import PENDING, SentFolder
from inbox.outgoing.smtp import DeliveryError, dot_stuffed, failure
from inbox.outgoing.worker import (
    UNKNOWN_DELIVERY,
    OutboxWorker,
    PassSummary,
    attached_documents,
    outgoing_mail,
    retry_delay,
)
from inbox.settings import Settings
from rules.compose import attach_files, attorney_draft
from tests.servers.certificate import self_signed_certificate
from tests.servers.dovecot import Dovecot
from tests.servers.postgres import free_port
from tests.servers.smtp import Received, RecordingHandler, Sink, smtp_sink

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL_ID = "<q-2@acme.example>"


# -- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def sink() -> Iterator[Sink]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def send_settings(settings: Settings, sink: Sink) -> Settings:
    return settings.with_changes(
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_timeout=5.0,
        imap_timeout=5.0,
        send_claim_seconds=60.0,
    )


@pytest.fixture
def mailbox_id(factory: sessionmaker[Session], dovecot: Dovecot, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    with factory() as session, session.begin():
        box = Mailbox(
            name="firm",
            host=dovecot.host,
            port=dovecot.port,
            security="plain",
            username=dovecot.user,
            password_env="TEST_IMAP_PASSWORD",
            folder="INBOX",
        )
        session.add(box)
        session.flush()
        return box.id


@dataclass(frozen=True)
class Thread:
    message_id: int
    draft_id: int


def client_thread(
    factory: sessionmaker[Session],
    *,
    sender: str = "ana@acme.example",
    reply_to: tuple[str, ...] = (),
    known_client: bool = True,
    action: str = "draft",
    mailbox_id: int | None = None,
    imap_uid: int | None = None,
    origin: str = "",
) -> Thread:
    """A client's question stored and routed, with a pending draft reply."""
    with factory() as session, session.begin():
        client = session.scalar(select(Client).where(Client.client_code == "ACME"))
        if client is None:
            client = Client(client_code="ACME", name="Acme Corp", domain="acme.example")
            client.contacts.append(Contact(email="ana@acme.example", name="Ana Pérez"))
            session.add(client)
            session.flush()
        message = Message(
            dedupe_key=f"test:{ORIGINAL_ID}:{sender}",
            message_id=ORIGINAL_ID,
            message_id_hash=message_id_hash(ORIGINAL_ID),
            from_name="Ana Pérez",
            from_addr=sender,
            reply_to=[{"name": "", "addr": a} for a in reply_to],
            subject="Where is my lease review?",
            references=["<q-1@acme.example>"],
            client_id=client.id if known_client else None,
            mailbox_id=mailbox_id,
            imap_uid=imap_uid,
            origin=origin,
            state=MessageState.ESCALATED if action == "escalate" else MessageState.REVIEW,
        )
        session.add(message)
        session.flush()
        session.add(RoutingDecision(message_id=message.id, action=action))
        draft = Draft(
            message_id=message.id,
            template="client/legal_ack" if action == "escalate" else "client/status_request",
            subject="Re: Where is my lease review?",
            body_text="Dear Ana,\n\nThe review went out on Friday.\n\nHarbor & Vale",
            body_html="<p>Dear Ana,</p><p>The review went out on Friday.</p>",
        )
        session.add(draft)
        session.flush()
        return Thread(message.id, draft.id)


def a_user(factory: sessionmaker[Session], role: str = "va") -> int:
    with factory() as session, session.begin():
        user = User(email=f"{role}@harborvale.law", name=role.upper(), role=role, password_hash="x")
        if role == "attorney":
            user.attorney = Attorney(email="jvale@harborvale.law", name="Jo Vale")
        session.add(user)
        session.flush()
        return user.id


def approve(
    factory: sessionmaker[Session],
    settings: Settings,
    thread: Thread,
    user_id: int | None = None,
    **kwargs: object,
) -> int:
    with factory() as session, session.begin():
        user = session.get(User, user_id) if user_id else None
        draft = session.get_one(Draft, thread.draft_id)
        return queue_reply(session, draft, user, settings, **kwargs).id  # type: ignore[arg-type]


def notices(factory: sessionmaker[Session], settings: Settings, count: int) -> list[int]:
    """Escalation notices as rules/route.py queues them: no human, no thread."""
    with factory() as session, session.begin():
        entries = [
            OutboxEntry(
                kind="notice",
                mail_message_id=new_message_id(settings),
                from_addr=settings.shared_address,
                to_addrs=["jvale@harborvale.law"],
                subject=f"[Legal question] case {i}",
                body_text=f"A client asked question {i}.",
                auto_submitted=True,
            )
            for i in range(count)
        ]
        session.add_all(entries)
        session.flush()
        return [e.id for e in entries]


def get(factory: sessionmaker[Session], entry_id: int) -> OutboxEntry:
    with factory() as session:
        return session.get_one(OutboxEntry, entry_id)


def one_pass(factory: sessionmaker[Session], settings: Settings) -> PassSummary:
    return asyncio.run(OutboxWorker(factory, settings, rng=random.Random(7)).run_once())


def make_due(factory: sessionmaker[Session]) -> None:
    """Skip the backoff (or a claim's remaining time) instead of sleeping through it."""
    with factory() as session, session.begin():
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.state.in_([OutboxState.QUEUED, OutboxState.SENDING]))
            .values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )


def half_sent(factory: sessionmaker[Session], entry_id: int) -> None:
    """As a worker leaves an entry when killed mid-send: `sending`, its claim expired."""
    with factory() as session, session.begin():
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry_id)
            .values(
                state=OutboxState.SENDING,
                attempts=OutboxEntry.attempts + 1,
                next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
            )
        )


def audit_actions(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.action).order_by(AuditEvent.id))
        return [(r.actor, r.action) for r in rows]


def parsed(received: Received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.content, policy=policy.default)  # type: ignore[return-value]


def in_sent(server: Dovecot, message_id: str) -> list[int]:
    with server.login() as client:
        client.select_folder("Sent", readonly=True)
        return list(client.search(["UNDELETED", "HEADER", "Message-ID", message_id]))


# -- pure pieces ---------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    delays = [retry_delay(n, 30, 1800, rng) for n in range(1, 10)]
    for n, delay in enumerate(delays, start=1):
        full = min(1800, 30 * 2 ** (n - 1))
        assert full / 2 <= delay <= full
    assert max(delays) <= 1800
    assert len({round(d, 3) for d in delays}) == len(delays)  # jittered, not in step


def test_smtp_replies_are_classified_temporary_or_permanent() -> None:
    import aiosmtplib

    assert not failure(aiosmtplib.SMTPDataError(451, "later")).permanent
    assert failure(aiosmtplib.SMTPDataError(550, "no")).permanent
    assert failure(aiosmtplib.SMTPRecipientRefused(550, "no such user", "x@y")).permanent
    assert not failure(aiosmtplib.SMTPServerDisconnected("gone")).permanent
    assert failure(aiosmtplib.SMTPAuthenticationError(535, "bad")).server_down
    assert failure(ConnectionRefusedError("refused")).text.startswith("network error")
    assert isinstance(failure(TimeoutError()), DeliveryError)


def test_dot_stuffing_and_line_ends() -> None:
    assert dot_stuffed(b"a\n.b\r\n..c") == b"a\r\n..b\r\n...c\r\n"


# -- queueing and the recipient check -----------------------------------------------------


def test_approving_a_draft_queues_a_threaded_reply_and_audits_it(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    user_id = a_user(factory)
    entry_id = approve(factory, settings, client_thread(factory), user_id)
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.QUEUED and entry.kind == "reply"
    assert entry.to_addrs == ["ana@acme.example"] and entry.cc_addrs == []
    assert entry.in_reply_to == ORIGINAL_ID
    assert entry.references == ["<q-1@acme.example>", ORIGINAL_ID]
    assert entry.from_addr == "Harbor & Vale LLP <clients@harborvale.law>"
    assert entry.auto_submitted is False
    assert entry.mail_message_id.endswith("@harborvale.law>")
    assert audit_actions(factory) == [("va@harborvale.law", "approve_send")]
    with factory() as session:
        assert session.get_one(Draft, entry.draft_id).state == "approved"


def test_a_draft_is_approved_once(factory: sessionmaker[Session], settings: Settings) -> None:
    thread = client_thread(factory)
    approve(factory, settings, thread)
    with pytest.raises(OutboxError, match="not pending"):
        approve(factory, settings, thread)


def test_what_could_never_be_sent_is_refused_at_approval(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    thread = client_thread(factory)
    with pytest.raises(OutboxError, match="not an e-mail address"):
        approve(factory, settings, thread, cc=["Bo from accounts"])
    with pytest.raises(OutboxError, match="cannot build the mail"):
        approve(factory, settings, thread, to=["ana@acme_example.com"])
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
        assert session.get_one(Draft, thread.draft_id).state == "pending"


def test_reply_goes_to_the_sender_and_reply_to_within_the_client(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    thread = client_thread(factory, reply_to=("billing@acme.example", "clients@harborvale.law"))
    entry = get(factory, approve(factory, settings, thread))
    assert entry.to_addrs == ["ana@acme.example", "billing@acme.example"]  # never ourselves
    assert entry.state == OutboxState.QUEUED  # a contact, and an address at the domain


def test_an_outside_address_is_held_until_a_person_confirms(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    thread = client_thread(factory, reply_to=("ana.private@gmail.example",))
    entry_id = approve(factory, send_settings, thread)
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.HELD
    assert entry.hold_reason is not None and entry.hold_reason.startswith(RECIPIENTS_HOLD)
    assert "ana.private@gmail.example" in entry.hold_reason and "Acme Corp" in entry.hold_reason
    assert one_pass(factory, send_settings).sent == 0
    assert sink.handler.received == []

    user_id = a_user(factory)
    with factory() as session, session.begin():
        held = session.get_one(OutboxEntry, entry_id)
        with pytest.raises(OutboxError):
            resend(session, held, None)  # a recipient hold needs the confirmation itself
        confirm_recipients(session, held, session.get(User, user_id))
    assert one_pass(factory, send_settings).sent == 1
    [got] = sink.handler.received
    assert set(got.rcpt_tos) == {"ana@acme.example", "ana.private@gmail.example"}
    assert ("va@harborvale.law", "confirm_recipients") in audit_actions(factory)


def test_an_extra_copy_to_another_party_is_held_too(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    thread = client_thread(factory)
    entry = get(factory, approve(factory, settings, thread, cc=["opposing@counsel.example"]))
    assert entry.state == OutboxState.HELD
    assert "opposing@counsel.example" in (entry.hold_reason or "")


def test_a_reply_to_an_unknown_sender_is_held(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    thread = client_thread(factory, sender="someone@new.example", known_client=False)
    entry = get(factory, approve(factory, settings, thread))
    assert entry.state == OutboxState.HELD
    assert "not from a known client" in (entry.hold_reason or "")


def test_cancelled_entry_is_never_sent_and_says_who_cancelled(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    entry_id = approve(factory, send_settings, client_thread(factory))
    user_id = a_user(factory)
    with factory() as session, session.begin():
        cancel(session, session.get_one(OutboxEntry, entry_id), session.get(User, user_id), "typo")
    assert one_pass(factory, send_settings).sent == 0
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.FAILED
    assert entry.last_error == "cancelled by va@harborvale.law: typo"
    assert sink.handler.received == []


# -- the worker against a real SMTP server ----------------------------------------------------


def test_approved_reply_is_delivered_once_with_threading_headers(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    thread = client_thread(factory)
    entry_id = approve(factory, send_settings, thread, a_user(factory))
    summary = one_pass(factory, send_settings)
    assert (summary.sent, summary.retrying, summary.failed) == (1, 0, 0)
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.SENT and entry.sent_at is not None and entry.attempts == 1

    [got] = sink.handler.received
    assert got.mail_from == "clients@harborvale.law"
    assert got.rcpt_tos == ("ana@acme.example",)
    mail = parsed(got)
    assert mail["Message-ID"] == entry.mail_message_id
    assert mail["In-Reply-To"] == ORIGINAL_ID
    assert mail["References"].split() == ["<q-1@acme.example>", ORIGINAL_ID]
    assert mail["Subject"] == "Re: Where is my lease review?"
    assert mail["Auto-Submitted"] is None  # a human approved it
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]

    with factory() as session:
        message = session.get_one(Message, thread.message_id)
        assert message.state == MessageState.ANSWERED and message.first_response_at is not None
        assert session.get_one(Draft, thread.draft_id).state == "sent"
    assert audit_actions(factory)[-1] == ("system", "outbox_sent")
    assert one_pass(factory, send_settings).sent == 0
    assert len(sink.handler.received) == 1


PDF = b"%PDF-1.4\n% an invoice\n%%EOF\n"


def test_a_reply_attaches_the_firm_documents_its_draft_names(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    thread = client_thread(factory)
    with factory() as session, session.begin():
        session.get_one(Draft, thread.draft_id).attachments = ["invoices/INV-1.pdf"]
    with pytest.raises(OutboxError, match=r"attachment not on file: invoices/INV-1\.pdf"):
        approve(factory, send_settings, thread, a_user(factory))
    with factory() as session, session.begin():
        session.add(
            FirmDocument(name="invoices/INV-1.pdf", content_type="application/pdf", content=PDF)
        )
    entry_id = approve(factory, send_settings, thread, None)
    with factory() as session:
        entry = session.get_one(OutboxEntry, entry_id)
        mail = outgoing_mail(entry, attached_documents(session, entry))
    assert render(mail) == render(mail)  # a retry sends the same bytes
    assert one_pass(factory, send_settings).sent == 1
    [got] = sink.handler.received
    message = parsed(got)
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.iter_parts()
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_filename() == "INV-1.pdf"
    assert attachment.get_content() == PDF


def test_notices_and_acknowledgements_are_marked_auto_submitted(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    notices(factory, send_settings, 1)
    ack_id = approve(factory, send_settings, client_thread(factory, action="escalate"))
    assert get(factory, ack_id).kind == "ack"
    assert one_pass(factory, send_settings).sent == 2
    assert all(parsed(r)["Auto-Submitted"] == "auto-generated" for r in sink.handler.received)
    with factory() as session:  # an acknowledgement does not answer the legal question
        assert session.get_one(Message, get(factory, ack_id).message_id).state == "escalated"


def test_an_attorney_replies_as_themself_with_answers_coming_back_to_the_inbox(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    approve(factory, send_settings, client_thread(factory), a_user(factory, "attorney"))
    one_pass(factory, send_settings)
    mail = parsed(sink.handler.received[0])
    assert mail["From"] == "Jo Vale <jvale@harborvale.law>"
    assert mail["Reply-To"] == "Harbor & Vale LLP <clients@harborvale.law>"
    assert sink.handler.received[0].mail_from == "clients@harborvale.law"  # bounces come home


def test_an_attorneys_own_reply_to_an_escalation_is_a_reply_not_an_acknowledgement(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    thread = client_thread(factory, action="escalate")
    attorney_id = a_user(factory, "attorney")
    with factory() as session, session.begin():
        user = session.get_one(User, attorney_id)
        message = session.get_one(Message, thread.message_id)
        draft = attorney_draft(session, message, user, "Ana,\n\nSign it; the clause is fine.")
        entry_id = queue_reply(session, draft, user, send_settings).id
    assert get(factory, entry_id).kind == "reply"
    assert one_pass(factory, send_settings).sent == 1
    assert parsed(sink.handler.received[0])["Auto-Submitted"] is None  # a person wrote it
    with factory() as session:
        assert session.get_one(Message, thread.message_id).state == "answered"


def test_temporary_failure_is_retried_with_backoff_then_delivered(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    [entry_id] = notices(factory, send_settings, 1)
    sink.handler.then("451")
    before = dt.datetime.now(dt.UTC)
    assert one_pass(factory, send_settings).retrying == 1
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.QUEUED and entry.attempts == 1
    assert entry.last_error == "attempt 1 of 10: 451 4.7.1 Try again later"
    wait = (entry.next_attempt_at.replace(tzinfo=dt.UTC) - before).total_seconds()
    assert 15 <= wait <= 31  # first retry: 30 s, half of it jittered
    assert one_pass(factory, send_settings).sent == 0  # not due yet

    make_due(factory)
    assert one_pass(factory, send_settings).sent == 1
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.SENT and entry.attempts == 2
    assert "451" in (entry.last_error or "")  # what happened on the way stays visible
    assert sink.handler.message_ids() == {entry.mail_message_id: 1}


def test_permanent_failure_fails_at_once_with_the_error_visible(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    entry_id = approve(factory, send_settings, client_thread(factory))
    sink.handler.then("550")
    assert one_pass(factory, send_settings).failed == 1
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.FAILED and entry.attempts == 1
    assert entry.last_error == "attempt 1 of 10: 550 5.7.1 Message refused"
    assert sink.handler.received == []
    assert audit_actions(factory)[-1] == ("system", "outbox_failed")

    with factory() as session, session.begin():  # a person fixes the cause and sends again
        resend(session, session.get_one(OutboxEntry, entry_id), None)
    assert one_pass(factory, send_settings).sent == 1
    assert sink.handler.message_ids() == {entry.mail_message_id: 1}


def test_connection_dropped_in_the_middle_of_data_is_retried_and_delivered_once(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    first, second = notices(factory, send_settings, 2)
    sink.handler.then("drop")
    summary = one_pass(factory, send_settings)
    assert (summary.retrying, summary.sent) == (1, 1)  # the next mail went on a new connection
    assert "connection lost" in (get(factory, first).last_error or "")
    make_due(factory)
    assert one_pass(factory, send_settings).sent == 1
    ids = {get(factory, first).mail_message_id, get(factory, second).mail_message_id}
    assert sink.handler.message_ids() == dict.fromkeys(ids, 1)


def test_attempts_are_capped_then_the_entry_fails(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    settings = send_settings.with_changes(send_max_attempts=2)
    [entry_id] = notices(factory, settings, 1)
    sink.handler.then("451", "421")
    assert one_pass(factory, settings).retrying == 1
    make_due(factory)
    assert one_pass(factory, settings).failed == 1
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.FAILED
    assert (entry.last_error or "").startswith("attempt 2 of 2: 421")


def test_a_server_that_is_down_costs_one_attempt_and_ends_the_pass(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    down = settings.with_changes(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=2.0)
    first, second = notices(factory, down, 2)
    summary = one_pass(factory, down)
    assert (summary.retrying, summary.sent) == (1, 0)
    assert "cannot connect" in (get(factory, first).last_error or "")
    assert get(factory, second).attempts == 0  # left for the next pass


def test_half_sent_entry_without_any_mailbox_is_held_never_guessed(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    [entry_id] = notices(factory, send_settings, 1)
    half_sent(factory, entry_id)
    assert one_pass(factory, send_settings).held == 1
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.HELD
    assert (entry.hold_reason or "").startswith(UNKNOWN_DELIVERY)
    assert sink.handler.received == []
    with factory() as session, session.begin():  # a person checked: it never arrived
        resend(session, session.get_one(OutboxEntry, entry_id), None)
    assert one_pass(factory, send_settings).sent == 1


def test_an_entry_claimed_by_a_live_worker_is_left_alone(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    [entry_id] = notices(factory, send_settings, 1)
    half_sent(factory, entry_id)
    with factory() as session, session.begin():
        entry = session.get_one(OutboxEntry, entry_id)
        entry.next_attempt_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    summary = one_pass(factory, send_settings)
    assert not summary.anything
    assert get(factory, entry_id).state == OutboxState.SENDING


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_and_login(
    factory: sessionmaker[Session],
    settings: Settings,
    certificate: tuple[Path, Path],
    security: str,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the throwaway CA
    with smtp_sink(certificate=certificate, security=security, login=("relay", "s3cret")) as srv:
        tls = settings.with_changes(
            smtp_host=srv.host,
            smtp_port=srv.port,
            smtp_security=security,
            smtp_user="relay",
            smtp_password="wrong",
            smtp_timeout=5.0,
        )
        [entry_id] = notices(factory, tls, 1)
        assert one_pass(factory, tls).retrying == 1
        assert "login refused: 535" in (get(factory, entry_id).last_error or "")
        make_due(factory)
        right = tls.with_changes(smtp_password=None, smtp_password_command="printf s3cret")
        assert one_pass(factory, right).sent == 1
        assert len(srv.handler.received) == 1


# -- the Sent folder and \Answered, against Dovecot ---------------------------------------------


def client_mail_in_inbox(server: Dovecot) -> tuple[int, int]:
    raw = (
        "From: Ana Pérez <ana@acme.example>\r\nTo: clients@harborvale.law\r\n"
        f"Subject: Where is my lease review?\r\nMessage-ID: {ORIGINAL_ID}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHas it gone out?\r\n"
    ).encode()
    with server.login() as client:
        client.append("INBOX", raw)
        status = client.select_folder("INBOX")
        [uid] = client.search(["HEADER", "Message-ID", ORIGINAL_ID])
        return uid, int(status[b"UIDVALIDITY"])


def imap_thread(
    factory: sessionmaker[Session], dovecot: Dovecot, mailbox_id: int
) -> tuple[int, int, Thread]:
    """The client's mail in the IMAP inbox and stored from there, with a draft reply:
    (its UID, the folder's UIDVALIDITY, the thread)."""
    uid, uidvalidity = client_mail_in_inbox(dovecot)
    thread = client_thread(
        factory,
        mailbox_id=mailbox_id,
        imap_uid=uid,
        origin=f"imap://firm/INBOX;UIDVALIDITY={uidvalidity}/;UID={uid}",
    )
    return uid, uidvalidity, thread


def test_sent_copy_is_filed_and_the_original_flagged_answered(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
) -> None:
    uid, _uidvalidity, thread = imap_thread(factory, dovecot, mailbox_id)
    entry_id = approve(factory, send_settings, thread)
    assert one_pass(factory, send_settings).sent == 1
    entry = get(factory, entry_id)
    [copy] = in_sent(dovecot, entry.mail_message_id)
    with dovecot.login() as client:
        client.select_folder("Sent", readonly=True)
        filed = client.fetch([copy], ["BODY.PEEK[]", "FLAGS"])[copy]
        assert filed[b"BODY[]"] == render(outgoing_mail(entry))
        assert b"\\Seen" in filed[b"FLAGS"] and PENDING not in filed[b"FLAGS"]
        client.select_folder("INBOX", readonly=True)
        assert b"\\Answered" in client.get_flags([uid])[uid]
    assert sink.handler.received[0].content.rstrip(b"\r\n") == filed[b"BODY[]"].rstrip(b"\r\n")


def test_mail_the_server_refused_or_never_finished_leaves_no_sent_copy(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
) -> None:
    refused, dropped = notices(factory, send_settings, 2)
    sink.handler.then("550", "drop")
    summary = one_pass(factory, send_settings)
    assert (summary.failed, summary.retrying) == (1, 1)
    for entry_id in (refused, dropped):
        assert in_sent(dovecot, get(factory, entry_id).mail_message_id) == []
    make_due(factory)
    assert one_pass(factory, send_settings).sent == 1
    assert len(in_sent(dovecot, get(factory, dropped).mail_message_id)) == 1


def test_half_sent_entries_are_looked_up_in_sent_before_being_sent_again(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
) -> None:
    reached, lost, unsure = notices(factory, send_settings, 3)
    for entry_id in (reached, lost, unsure):
        half_sent(factory, entry_id)
    with dovecot.login() as client:
        # the first got past the end of data before the crash; the third was filed
        # but the crash came before its pending mark was cleared
        client.append("Sent", render(outgoing_mail(get(factory, reached))))
        pending = render(outgoing_mail(get(factory, unsure)))
        client.append("Sent", pending, flags=[PENDING])
    summary = one_pass(factory, send_settings)
    assert (summary.recovered, summary.requeued, summary.sent, summary.held) == (1, 1, 1, 1)
    assert get(factory, reached).state == get(factory, lost).state == OutboxState.SENT
    assert sink.handler.message_ids() == {get(factory, lost).mail_message_id: 1}
    assert ("system", "outbox_recovered") in audit_actions(factory)

    held = get(factory, unsure)
    assert held.state == OutboxState.HELD
    assert (held.hold_reason or "").startswith(UNKNOWN_DELIVERY)
    with factory() as session, session.begin():  # a person checked: it did arrive
        mark_delivered(session, session.get_one(OutboxEntry, unsure), None)
    assert get(factory, unsure).state == OutboxState.SENT
    assert one_pass(factory, send_settings).sent == 0


class Crash(BaseException):
    """The worker dies at this line: nothing after it runs, nothing is settled."""


def received_by(sink: Sink, count: int, seconds: float = 10.0) -> None:
    """Wait until the SMTP sink holds `count` mails (a client that died after its end
    of data never read the reply, so nothing told it when the server was done)."""
    deadline = time.monotonic() + seconds
    while len(sink.handler.received) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def crash_once(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Make the next attempt die at `where`: right after a step is recorded (data,
    filed, end), once our copy is in Sent (appended), or while its pending mark is
    cleared, the end of data written (confirm)."""
    armed = [True]

    def fire() -> None:
        if armed[0]:
            armed[0] = False
            raise Crash(where)

    record_step = OutboxWorker._record_step
    append, confirm = SentFolder.append, SentFolder.confirm

    def recorded(self, claim, step):  # type: ignore[no-untyped-def]
        record_step(self, claim, step)
        if step == where:
            fire()

    def appended(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        uid = append(self, *args, **kwargs)
        if where == "appended":
            fire()
        return uid

    def confirmed(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if where == "confirm":
            fire()
        return confirm(self, *args, **kwargs)

    monkeypatch.setattr(OutboxWorker, "_record_step", recorded)
    monkeypatch.setattr(SentFolder, "append", appended)
    monkeypatch.setattr(SentFolder, "confirm", confirmed)


@pytest.mark.parametrize(
    ("where", "held", "received"),
    [
        (SendStep.DATA, 0, 0),
        ("appended", 0, 0),  # issue 19: was held, though the server never had the mail
        (SendStep.FILED, 0, 0),
        (SendStep.END, 1, 0),  # the one blind instant: recorded, the dot not yet written
        ("confirm", 1, 1),  # after the dot, before the reply: truly unknown
    ],
)
def test_a_worker_that_dies_mid_send_is_held_only_once_the_end_of_data_may_have_left(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    held: int,
    received: int,
) -> None:
    [entry_id] = notices(factory, send_settings, 1)
    crash_once(monkeypatch, where)
    with pytest.raises(Crash):
        one_pass(factory, send_settings)
    entry = get(factory, entry_id)
    assert entry.state == OutboxState.SENDING
    if received:  # the dot left before the crash: the server takes the mail in its own time
        received_by(sink, received)
    assert len(sink.handler.received) == received
    make_due(factory)  # its claim expires
    summary = one_pass(factory, send_settings)
    entry = get(factory, entry_id)
    if held:
        assert summary.held == 1 and entry.state == OutboxState.HELD
        assert (entry.hold_reason or "").startswith(UNKNOWN_DELIVERY)
    else:  # known not sent: queued again at once, and sent, once, with one Sent copy
        assert (summary.requeued, summary.sent, summary.held) == (1, 1, 0)
        assert entry.state == OutboxState.SENT
        assert sink.handler.message_ids() == {entry.mail_message_id: 1}
        assert len(in_sent(dovecot, entry.mail_message_id)) == 1


def test_an_unsent_mail_that_then_fails_leaves_no_copy_in_sent(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pending copy filed before a crash is removed at recovery, not only by a retry
    (here there is none: the one attempt allowed is spent)."""
    [entry_id] = notices(factory, send_settings, 1)
    crash_once(monkeypatch, SendStep.FILED)
    with pytest.raises(Crash):
        one_pass(factory, send_settings)
    message_id = get(factory, entry_id).mail_message_id
    assert len(in_sent(dovecot, message_id)) == 1
    make_due(factory)
    assert one_pass(factory, send_settings.with_changes(send_max_attempts=1)).failed == 1
    assert get(factory, entry_id).state == OutboxState.FAILED
    assert in_sent(dovecot, message_id) == [] and sink.handler.received == []


def test_without_a_mailbox_a_worker_that_died_before_the_end_of_data_is_retried(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 19: no Sent folder to look in, but the recorded step says it was not sent."""
    [entry_id] = notices(factory, send_settings, 1)
    crash_once(monkeypatch, SendStep.DATA)
    with pytest.raises(Crash):
        one_pass(factory, send_settings)
    assert get(factory, entry_id).send_step == SendStep.DATA
    make_due(factory)
    summary = one_pass(factory, send_settings)
    assert (summary.requeued, summary.sent, summary.held) == (1, 1, 0)
    assert sink.handler.message_ids() == {get(factory, entry_id).mail_message_id: 1}


def test_when_the_server_files_sent_mail_a_lost_reply_is_not_sent_twice(
    factory: sessionmaker[Session],
    settings: Settings,
    dovecot: Dovecot,
    mailbox_id: int,
) -> None:
    """Gmail and Microsoft 365 file submitted mail in Sent themselves. The server accepts
    the mail but the connection dies before its 250 reaches us: the retry finds it."""
    with SentFiler(dovecot) as filer:
        handler = RecordingHandler(on_accept=filer.file)
        with smtp_sink(handler) as server:
            files = settings.with_changes(
                smtp_host=server.host, smtp_port=server.port, smtp_saves_sent=True
            )
            [entry_id] = notices(factory, files, 1)
            handler.then("hang-up")
            assert one_pass(factory, files).retrying == 1
            assert len(handler.received) == 1
            make_due(factory)
            summary = one_pass(factory, files)
            assert (summary.recovered, summary.sent) == (1, 0)
            assert len(handler.received) == 1
            entry = get(factory, entry_id)
    assert entry.state == OutboxState.SENT
    assert len(in_sent(dovecot, entry.mail_message_id)) == 1  # the server's copy, not ours too


class SentFiler:
    """Files each accepted mail in Dovecot's Sent, as a provider's SMTP server does."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server
        self.client: IMAPClient | None = None

    def __enter__(self) -> SentFiler:
        self.client = self.server.login()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.client is not None
        self.client.logout()

    def file(self, received: Received) -> None:
        assert self.client is not None
        self.client.append("Sent", received.content)


# -- crashes and concurrency, with the real command -----------------------------------------


def worker_env(db_url: str, server: Sink, dovecot: Dovecot | None = None) -> dict[str, str]:
    """Short timeouts and claims, so a killed worker's entries are taken over quickly."""
    env = {
        **os.environ,
        "INBOX_ROUTER_DB": db_url,
        "INBOX_ROUTER_SMTP_HOST": server.host,
        "INBOX_ROUTER_SMTP_PORT": str(server.port),
        "INBOX_ROUTER_SMTP_SECURITY": "plain",
        "INBOX_ROUTER_SMTP_TIMEOUT": "2",
        "INBOX_ROUTER_IMAP_TIMEOUT": "0.5",
        "INBOX_ROUTER_SEND_CLAIM_SECONDS": "5",
        "INBOX_ROUTER_SEND_POLL_SECONDS": "0.1",
        "INBOX_ROUTER_SEND_RETRY_SECONDS": "0.1",
    }
    if dovecot is not None:
        env["TEST_IMAP_PASSWORD"] = dovecot.password
    return env


def start_worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "inbox.cli", "send", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def wait_for_start(process: subprocess.Popen[bytes], log: Path, seen: int) -> int:
    """Wait until this run printed its start line; return how many starts the log holds."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        starts = log.read_bytes().count(b"inbox-router: sending via")
        if starts > seen:
            return starts
        time.sleep(0.005)
    raise AssertionError(f"worker did not start: {log.read_text(errors='replace')[-2000:]}")


def count_states(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        rows = session.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state))
        return {state: n for state, n in rows}


@pytest.mark.slow
def test_kill_9_at_random_points_then_restart_delivers_every_mail_exactly_once(
    factory: sessionmaker[Session],
    db_url: str,
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
    tmp_path: Path,
) -> None:
    """The worker files its own Sent copies (a server that does not), the harder case."""
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    log = tmp_path / "worker.log"
    ids = notices(factory, send_settings, 30)
    env = worker_env(db_url, sink, dovecot)
    starts = 0
    for _ in range(20):
        process = start_worker(env, log)
        starts = wait_for_start(process, log, starts)
        time.sleep(rng.uniform(0, 0.15))  # from start-up recovery to a few mails in
        process.send_signal(signal.SIGKILL)
        process.wait()
    after_kills = count_states(factory)

    process = start_worker(env, log)  # now let it settle everything
    starts = wait_for_start(process, log, starts)
    deadline = time.monotonic() + 30
    while set(count_states(factory)) - {OutboxState.SENT, OutboxState.HELD}:
        assert time.monotonic() < deadline, f"seed {seed}: {count_states(factory)}"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=15)
    assert code == 0, f"seed {seed}: SIGTERM must end it cleanly, not {code}: {log.read_text()}"

    delivered = sink.handler.message_ids()
    with factory() as session:
        entries = session.scalars(select(OutboxEntry)).all()
    twice = {mid: n for mid, n in delivered.items() if n > 1}
    assert not twice, f"seed {seed}: sent more than once: {twice}"
    for entry in entries:  # never lost without a trace either
        if entry.state == OutboxState.SENT:
            assert delivered[entry.mail_message_id] == 1, f"seed {seed}: {entry.id} lost"
        else:
            assert (entry.hold_reason or "").startswith(UNKNOWN_DELIVERY), entry.hold_reason

    held = [e for e in entries if e.state == OutboxState.HELD]
    with factory() as session, session.begin():  # a person settles each one
        for entry in held:
            row = session.get_one(OutboxEntry, entry.id)
            if delivered[entry.mail_message_id]:
                mark_delivered(session, row, None)
            else:
                resend(session, row, None)
    one_pass(factory, send_settings)
    assert sink.handler.message_ids() == dict.fromkeys(
        (get(factory, i).mail_message_id for i in ids), 1
    )
    assert count_states(factory) == {OutboxState.SENT: len(ids)}
    copies = {e.id: len(in_sent(dovecot, e.mail_message_id)) for e in entries}
    assert set(copies.values()) == {1}, f"seed {seed}: copies in Sent by entry: {copies}"
    print(f"seed {seed}: after the kills {after_kills}; {len(held)} held for a person")


@pytest.mark.slow
def test_two_workers_at_once_send_each_mail_once(
    factory: sessionmaker[Session], db_url: str, settings: Settings, sink: Sink, tmp_path: Path
) -> None:
    ids = notices(factory, settings, 20)
    env = worker_env(db_url, sink)
    log = tmp_path / "workers.log"
    workers = [start_worker(env, log, "--once") for _ in range(2)]
    for process in workers:
        assert process.wait(timeout=60) == 0, log.read_text(errors="replace")
    assert count_states(factory) == {OutboxState.SENT: len(ids)}
    assert sorted(sink.handler.message_ids().values()) == [1] * len(ids)


def test_the_worker_runs_beside_another_loop_until_stopped(
    factory: sessionmaker[Session], send_settings: Settings, sink: Sink
) -> None:
    """`poll` runs it this way when INBOX_ROUTER_SEND_IN_POLL is true."""
    import threading
    import time

    from inbox.outgoing.worker import OutboxWorker, run_in_thread

    thread = client_thread(factory)
    entry_id = approve(factory, send_settings, thread, a_user(factory))
    stop = threading.Event()
    worker = run_in_thread(OutboxWorker(factory, send_settings), stop)
    deadline = time.monotonic() + 20
    while get(factory, entry_id).state != OutboxState.SENT and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert get(factory, entry_id).state == OutboxState.SENT
    assert len(sink.handler.received) == 1


def test_files_uploaded_onto_a_reply_are_sent_and_kept_in_the_sent_copy(
    factory: sessionmaker[Session],
    send_settings: Settings,
    sink: Sink,
    dovecot: Dovecot,
    mailbox_id: int,
) -> None:
    thread = imap_thread(factory, dovecot, mailbox_id)[2]
    with factory() as session, session.begin():
        draft = session.get_one(Draft, thread.draft_id)
        user = session.get_one(User, a_user(factory))
        attach_files(session, draft, user, [("Lease (signed).pdf", PDF)], 1024 * 1024)
    entry_id = approve(factory, send_settings, thread)
    assert one_pass(factory, send_settings).sent == 1
    [got] = sink.handler.received
    [copy] = in_sent(dovecot, get(factory, entry_id).mail_message_id)
    with dovecot.login() as client:
        client.select_folder("Sent", readonly=True)
        filed = client.fetch([copy], ["BODY.PEEK[]"])[copy][b"BODY[]"]
    assert got.content.rstrip(b"\r\n") == filed.rstrip(b"\r\n")  # the same bytes
    for data in (got.content, filed):
        message = email.message_from_bytes(data, policy=policy.default)
        assert message.get_content_type() == "multipart/mixed"
        body, attachment = message.iter_parts()
        assert body.get_content_type() == "multipart/alternative"
        assert attachment.get_filename() == "Lease (signed).pdf"
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == PDF
        assert message["In-Reply-To"] == ORIGINAL_ID
