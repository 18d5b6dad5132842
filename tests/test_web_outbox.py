"""The outbox page, the To/Cc of a draft, and downloads of any file name (issue 17,
items 4, 5 and 11), through Flask's test client and, for the download, a real HTTP
server; on SQLite and PostgreSQL, from the sample firm and mailbox."""

from __future__ import annotations

import http.cookiejar
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.http import parse_options_header

from inbox.cli import main
from inbox.ingest.files import ingest_paths
from inbox.models import AuditEvent, Draft, Message, MessageState, OutboxEntry, OutboxState, User
from inbox.outgoing.outbox import RECIPIENTS_HOLD, queue_reply
from inbox.outgoing.worker import UNKNOWN_DELIVERY
from inbox.settings import Settings
from rules import review
from tests.conftest import SAMPLE_PASSWORD
from tests.servers.webapp import live_server
from tests.web_client import csrf_token, login, post_form
from web import create_app
from web.download_names import ascii_fallback, content_disposition

VA, ATTORNEY, ADMIN = (
    "dana@harborvale.law",
    "margaret.okafor@harborvale.law",
    "admin@harborvale.law",
)
SPOUSE = "jo.osei@example.net"


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret")


def a_draft(db: sessionmaker[Session]) -> tuple[Message, Draft]:
    with db() as session:
        draft = session.scalars(
            select(Draft)
            .join(Message, Message.id == Draft.message_id)
            .where(Draft.state == "pending", Message.state == MessageState.REVIEW)
            .order_by(Draft.id)
        ).first()
        assert draft is not None
        return session.get_one(Message, draft.message_id), draft


def held_reply(db: sessionmaker[Session], settings: Settings) -> int:
    """A reply held because a Cc is not the client's, as a VA's approval leaves it."""
    _, draft = a_draft(db)
    with db() as session, session.begin():
        va = session.scalars(select(User).where(User.email == VA)).one()
        entry = queue_reply(session, session.get_one(Draft, draft.id), va, settings, cc=[SPOUSE])
        assert entry.state == OutboxState.HELD
        review.mark_sending(session.get_one(Message, entry.message_id), entry)
        return entry.id


def audit_actions(db: sessionmaker[Session]) -> list[str]:
    with db() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# -- item 4: To and Cc on the draft --------------------------------------------------------


