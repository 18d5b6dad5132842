"""Benchmark the review UI: queue and message pages with 100,000 messages stored.

For each backend (SQLite, then PostgreSQL): migrate a fresh database, import the
sample firm, bulk-insert N realistic messages with Core executemany (each with its
classification and routing decision, a pending draft for review ones, raw bytes,
threads, outbox entries, audit events and notes), serve the real app with gunicorn
as `inbox-router serve` does in a subprocess, log in over HTTP and send requests
from this process with --concurrency threads. Server time is measured in the server
by a WSGI middleware that wraps the app (the app is unchanged) and returns it as a
Server-Timing header; client latency is measured here. Goal: p95 server time < 50 ms.
Always exits 0.

    python bench/web.py [--messages 100000] [--backend sqlite|postgresql|both]
                        [--requests 2000] [--concurrency 4] [--workers 1]
                        [--database URL] [--pages triage,messages]

PostgreSQL: $INBOX_ROUTER_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/test);
a database ir_bench_<random> is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from inbox.accounts import add_user  # noqa: E402
from inbox.db import make_engine, migrate, normalize_url, session_factory  # noqa: E402
from inbox.models import (  # noqa: E402
    Attachment,
    Attorney,
    AuditEvent,
    Classification,
    Client,
    Contact,
    Draft,
    Matter,
    Message,
    MessageState,
    Note,
    OutboxEntry,
    RawMessage,
    RoutingDecision,
    Thread,
)
from inbox.settings import Settings  # noqa: E402
from inbox.vocabulary import catch_up  # noqa: E402
from rules.directory_import import import_directory  # noqa: E402
from web.serve import default_workers  # noqa: E402

GOAL_P95_MS = 50.0
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password-1234"
VA_EMAIL = "va.bench@harborvale.law"
CHUNK = 2000
TIME_CAP_S = 120.0  # per page type: a slow page stops early rather than run for an hour

# -- realistic data -------------------------------------------------------------

STATES = [  # (state, share) of a mailbox that has been in use for a while
    (MessageState.ANSWERED, 0.40),
    (MessageState.DONE, 0.12),
    (MessageState.IGNORED, 0.15),
    (MessageState.TRIAGE, 0.09),
    (MessageState.REVIEW, 0.08),
    (MessageState.ESCALATED, 0.10),
    (MessageState.SENDING, 0.01),
    (MessageState.QUARANTINED, 0.02),
    (MessageState.RECEIVED, 0.01),
    # The rest (~2%) fall to answered by the cumulative draw below.
]
ACTION_FOR = {
    MessageState.ANSWERED: "draft",
    MessageState.SENDING: "draft",
    MessageState.REVIEW: "draft",
    MessageState.DONE: "escalate",
    MessageState.ESCALATED: "escalate",
    MessageState.IGNORED: "ignore",
    MessageState.TRIAGE: "triage",
}
LABEL_FOR_ACTION = {
    "draft": ("status_request", "billing_query"),
    "escalate": ("legal_question",),
    "ignore": ("other",),
    "triage": ("status_request", "billing_query", "legal_question", "other"),
}
RULES = {
    "draft": [
        {
            "name": "status-of-a-known-matter",
            "description": "Status questions about an identified matter get a draft with its "
            "status, next step and date.",
        },
        {
            "name": "billing-of-a-known-client",
            "description": "Billing questions from a known client get a draft with open "
            "invoices and payment instructions.",
        },
    ],
    "escalate": [
        {
            "name": "legal-question-to-responsible",
            "description": "Legal questions go to the responsible attorney of the matter.",
        }
    ],
    "ignore": [
        {
            "name": "machine-written-mail",
            "description": "Auto-replies, mailing lists, newsletters and bounces are filed, "
            "never answered.",
        }
    ],
    "triage": [
        {
            "name": "low-confidence",
            "description": "Below the confidence threshold a person decides.",
        }
    ],
}
PARAGRAPHS = {
    "status_request": [
        "I wanted to check in on where things stand with our matter. The last update we "
        "received was a few weeks ago and our board is asking whether the filing deadline "
        "is still realistic, or whether we should plan for an extension.",
        "Could you let me know what the next step is and roughly when we should expect to "
        "hear back from the other side? We are trying to plan our budget for the quarter.",
        "We have not received the revised draft of the agreement that was promised at the "
        "end of last month. Is there anything you need from us to move it forward?",
        "Quería saber en qué estado se encuentra nuestro asunto. ¿Hay alguna novedad sobre "
        "la audiencia o sobre los documentos que enviamos la semana pasada?",
        "Können Sie mir bitte den aktuellen Stand unserer Angelegenheit mitteilen? Wir "
        "warten noch auf die überarbeitete Fassung des Vertrags.",
    ],
    "billing_query": [
        "I received the invoice for last month and I have a question about a few of the "
        "line items. The hours billed for document review seem higher than what we "
        "discussed, and I could not find the paralegal rate on the engagement letter.",
        "Could you send me a copy of the statement with the open balance? Our accounts "
        "payable team needs it before they can release the payment, and they also asked "
        "whether you accept payment by card.",
        "We paid the deposit by bank transfer on Friday; can you confirm it was received "
        "and applied to the right matter? The reference on the transfer was the invoice "
        "number.",
        "Recibí la factura pero el importe no coincide con el presupuesto. ¿Podrían "
        "revisarla y enviarme una versión corregida?",
        "Die Rechnung ist bei uns eingegangen, aber der Betrag weicht vom Angebot ab. "
        "Bitte prüfen Sie das und senden Sie uns eine korrigierte Rechnung.",
    ],
    "legal_question": [
        "Our landlord has sent a notice saying the lease will not be renewed and that we "
        "have to vacate within thirty days. Is that enforceable given the renewal option "
        "in section 14, and what should we do in the meantime?",
        "A former employee is threatening to sue over unpaid overtime. He was classified "
        "as exempt. What are our obligations, and should we respond to his letter "
        "ourselves or wait for you?",
        "My ex-husband wants to move to Oregon with the children. Can he do that without "
        "my consent under the current custody order? I am very worried about this.",
        "We received a cease and desist letter about our trademark from a company in "
        "Texas. Do we have to stop using the name right away?",
        "¿Puede el banco poner un gravamen sobre mi casa por una deuda de la tarjeta? "
        "Recibí una carta y no entiendo lo que significa.",
        "The other side has proposed mediation before the hearing in March. Should we "
        "agree to it, who chooses the mediator, and is what we say in mediation kept "
        "out of court?",
    ],
    "other": [
        "Thank you for your message. I am out of the office until Monday with limited "
        "access to e-mail. For urgent matters please contact my colleague.",
        "This month's issue covers the new overtime thresholds, beneficial ownership "
        "reporting for LLCs and the lease clauses every tenant should negotiate. To "
        "unsubscribe, follow the link at the bottom of this e-mail.",
        "Delivery to the following recipient failed permanently: the mailbox is full or "
        "the address does not exist. Technical details of the failure are below.",
        "Thanks so much for the holiday card, it was lovely to hear from everyone at "
        "the firm. Best wishes for the new year!",
    ],
}
QUOTED = (
    "\n\nOn Tue, Nov 3, 2026 at 10:12 AM Harbor & Vale LLP <clients@harborvale.law> wrote:\n"
    "> Thank you for your message. We have received it and a member of our team will\n"
    "> get back to you within one business day. Please include your matter number in\n"
    "> any further correspondence so we can find your file quickly.\n>\n"
    "> Harbor & Vale LLP\n> 1200 Harbor Avenue, Suite 400, Seattle, WA 98101\n"
)
SUBJECTS = {
    "status_request": ["{matter} - where are we?", "Update on {matter}?", "Status of our case"],
    "billing_query": ["Invoice question", "Question about invoice {invoice}", "Payment sent"],
    "legal_question": ["Urgent question", "Lease termination notice", "Question about {matter}"],
    "other": ["Automatic reply: {matter}", "November issue: business law update", "Thanks!"],
}
FIRST_NAMES = ["Sam", "Ana", "Jonas", "Priya", "Mike", "Lena", "Carlos", "Grace", "Tom", "Ines"]
LAST_NAMES = ["Delgado", "Osei", "Keller", "Nguyen", "Brooks", "Varga", "Silva", "Meyer", "Ito"]
SEARCHES = ["deposit", "HV-2026-0007", "Delgado", "overtime", "invoice", "Oregon", "lease"]
# What the word search adds (web/search.py): a stem, a prefix, typos (a second search
# through the vocabulary: "mediaton" and "landlrd" find the mail of "mediation" and
# "landlord"), a phrase and the operators.
SEARCHES_MORE = [
    "invoices",
    "overt",
    "mediaton",
    "gravamen",
    "landlrd",
    '"filing deadline"',
    "label:billing deposit",
    "from:delgado lease",
    "client:northwind invoice",
    "matter:HV-2026-0007",
]
# Inside a queue, words most messages hold (every generated mail signs off "Best
# regards"; the paragraphs share "the", "we", "matter"...) and prefixes of two or three
# letters, which begin many words.
SEARCHES_COMMON = [
    "regards",
    "best",
    "the",
    "we",
    "matter",
    "thank",
    "invoice",
    "re",
    "th",
    "be",
    "inv",
    "mat",
    "ha",
]

# Inside a queue, a sender (a part of a name or address) and a word, common or not.
SEARCHES_FROM = ["from:ana the", "from:delgado regards", "from:brooks invoice", "from:keller th"]


def _weighted_state(rnd: random.Random) -> str:
    x, acc = rnd.random(), 0.0
    for state, share in STATES:
        acc += share
        if x < acc:
            return state
    return MessageState.ANSWERED


def _body(rnd: random.Random, label: str, greeting: str, signature: str) -> tuple[str, str]:
    """(text body, new text): 1-3 kB, some with quoted history."""
    pool = PARAGRAPHS[label]
    paragraphs = [rnd.choice(pool) for _ in range(rnd.randint(3, 8))]
    new_text = f"{greeting}\n\n" + "\n\n".join(paragraphs) + f"\n\n{signature}"
    text_body = new_text + (QUOTED if rnd.random() < 0.4 else "")
    return text_body, new_text


def _html(text_body: str) -> str:
    parts = [f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text_body.split("\n\n")]
    return (
        '<div style="font-family: Arial, sans-serif; font-size: 14px">'
        + "".join(parts)
        + ("</div>")
    )


class Firm:
    """The sample firm's ids, read back after the import."""

    def __init__(self, session: Any) -> None:
        self.attorneys = [(a.id, a.email) for a in session.scalars(select(Attorney))]
        self.clients = {c.id: c for c in session.scalars(select(Client))}
        self.contacts = list(session.scalars(select(Contact)))
        self.matters = list(session.scalars(select(Matter)))
        self.matters_of: dict[int, list[Matter]] = {}
        for m in self.matters:
            self.matters_of.setdefault(m.client_id, []).append(m)


