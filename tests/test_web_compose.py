"""Compose and reply through Flask's test client, on SQLite and PostgreSQL (issue 18,
items 1 and 7): a VA's own reply with files, the size and type checks, saved replies
and who may change them, the attorney's signature, preview and quoted original, and
the roles and CSRF on every form. The browser's side is tests/test_browser_compose.py.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import (
    COMPOSED_REPLY,
    Draft,
    DraftFile,
    Message,
    MessageState,
    OutboxEntry,
    Snippet,
    User,
)
from inbox.outgoing.worker import attached_documents
from inbox.settings import Settings
from tests.test_web import ADMIN, ATTORNEY, VA, VA2, first
from tests.web_client import csrf_token, login

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(
        db_url=sample_db_url, secret_key="test-secret", undo_seconds=0, max_attachment_bytes=4096
    )


def reply(client: FlaskClient, message_id: int, files: list[tuple[bytes, str]] = (), **fields: Any):  # type: ignore[no-untyped-def, assignment]
    """POST the reply box of the message page, with its token and any files."""
    url = f"/messages/{message_id}"
    data: dict[str, Any] = {"csrf_token": csrf_token(client.get(url).text), **fields}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(f"{url}/reply", data=data, content_type="multipart/form-data")


def triage_message(db: sessionmaker[Session]) -> Message:
    return first(db, Message.state == MessageState.TRIAGE, Message.client_id.is_not(None))


def test_a_va_sends_her_own_reply_with_a_file_and_a_copy(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    message = triage_message(db)
    client = login(app, VA)
    page = client.get(f"/messages/{message.id}").text
    assert 'id="reply-form"' in page and 'enctype="multipart/form-data"' in page
    assert f'value="{message.from_addr}"' in page  # To: reply-all by default
    response = reply(
        client,
        message.id,
        [(PDF, "Lease (signed).pdf")],
        to=message.from_addr,
        cc="",
        subject="Re: your lease",
        body="Dear client,\n\nThe signed lease is attached.",
        quote="on",
        intent="send",
    )
    assert response.status_code == 302, response.text
    with db() as session:
        draft = session.scalars(select(Draft).where(Draft.message_id == message.id)).all()[-1]
        assert draft.template == COMPOSED_REPLY and draft.state == "approved"
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).one()
        assert entry.to_addrs == [message.from_addr] and entry.kind == "reply"
        assert "The signed lease is attached." in entry.body_text
        assert "wrote:\n>" in entry.body_text  # the original, quoted
        assert [f[:2] for f in attached_documents(session, entry)] == [
            ("Lease (signed).pdf", "application/pdf")
        ]
        assert session.get_one(Message, message.id).state == MessageState.SENDING


def test_a_file_over_the_limit_or_not_what_it_says_is_refused_and_nothing_is_kept(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    message = triage_message(db)
    client = login(app, VA)
    fields = {"to": message.from_addr, "subject": "Re: x", "body": "Attached.", "intent": "save"}
    big = reply(client, message.id, [(PDF + b"%" * 5000, "big.pdf")], **fields)
    assert big.status_code == 422
    assert (
        "Attachments: big.pdf: 5 kB is over the limit for a reply&#39;s files (4 kB left)"
        in big.text
    )
    assert "nothing was attached" in big.text and "Attached." in big.text  # the text is kept
    wrong = reply(client, message.id, [(PNG, "invoice.pdf")], **fields)
    assert wrong.status_code == 422
    assert "invoice.pdf: the name says .pdf but the contents are image/png" in wrong.text
    with db() as session:
        assert session.scalars(select(DraftFile)).all() == []
        assert (
            session.scalars(
                select(Draft).where(
                    Draft.message_id == message.id, Draft.template == COMPOSED_REPLY
                )
            ).all()
            == []
        )
    # A request over the app's own ceiling gets the limit in words (the body built by
    # hand: the test client would spool it to a file the refused request never reads).
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + PDF + b"%" * (3 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    huge = client.post(
        f"/messages/{message.id}/reply",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert huge.status_code == 413 and "may total at most 4 kB" in huge.text


def test_a_saved_draft_keeps_its_files_and_a_file_can_be_taken_off(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    message = triage_message(db)
    client = login(app, VA)
    saved = reply(
        client,
        message.id,
        [(PDF, "a.pdf"), (b"plain notes\n", "notes.txt")],
        to=message.from_addr,
        subject="Re: x",
        body="Two files.",
        intent="save",
    )
    assert saved.status_code == 302
    page = client.get(f"/messages/{message.id}").text
    assert 'id="draft-form"' in page and "a.pdf" in page and "notes.txt" in page
    with db() as session:
        draft = session.scalars(
            select(Draft).where(Draft.message_id == message.id, Draft.state == "pending")
        ).one()
        pdf = session.scalars(select(DraftFile).where(DraftFile.filename == "a.pdf")).one()
    url = f"/messages/{message.id}"
    response = client.post(
        f"{url}/drafts/{draft.id}",
        data={
            "csrf_token": csrf_token(page),
            "version": str(draft.version),
            "subject": "Re: x",
            "body": "One file.",
            "to": message.from_addr,
            "cc": "",
            "remove_file": str(pdf.id),
            "intent": "save",
        },
    )
    assert response.status_code == 302
    with db() as session:
        names = session.scalars(select(DraftFile.filename).where(DraftFile.draft_id == draft.id))
        assert list(names) == ["notes.txt"]


def test_roles_and_tokens_on_the_reply_box(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    escalated = first(db, Message.state == MessageState.ESCALATED)
    va = login(app, VA)
    # A legal question is the attorney's to answer: no VA reply box there.
    assert 'id="reply-form"' not in va.get(f"/messages/{escalated.id}").text
    refused = reply(va, escalated.id, to="a@b.example", subject="x", body="advice", intent="send")
    assert refused.status_code == 403
    message = triage_message(db)
    no_token = va.post(f"/messages/{message.id}/reply", data={"body": "x", "intent": "send"})
    assert no_token.status_code == 400
    anonymous = app.test_client()
    for path in ("/snippets", "/settings"):
        assert anonymous.get(path).headers["Location"].startswith("/login")
    assert anonymous.post("/snippets", data={"title": "t", "body": "b"}).status_code == 400


def test_saved_replies_are_filled_in_and_only_their_keepers_change_them(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    admin, dana, sam = login(app, ADMIN), login(app, VA), login(app, VA2)

    def save(client: FlaskClient, path: str = "/snippets", **fields: str):  # type: ignore[no-untyped-def]
        token = csrf_token(client.get("/snippets").text)
        return client.post(path, data={"csrf_token": token, **fields})

    firm = save(admin, title="Received", body="Dear {{ contact_name }}, we have it.", scope="firm")
    assert firm.status_code == 302
    assert save(dana, title="Mine", body="Thanks, {{ client_name }}.").status_code == 302
    refused = save(dana, title="Firm", body="x", scope="firm")
    assert refused.status_code == 422 and "only an admin keeps the firm" in refused.text
    unknown = save(dana, title="Bad", body="Dear {{ name }}")
    assert unknown.status_code == 422 and "no such field {{ name }}" in unknown.text
    with db() as session:
        received = session.scalars(select(Snippet).where(Snippet.title == "Received")).one()
        mine = session.scalars(select(Snippet).where(Snippet.title == "Mine")).one()
        assert received.owner_id is None and mine.owner_id is not None
    changed = save(dana, f"/snippets/{received.id}", title="Received", body="changed")
    assert changed.status_code == 422 and "not one you may change" in changed.text
    assert "Mine" not in sam.get("/snippets").text  # another VA's own stay theirs

    message = triage_message(db)
    filled = reply(
        dana,
        message.id,
        to=message.from_addr,
        subject="Re: x",
        body="",
        snippet=str(mine.id),
        intent="snippet",
    )
    assert filled.status_code == 200
    with db() as session:
        client_name = session.get_one(Message, message.id).client.name
    assert f"Thanks, {client_name}." in filled.text
    stolen = reply(
        sam,
        message.id,
        to=message.from_addr,
        subject="x",
        body="",
        snippet=str(mine.id),
        intent="snippet",
    )
    assert stolen.status_code == 422 and "choose one of the saved replies" in stolen.text
    token = csrf_token(dana.get("/snippets").text)
    assert dana.post(f"/snippets/{mine.id}/delete", data={"csrf_token": token}).status_code == 302
    with db() as session:
        assert session.get(Snippet, mine.id) is None


def test_an_attorneys_reply_previews_and_sends_with_signature_and_the_quoted_original(
    app: Flask,
    db: sessionmaker[Session],
) -> None:
    with db() as session:
        user = session.scalars(select(User).where(User.email == ATTORNEY)).one()
        attorney_id = user.attorney_id
    mine = first(
        db, Message.state == MessageState.ESCALATED, Message.assignee_attorney_id == attorney_id
    )
    client = login(app, ATTORNEY)
    token = csrf_token(client.get("/settings").text)
    signature = "Margaret Okafor\nPartner, <Harbor & Vale>"
    assert (
        client.post("/settings", data={"csrf_token": token, "signature": signature}).status_code
        == 302
    )
    page = client.get(f"/messages/{mine.id}").text
    assert 'id="quoted-original"' in page and "Partner, &lt;Harbor &amp; Vale&gt;" in page
    fields = {
        "to": mine.from_addr,
        "cc": "",
        "subject": "Re: your question",
        "body": "Do not sign <yet>.",
        "quote": "on",
    }
    preview = reply(client, mine.id, intent="preview", **fields)
    assert preview.status_code == 200
    assert "-- \nMargaret Okafor\nPartner, &lt;Harbor &amp; Vale&gt;" in preview.text
    assert "Do not sign &lt;yet&gt;." in preview.text and " wrote:\n&gt; " in preview.text
    with db() as session:
        assert (
            session.scalars(
                select(OutboxEntry).where(
                    OutboxEntry.message_id == mine.id, OutboxEntry.kind == "reply"
                )
            ).all()
            == []
        )
    sent = reply(client, mine.id, intent="send", **fields)
    assert sent.status_code == 302
    with db() as session:
        entry = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.message_id == mine.id, OutboxEntry.kind == "reply"
            )
        ).one()
    assert entry.subject == "Re: your question"
    assert entry.body_text.startswith(
        "Do not sign <yet>.\n\n-- \nMargaret Okafor\nPartner, <Harbor & Vale>\n\nOn "
    )
    assert "\n> " in entry.body_text
    assert "Do not sign &lt;yet&gt;." in entry.body_html and "<yet>" not in entry.body_html
    assert "Partner, &lt;Harbor &amp; Vale&gt;" in entry.body_html