def test_the_draft_form_shows_the_recipients_and_saves_a_cc(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message, draft = a_draft(db)
    client = login(app, VA)
    url = f"/messages/{message.id}"
    page = client.get(url).text
    assert f'name="to" id="draft-to" value="{message.from_addr}"' in page
    response = post_form(
        client,
        url,
        f"{url}/drafts/{draft.id}",
        intent="save",
        version=str(draft.version),
        subject=draft.subject,
        body=draft.body_text,
        to=message.from_addr,
        cc=f"{SPOUSE}; ",
    )
    assert response.status_code == 302, response.text
    with db() as session:
        saved = session.get_one(Draft, draft.id)
        assert saved.cc_addrs == [SPOUSE] and saved.to_addrs is None  # To left as it was
    page = client.get(url).text
    assert f'value="{SPOUSE}"' in page
    assert "Not a contact of the client: " + SPOUSE in page  # it will be held


def test_a_cc_that_is_not_an_address_is_refused_and_the_text_kept(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message, draft = a_draft(db)
    client = login(app, VA)
    url = f"/messages/{message.id}"
    response = post_form(
        client,
        url,
        f"{url}/drafts/{draft.id}",
        intent="approve",
        version=str(draft.version),
        subject=draft.subject,
        body=draft.body_text,
        to=message.from_addr,
        cc="Bo from accounts",
    )
    assert response.status_code == 422
    assert "Cc: &#39;Bo&#39; is not an e-mail address" in response.text
    assert 'value="Bo from accounts"' in response.text
    with db() as session:
        assert session.get_one(Draft, draft.id).state == "pending"


# -- item 5: the outbox page and command -----------------------------------------------


def test_the_outbox_page_releases_a_held_reply_and_audits_it(
    app: Flask, db: sessionmaker[Session], settings: Settings
) -> None:
    entry_id = held_reply(db, settings)
    client = login(app, VA)
    page = client.get("/outbox").text
    assert f'id="outbox-{entry_id}"' in page and RECIPIENTS_HOLD in page
    assert '<span class="count">1 held</span>' in page  # in the navigation of every page
    assert f"/outbox/{entry_id}/release" in page
    response = post_form(client, "/outbox", f"/outbox/{entry_id}/release")
    assert response.status_code == 302
    with db() as session:
        entry = session.get_one(OutboxEntry, entry_id)
        assert entry.state == OutboxState.QUEUED and entry.hold_reason is None
    assert audit_actions(db)[-1] == "confirm_recipients"
    page = client.get("/outbox").text
    assert f'id="outbox-{entry_id}"' not in page and "held</span>" not in page


def test_the_outbox_page_is_for_vas_and_admins_with_csrf(
    app: Flask, db: sessionmaker[Session], settings: Settings
) -> None:
    entry_id = held_reply(db, settings)
    attorney = login(app, ATTORNEY)
    assert attorney.get("/outbox").status_code == 403
    token = csrf_token(attorney.get("/queue/mine").text)
    refused = attorney.post(f"/outbox/{entry_id}/cancel", data={"csrf_token": token})
    assert refused.status_code == 403
    assert app.test_client().get("/outbox").status_code == 302  # to the login page
    admin = login(app, ADMIN)
    assert admin.post(f"/outbox/{entry_id}/cancel", data={"reason": "x"}).status_code == 400
    with db() as session:
        assert session.get_one(OutboxEntry, entry_id).state == OutboxState.HELD
    response = post_form(admin, "/outbox", f"/outbox/{entry_id}/cancel", reason="wrong person")
    assert response.status_code == 302
    with db() as session:
        entry = session.get_one(OutboxEntry, entry_id)
        assert entry.state == OutboxState.FAILED
        assert entry.last_error == f"cancelled by {ADMIN}: wrong person"
        # the client still needs an answer: the message is back in a person's queue
        assert session.get_one(Message, entry.message_id).state == MessageState.TRIAGE
    assert audit_actions(db)[-1] == "cancel_send"


def test_a_refused_outbox_action_says_why(
    app: Flask, db: sessionmaker[Session], settings: Settings
) -> None:
    entry_id = held_reply(db, settings)
    client = login(app, VA)
    response = post_form(client, "/outbox", f"/outbox/{entry_id}/delivered")
    assert response.status_code == 302
    assert "is not held as delivery unknown" in client.get("/outbox").text
    assert client.get("/outbox/999999/release").status_code == 405
    response = post_form(client, "/outbox", "/outbox/999999/release")
    assert "there is no outbox entry 999999" in client.get("/outbox").text


def test_outbox_command_lists_and_decides(
    db: sessionmaker[Session], settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    entry_id = held_reply(db, settings)
    with db() as session, session.begin():
        unsure = session.scalars(
            select(OutboxEntry).where(OutboxEntry.state == OutboxState.QUEUED).limit(1)
        ).one()
        unsure.state, unsure.hold_reason = OutboxState.HELD, f"{UNKNOWN_DELIVERY} test"
        unsure_id = unsure.id
    url = settings.db_url
    assert main(["--db", url, "outbox", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith(f"{entry_id}\theld\treply\t") and "release/cancel" in line
        for line in listed
    )
    assert any(
        line.startswith(f"{unsure_id}\theld\t") and "delivered/resend/cancel" in line
        for line in listed
    )
    assert main(["--db", url, "outbox", "release", str(entry_id), "--by", VA]) == 0
    assert f"outbox entry {entry_id}: queued" in capsys.readouterr().out
    assert main(["--db", url, "outbox", "release", str(entry_id)]) == 1
    assert "is not held for its recipients" in capsys.readouterr().err
    assert main(["--db", url, "outbox", "delivered", str(unsure_id)]) == 0
    assert main(["--db", url, "outbox", "cancel"]) == 2
    assert "needs the ID" in capsys.readouterr().err
    with db() as session:
        assert session.get_one(OutboxEntry, unsure_id).state == OutboxState.SENT
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
        assert [(e.action, e.actor) for e in events] == [
            ("mark_delivered", "system"),
            ("confirm_recipients", VA),
        ]


# -- item 11: a download of any file name -------------------------------------------------


def test_download_names_have_an_ascii_fallback_and_the_utf8_name() -> None:
    header = content_disposition("合同—final.pdf", "attachment-7")
    assert header.isascii()
    # as a browser reads it (RFC 6266: filename* wins over the fallback)
    assert parse_options_header(header) == ("attachment", {"filename": "合同—final.pdf"})
    assert ascii_fallback("Verträge 2026.pdf", "x") == "Vertrage 2026.pdf"
    assert ascii_fallback("合同.pdf", "attachment-7") == "attachment-7.pdf"
    assert content_disposition("lease.pdf", "x") == 'attachment; filename="lease.pdf"'
    assert "\r" not in content_disposition("a\r\nSet-Cookie: x=y.pdf", "x")


def test_an_attachment_with_a_non_latin1_name_downloads_over_http(
    settings: Settings, db: sessionmaker[Session], tmp_path: Path
) -> None:
    raw = (
        "From: Mike Osei <mike.osei@northwindmarine.com>\r\n"
        "To: clients@harborvale.law\r\nSubject: contract attached\r\n"
        "Message-ID: <att-1@northwindmarine.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe contract, no question.\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename*=UTF-8''%E5%90%88%E5%90%8C%E2%80%94final.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    (tmp_path / "att.eml").write_bytes(raw.encode())
    assert ingest_paths(db, settings, [tmp_path / "att.eml"]).stored == 1
    from inbox.models import Attachment

    with db() as session:
        attachment = session.scalars(
            select(Attachment).where(Attachment.filename == "合同—final.pdf")
        ).one()
    app = create_app(settings)
    try:
        with live_server(app) as server:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            token = csrf_token(opener.open(server("/login")).read().decode())
            form = {"email": VA, "password": SAMPLE_PASSWORD, "csrf_token": token}
            opener.open(server("/login"), data=urlencode(form).encode())
            with opener.open(server(f"/attachments/{attachment.id}")) as response:
                assert response.status == 200
                body = response.read()
                disposition = response.headers["Content-Disposition"]
    finally:
        app.extensions["inbox_router"].engine.dispose()
    assert body == b"%PDF-1.4\n"
    assert parse_options_header(disposition)[1] == {"filename": "合同—final.pdf"}
    assert disposition.startswith('attachment; filename="')