def generate(
    count: int, firm: Firm, user_ids: list[int], attorney_user: tuple[int, str], seed: int = 7
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Rows for each table, a chunk of messages at a time (explicit ids from 1).
    `attorney_user`: (id, email) of the attorney's login that hands some triage back."""
    rnd = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    span = dt.timedelta(days=365)
    next_thread = 1
    open_thread: dict[int, tuple[int, str]] = {}  # contact id -> (thread id, message-id)
    ids = {
        "classification": 1,
        "decision": 1,
        "draft": 1,
        "outbox": 1,
        "audit": 1,
        "note": 1,
        "attachment": 1,
    }
    for start in range(1, count + 1, CHUNK):
        rows: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in (
                "threads",
                "messages",
                "raw",
                "classifications",
                "decisions",
                "drafts",
                "outbox",
                "audit",
                "notes",
                "attachments",
            )
        }
        for mid in range(start, min(count, start + CHUNK - 1) + 1):
            state = _weighted_state(rnd)
            action = ACTION_FOR.get(state, "triage")
            label = rnd.choice(LABEL_FOR_ACTION[action])
            if state in (MessageState.QUARANTINED, MessageState.RECEIVED):
                label = None
            known = rnd.random() < 0.8 and label != "other"
            contact = rnd.choice(firm.contacts) if known else None
            client = firm.clients[contact.client_id] if contact else None
            matters = firm.matters_of.get(client.id, []) if client else []
            matter = rnd.choice(matters) if matters and rnd.random() < 0.7 else None
            first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
            from_addr = contact.email if contact else f"{first}.{last}{mid % 97}@example.com"
            from_name = contact.name if contact else f"{first} {last}"
            # Older messages are mostly closed; open ones are recent.
            if state in (MessageState.TRIAGE, MessageState.REVIEW, MessageState.ESCALATED):
                received = now - dt.timedelta(minutes=rnd.randint(5, 60 * 24 * 10))
            else:
                received = now - span * rnd.random() ** 0.7
            sla = None
            if state != MessageState.IGNORED and rnd.random() < 0.95:
                sla = received + dt.timedelta(hours=rnd.choice((4, 8, 24, 48)))
            subject = rnd.choice(SUBJECTS[label or "other"]).format(
                matter=matter.matter_number if matter else "HV-2026-0001",
                invoice=f"HV-INV-{1000 + mid % 90}",
            )
            text_body, new_text = _body(
                rnd, label or "other", f"Hi {first},", f"Best regards,\n{from_name}"
            )
            html = _html(text_body) if rnd.random() < 0.35 else None
            message_id = f"<{mid}.{secrets.token_hex(6)}@mail.example.com>"
            thread_id, in_reply_to, references = None, None, []
            if contact is not None and rnd.random() < 0.3:
                if contact.id in open_thread and rnd.random() < 0.7:
                    thread_id, in_reply_to = open_thread[contact.id]
                    references = [in_reply_to]
                    subject = "Re: " + subject
                else:
                    thread_id = next_thread
                    next_thread += 1
                    rows["threads"].append(
                        {"id": thread_id, "subject": subject, "created_at": received}
                    )
                open_thread[contact.id] = (thread_id, message_id)
            headers = [
                ["From", f"{from_name} <{from_addr}>"],
                ["To", "clients@harborvale.law"],
                ["Subject", subject],
                ["Date", received.strftime("%a, %d %b %Y %H:%M:%S +0000")],
                ["Message-ID", message_id],
                ["MIME-Version", "1.0"],
                ["Content-Type", "multipart/alternative" if html else "text/plain"],
            ]
            attorney_id = None
            if state in (MessageState.ESCALATED, MessageState.DONE):
                attorney_id = (
                    matter.responsible_attorney_id if matter else rnd.choice(firm.attorneys)[0]
                )
            confidence = round(rnd.uniform(0.4, 0.99), 4)
            rows["messages"].append(
                {
                    "id": mid,
                    "dedupe_key": "fp:" + hashlib.sha256(message_id.encode()).hexdigest(),
                    "message_id": message_id,
                    "message_id_hash": hashlib.sha256(message_id.encode()).hexdigest(),
                    "message_id_synthetic": False,
                    "mailbox_id": None,
                    "imap_uid": None,
                    "origin": f"bench/{mid}.eml",
                    "state": state,
                    "error": "could not parse MIME structure"
                    if state == MessageState.QUARANTINED
                    else None,
                    "subject": subject,
                    "from_name": from_name,
                    "from_addr": from_addr,
                    "to_addrs": [{"name": "", "addr": "clients@harborvale.law"}],
                    "cc_addrs": [],
                    "reply_to": [],
                    "sent_at": received - dt.timedelta(seconds=rnd.randint(1, 300)),
                    "received_at": received,
                    "headers": headers,
                    "text_body": text_body,
                    "html_body": html,
                    "new_text": new_text,
                    "language": rnd.choice(("en", "en", "en", "es", "de")),
                    "in_reply_to": in_reply_to,
                    "references": references,
                    "thread_id": thread_id,
                    "is_auto_submitted": label == "other" and rnd.random() < 0.5,
                    "is_bulk": label == "other" and rnd.random() < 0.3,
                    "is_bounce": False,
                    "screen_reasons": [],
                    "parse_defects": [],
                    "size": len(text_body) + len(html or "") + 600,
                    "client_id": client.id if client else None,
                    "contact_id": contact.id if contact else None,
                    "matter_id": matter.id if matter else None,
                    "assignee_user_id": rnd.choice(user_ids)
                    if state == MessageState.TRIAGE and rnd.random() < 0.3
                    else None,
                    "assignee_attorney_id": attorney_id,
                    "priority": rnd.choice((0, 0, 0, 1, 2)),
                    "sla_due_at": sla,
                    "label": label,
                    "confidence": confidence if label else None,
                    "first_response_at": received + dt.timedelta(hours=2)
                    if state in (MessageState.ANSWERED, MessageState.DONE)
                    else None,
                }
            )
            raw = "\r\n".join(f"{k}: {v}" for k, v in headers) + "\r\n\r\n" + text_body[:400]
            rows["raw"].append(
                {
                    "message_id": mid,
                    "sha256": hashlib.sha256(raw.encode()).hexdigest(),
                    "content": raw.encode(),
                }
            )
            if label is None:
                continue
            scores = {name: round(rnd.random() * 0.1, 4) for name in LABEL_FOR_ACTION["triage"]}
            scores[label] = confidence
            rows["classifications"].append(
                {
                    "id": ids["classification"],
                    "message_id": mid,
                    "label": label,
                    "confidence": confidence,
                    "scores": scores,
                    "needs_triage": action == "triage",
                    "explanation": [["invoice", 0.21], ["matter", 0.08], ["status", 0.05]],
                    "model_version": "default",
                    "source": "model",
                    "user_id": None,
                    "created_at": received,
                }
            )
            ids["classification"] += 1
            rows["decisions"].append(
                {
                    "id": ids["decision"],
                    "message_id": mid,
                    "action": action,
                    "assignee_email": None,
                    "template": f"client/{label}" if action == "draft" else None,
                    "reason": RULES[action][0]["name"] + ": " + RULES[action][0]["description"],
                    "rules_fired": [rnd.choice(RULES[action])],
                    "identification": {
                        "client": client.client_code if client else None,
                        "contact": contact.email if contact else None,
                        "matter": matter.matter_number if matter else None,
                        "matter_source": "number" if matter else "none",
                        "candidates": [],
                        "foreign_matter_numbers": [],
                    },
                    "priority": 0,
                    "sla_due_at": sla,
                    "auto_send": False,
                    "created_at": received,
                }
            )
            ids["decision"] += 1
            if action == "draft":
                draft_state = "pending" if state == MessageState.REVIEW else "approved"
                reply = (
                    f"Dear {first},\n\nThank you for your message. "
                    + "Here is where your matter stands and what happens next. " * 6
                    + "\n\nKind regards,\nHarbor & Vale LLP"
                )
                rows["drafts"].append(
                    {
                        "id": ids["draft"],
                        "message_id": mid,
                        "template": f"client/{label}",
                        "subject": "Re: " + subject,
                        "body_text": reply,
                        "body_html": None,
                        "data": {"firm_name": "Harbor & Vale LLP", "contact_name": first},
                        "state": draft_state,
                        "version": 1,
                        "created_at": received,
                        "updated_at": received,
                        "updated_by_id": None,
                    }
                )
                if state in (MessageState.ANSWERED, MessageState.SENDING):
                    rows["outbox"].append(
                        {
                            "id": ids["outbox"],
                            "kind": "reply",
                            "message_id": mid,
                            "draft_id": ids["draft"],
                            "mail_message_id": f"<reply-{mid}@harborvale.law>",
                            "from_addr": "clients@harborvale.law",
                            "reply_to": None,
                            "to_addrs": [from_addr],
                            "cc_addrs": [],
                            "subject": "Re: " + subject,
                            "body_text": reply,
                            "body_html": None,
                            "in_reply_to": message_id,
                            "references": [message_id],
                            "auto_submitted": False,
                            "state": "sent" if state == MessageState.ANSWERED else "queued",
                            "hold_reason": None,
                            "attempts": 1,
                            "next_attempt_at": received,
                            "last_error": None,
                            "queued_at": received + dt.timedelta(hours=1),
                            "sent_at": received + dt.timedelta(hours=1),
                            "created_by_id": user_ids[0],
                        }
                    )
                    ids["outbox"] += 1
                ids["draft"] += 1
            if state in (MessageState.ANSWERED, MessageState.ESCALATED, MessageState.DONE):
                rows["audit"].append(
                    {
                        "id": ids["audit"],
                        "at": received + dt.timedelta(minutes=30),
                        "actor": VA_EMAIL,
                        "user_id": user_ids[0],
                        "action": "approve" if action == "draft" else "escalate",
                        "message_id": mid,
                        "detail": {},
                    }
                )
                ids["audit"] += 1
            if rnd.random() < 0.1:  # a scan or a signed copy: the queues mark it
                rows["attachments"].append(
                    {
                        "id": ids["attachment"],
                        "message_id": mid,
                        "filename": f"scan-{mid}.pdf",
                        "content_type": "application/pdf",
                        "size": 2048,
                        "content_id": None,
                        "inline": False,
                        "content": b"%PDF-1.4 " + bytes(2039),
                    }
                )
                ids["attachment"] += 1
            if state == MessageState.TRIAGE and rnd.random() < 0.15:  # an attorney handed back
                note = "Not a legal question: they ask when the hearing is. Please answer."
                rows["audit"].append(
                    {
                        "id": ids["audit"],
                        "at": received + dt.timedelta(minutes=45),
                        "actor": attorney_user[1],
                        "user_id": attorney_user[0],
                        "action": "hand_back",
                        "message_id": mid,
                        "detail": {"note": note},
                    }
                )
                ids["audit"] += 1
            if rnd.random() < 0.05:
                rows["notes"].append(
                    {
                        "id": ids["note"],
                        "message_id": mid,
                        "user_id": rnd.choice(user_ids),
                        "body": "Called the client; they will send the signed copy Monday.",
                        "created_at": received + dt.timedelta(hours=1),
                    }
                )
                ids["note"] += 1
        yield rows


TABLES = [  # in foreign-key order
    ("threads", Thread),
    ("messages", Message),
    ("raw", RawMessage),
    ("classifications", Classification),
    ("decisions", RoutingDecision),
    ("drafts", Draft),
    ("outbox", OutboxEntry),
    ("audit", AuditEvent),
    ("notes", Note),
    ("attachments", Attachment),
]


def load(settings: Settings, count: int) -> dict[str, Any]:
    """Migrate, import the firm, add users, bulk-insert `count` messages; what was made."""
    engine = make_engine(settings)
    migrate(engine)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        import_directory(session, ROOT / "rules" / "sample_firm")
        user, _ = add_user(session, VA_EMAIL, "va", PASSWORD, name="Bench VA")
        other, _ = add_user(session, "va2.bench@harborvale.law", "va", PASSWORD, name="Dana")
        user_ids = [user.id, other.id]
        attorney_email = session.scalars(select(Attorney.email).order_by(Attorney.id)).first()
        lawyer, _ = add_user(session, attorney_email or "", "attorney", PASSWORD)
        attorney_user = (lawyer.id, lawyer.email)
    with factory() as session:
        firm = Firm(session)
    counts = dict.fromkeys([name for name, _ in TABLES], 0)
    with engine.begin() as conn:
        for rows in generate(count, firm, user_ids, attorney_user):
            for name, model in TABLES:
                if rows[name]:
                    conn.execute(insert(model.__table__), rows[name])
                    counts[name] += len(rows[name])
        if engine.dialect.name == "postgresql":
            for name, model in TABLES:
                if name != "raw":
                    table = model.__table__.name
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
    # The typo lookup's words, as ingest adds them batch by batch (SQLite; inserted
    # here in bulk, outside the pipeline).
    catch_up(engine)
    # As autovacuum/auto-analyze would after a day's mail: fresh statistics.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        states = dict(
            conn.execute(text("SELECT state, count(*) FROM messages GROUP BY state")).all()
        )
        matter_ids = [m.id for m in firm.matters]
    engine.dispose()
    return {
        "counts": counts,
        "states": states,
        "clients": list(firm.clients),
        "matters": matter_ids,
    }


# -- the server (a subprocess) ----------------------------------------------------


class ServerTiming:
    """WSGI middleware: time the app (including producing the body), add Server-Timing."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda _data: None

        result = self.app(environ, capture)
        try:
            body = list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        elapsed = (time.perf_counter() - started) * 1000
        headers = [*captured["headers"], ("Server-Timing", f"app;dur={elapsed:.3f}")]
        start_response(captured["status"], headers, captured["exc_info"])
        return body


def serve(db_url: str, port: int, threads: int, workers: int | None) -> None:
    """The real app as `inbox-router serve` runs it (web/serve.py: gunicorn, gthread
    workers), each worker's app wrapped in the timing middleware."""
    from web.serve import serve as serve_app

    secret = "bench-" + secrets.token_hex(16)  # one key: a login is valid in every worker
    settings = Settings(db_url=db_url, secret_key=secret)
    serve_app(settings, "127.0.0.1", port, threads=threads, workers=workers, wrap=ServerTiming)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


# -- the load (this process) --------------------------------------------------------

TIMING = re.compile(r"app;dur=([0-9.]+)")


def login(base: str) -> Any:
    import requests

    http = requests.Session()
    form = http.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
    if token is None:
        raise RuntimeError("no csrf_token on /login")
    done = http.post(
        f"{base}/login",
        data={"email": VA_EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        timeout=30,
        allow_redirects=False,
    )
    if done.status_code != 302:
        raise RuntimeError(f"login failed: {done.status_code}")
    return http


def run_page(
    base: str,
    cookies: Any,
    paths: Callable[[random.Random], str],
    requests_n: int,
    concurrency: int,
    warmup: int,
) -> dict[str, Any]:
    """`requests_n` GETs (after `warmup`) from `concurrency` threads; the figures."""
    import requests

    server_ms: list[float] = []
    client_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    todo = {"warm": warmup, "left": requests_n}
    deadline = [0.0]

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        http = requests.Session()
        http.cookies.update(cookies)
        while True:
            with lock:
                if todo["warm"] > 0:
                    todo["warm"] -= 1
                    measured = False
                elif todo["left"] > 0 and time.monotonic() < deadline[0]:
                    todo["left"] -= 1
                    measured = True
                else:
                    return
            path = paths(rnd)
            started = time.perf_counter()
            response = http.get(base + path, timeout=60, allow_redirects=False)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                with lock:
                    errors.append(f"{response.status_code} {path}")
                continue
            if measured:
                found = TIMING.search(response.headers.get("Server-Timing", ""))
                with lock:
                    client_ms.append(elapsed)
                    server_ms.append(float(found.group(1)) if found else float("nan"))

    # Warm-up with the same threads, then the measured run (timed from its first request).
    deadline[0] = float("inf")
    warm = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    saved = todo["left"]
    todo["left"] = 0
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    todo["left"] = saved
    deadline[0] = time.monotonic() + TIME_CAP_S
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(100 + i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"server": server_ms, "client": client_ms, "wall": wall, "errors": errors}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages(info: dict[str, Any], count: int) -> list[tuple[str, Callable[[random.Random], str]]]:
    clients = info["clients"]
    return [
        ("/queue/triage", lambda r: "/queue/triage"),
        ("/queue/all", lambda r: "/queue/all"),
        (
            "/queue/all?label=&client=",
            lambda r: (
                f"/queue/all?label={r.choice(('status_request', 'billing_query'))}"
                f"&client={r.choice(clients)}"
            ),
        ),
        ("/queue/all?q=", lambda r: f"/queue/all?q={r.choice(SEARCHES)}"),
        ("/queue/all?q= (typo, op...)", lambda r: f"/queue/all?q={quote(r.choice(SEARCHES_MORE))}"),
        (
            "/queue/triage?q= (common)",
            lambda r: f"/queue/triage?q={quote(r.choice(SEARCHES_COMMON))}",
        ),
        ("/queue/triage?q= (from:)", lambda r: f"/queue/triage?q={quote(r.choice(SEARCHES_FROM))}"),
        ("/messages/<id>", lambda r: f"/messages/{r.randint(1, count)}"),
        ("/metrics", lambda r: "/metrics"),
    ]


def loaded_before(db_url: str) -> dict[str, Any] | None:
    """What an earlier run loaded into this database (--database), or None if empty."""
    engine = make_engine(Settings(db_url=db_url))
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
            states = dict(
                conn.execute(text("SELECT state, count(*) FROM messages GROUP BY state")).all()
            )
            clients = list(conn.execute(text("SELECT id FROM clients")).scalars())
            matters = list(conn.execute(text("SELECT id FROM matters")).scalars())
    except Exception:  # no schema yet
        return None
    finally:
        engine.dispose()
    if not count:
        return None
    return {"count": count, "states": states, "clients": clients, "matters": matters}


def bench_backend(name: str, db_url: str, args: argparse.Namespace) -> None:
    info = loaded_before(db_url) if args.database else None
    if info is not None:
        args.messages = info["count"]
        engine = make_engine(Settings(db_url=db_url))
        migrate(engine)  # loaded by an older revision: the schema as the code expects it
        engine.dispose()
        print(f"\n== {name}: {args.messages:,} messages, loaded by an earlier run ==")
    else:
        print(f"\n== {name}: {args.messages:,} messages ==", flush=True)
        started = time.perf_counter()
        info = load(Settings(db_url=db_url), args.messages)
        took = time.perf_counter() - started
        made = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
        print(f"load: {took:.1f}s ({args.messages / took:,.0f} messages/s): {made}")
    print("states: " + ", ".join(f"{k} {v:,}" for k, v in sorted(info["states"].items())))

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            db_url,
            "--port",
            str(port),
            "--threads",
            str(args.threads),
            *(["--workers", str(args.workers)] if args.workers else []),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        cookies = login(base).cookies
        print(
            f"server: gunicorn, {args.workers or default_workers()} process(es) x "
            f"{args.threads} threads, "
            f"pid {server.pid}; load: this process, "
            f"{args.concurrency} client threads, {args.requests} requests a page after "
            f"{args.warmup} warm-up (at most {TIME_CAP_S:.0f}s a page)"
        )
        header = (
            f"{'page':<28} {'requests':>8} {'srv p50':>8} {'srv p95':>8} "
            f"{'cli p50':>8} {'cli p95':>8} {'req/s':>7} {'p95/goal':>9}"
        )
        print(header)
        print("-" * len(header))
        for label, paths in pages(info, args.messages):
            if args.pages and not any(part in label for part in args.pages.split(",")):
                continue
            result = run_page(base, cookies, paths, args.requests, args.concurrency, args.warmup)
            srv, cli = result["server"], result["client"]
            p95 = percentile(srv, 0.95)
            print(
                f"{label:<28} {len(srv):>8} {percentile(srv, 0.5):>8.1f} {p95:>8.1f} "
                f"{percentile(cli, 0.5):>8.1f} {percentile(cli, 0.95):>8.1f} "
                f"{len(srv) / max(result['wall'], 1e-9):>7.1f} {p95 / GOAL_P95_MS:>9.2f}"
                + ("" if p95 <= GOAL_P95_MS else "  over goal"),
                flush=True,
            )
            if result["errors"]:
                print(f"  {len(result['errors'])} errors, e.g. {result['errors'][:3]}")
        print(f"(ms; goal: server p95 < {GOAL_P95_MS:.0f} ms; p95/goal > 1 misses it)")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def pg_database(admin_url: str) -> tuple[str, Callable[[], None]] | None:
    """A fresh database next to admin_url and how to drop it; None if PG does not answer."""
    import psycopg

    url = make_url(normalize_url(admin_url))
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        print(f"\n== postgresql: skipped, {admin_url} does not answer: {exc}".strip())
        return None
    name = f"ir_bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()

    return url.set(database=name).render_as_string(hide_password=False), drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=2000, help="measured, per page type")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests per page")
    parser.add_argument("--threads", type=int, default=8, help="threads a worker (as serve)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (default: one a core, as `inbox-router serve`)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="bench this database, loading it only if it holds no messages yet, and keep "
        "it (to measure a change without loading 100,000 messages again)",
    )
    parser.add_argument(
        "--pages", help="only the pages whose label contains one of these, e.g. triage,messages"
    )
    parser.add_argument("--serve", metavar="DB_URL", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.threads, args.workers)
        return 0

    print(f"cores: {os.cpu_count()} (shared: figures vary with other load on the machine)")
    if args.database:
        name = make_url(normalize_url(args.database)).get_backend_name()
        try:
            bench_backend(name, args.database, args)
        except Exception as exc:
            print(f"{name}: failed: {exc!r}")
        return 0
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                bench_backend("sqlite", f"sqlite:///{tmp}/web.db", args)
            except Exception as exc:  # a benchmark reports, it does not fail
                print(f"sqlite: failed: {exc!r}")
    if args.backend in ("postgresql", "both"):
        made = pg_database(os.environ.get("INBOX_ROUTER_BENCH_PG") or DEFAULT_PG)
        if made is not None:
            url, drop = made
            try:
                bench_backend("postgresql", url, args)
            except Exception as exc:
                print(f"postgresql: failed: {exc!r}")
            finally:
                drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
