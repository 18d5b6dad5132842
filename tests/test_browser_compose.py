"""Compose and reply in a real browser (issue 18, items 1 and 7).

The set-up of tests/test_browser.py (its fixtures are imported from there): the real
app served by werkzeug, the sample firm, an aiosmtpd server, Chromium. What reaches
the SMTP server is read back byte by byte: the file, its name, the MIME structure,
the threading headers, the Cc.
"""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Draft, DraftFile, Message, MessageState, OutboxEntry
from inbox.settings import Settings
from tests.servers.smtp import Sink
from tests.test_browser import (  # noqa: F401 - pytest finds the fixtures by these names
    ATTORNEY,
    FRANCHISE,
    SETTLEMENT,
    VA,
    Pages,
    browser_settings,
    db,
    deliver,
    expect,
    live,
    log_in,
    message_by_subject,
    page,
    pages,
    plain_text,
    received_by,
    shot,
    smtp,
)
from tests.test_browser_flow import worker_pass

pytestmark = pytest.mark.slow  # Chromium drives the real app: the slow tier

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) + b"\n%%EOF\n"
COLLEAGUE = "books@bluefincoffee.com"  # Renee Park, a contact of the same client
UNDO_SECONDS = 6


@pytest.fixture
def web_settings(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sample_sqlite_template: Path,
    smtp: Sink,  # noqa: F811
) -> Settings:
    """tests/test_browser.py's settings; an undo window when the test asks for one."""
    return browser_settings(
        tmp_path, sample_sqlite_template, smtp, undo_seconds=getattr(request, "param", 0)
    )


def parsed(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=policy.default)  # type: ignore[return-value]


def discard_and_write(browser_page: Any, original: Message, body: str) -> None:
    """A VA throws the wrong draft away and writes her own reply, with a file attached
    (the browser claims it is a PNG: the bytes say PDF) and a colleague in copy."""
    browser_page.goto(f"/messages/{original.id}")
    browser_page.get_by_role("button", name="Discard").click()
    expect(browser_page.get_by_role("status")).to_contain_text("Draft discarded")
    box = browser_page.locator("#reply")
    expect(box.get_by_label("To", exact=True)).to_have_value(original.from_addr)
    box.get_by_label("Cc", exact=True).fill(COLLEAGUE)
    box.get_by_label("Your reply", exact=True).fill(body)
    box.get_by_label("Attach files").set_input_files(
        {"name": "Franchise agreement (rev 3).pdf", "mimeType": "image/png", "buffer": PDF}
    )


def test_a_va_writes_her_own_reply_with_a_file_delivered_with_the_cc_and_the_thread(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    body = "Hi Sam,\n\nThe revised agreement is attached <rev 3>.\n\nDana"
    discard_and_write(page, original, body)
    # Preview comes back as a new reply box that keeps the file already chosen.
    page.locator("#reply").get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-text")).to_contain_text("The revised agreement is attached")
    assert page.locator("#attach-files").evaluate("field => field.files.length") == 1
    shot(page, "compose")
    page.locator("#reply").get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("status")).to_have_text("Your reply is in the outbox.")
    assert not smtp.handler.received, "a web request must never send mail itself"

    deliver(db, web_settings)
    [received] = [r for r in smtp.handler.received if original.from_addr in r.rcpt_tos]
    assert set(received.rcpt_tos) == {original.from_addr, COLLEAGUE}
    mail = parsed(received.content)
    assert mail["Cc"] == COLLEAGUE
    assert mail["In-Reply-To"] == original.message_id
    assert mail["References"].split()[-1] == original.message_id
    assert mail.get_content_type() == "multipart/mixed"
    alternative, attached = mail.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "The revised agreement is attached <rev 3>." in text.get_content()
    assert "attached &lt;rev 3&gt;." in html.get_content() and "<rev 3>" not in html.get_content()
    assert attached.get_filename() == "Franchise agreement (rev 3).pdf"
    assert attached.get_content_type() == "application/pdf"  # sniffed, not the browser's
    assert attached.get_content() == PDF

    page.goto(f"/messages/{original.id}")
    expect(page.locator("#state")).to_contain_text("answered")
    expect(page.locator(".thread .reply-out")).to_contain_text(f"Cc {COLLEAGUE}")


def test_a_file_of_the_wrong_kind_is_refused_with_the_reason_and_the_text_kept(
    pages: Pages,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
) -> None:
    pages.allow("status of 422")  # the refusal is the page's status, on purpose
    page = pages.new()  # noqa: F811 - a page that may see the 422
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    discard_and_write(page, original, "Hi Sam,\n\nAttached.")
    page.locator("#reply").get_by_label("Attach files").set_input_files(
        {"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 20}
    )
    page.locator("#reply").get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "agreement.pdf: the file is a Windows program; replies do not carry programs"
    )
    expect(page.locator("#reply-body")).to_have_value("Hi Sam,\n\nAttached.")
    expect(page.locator("#reply").get_by_label("Cc", exact=True)).to_have_value(COLLEAGUE)
    with db() as session:
        assert session.scalars(select(DraftFile)).all() == []
        assert (
            session.scalars(select(OutboxEntry).where(OutboxEntry.message_id == original.id)).all()
            == []
        )


def test_an_attorney_previews_and_sends_a_reply_with_signature_and_the_quoted_original(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    escalation = message_by_subject(db, SETTLEMENT)
    log_in(page, ATTORNEY)
    page.locator("#nav-settings").click()
    page.get_by_label("Signature").fill("Margaret Okafor\nPartner | Harbor & Vale LLP")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Signature saved.")

    page.goto(f"/messages/{escalation.id}")
    box = page.locator("#reply")
    expect(box.get_by_label("To", exact=True)).to_have_value(escalation.from_addr)
    expect(box.get_by_label("Subject")).to_have_value(escalation.subject)  # already "RE: ..."
    expect(box.locator("#quoted-original")).to_contain_text(f"{escalation.from_addr}> wrote:")
    expect(box.locator("#reply-signature")).to_contain_text("Partner | Harbor & Vale LLP")
    box.get_by_label("Subject").fill("Re: Coastal Hull offer - do not accept yet")
    reply = "Dana,\n\nDo not accept the Coastal Hull offer yet; I will call you at 3 pm."
    box.get_by_label("Your reply (sent under your name)").fill(reply)
    box.get_by_role("button", name="Preview").click()

    preview = page.locator("#reply-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("#preview-subject")).to_have_text(
        "Re: Coastal Hull offer - do not accept yet"
    )
    expect(preview.locator("#preview-text")).to_contain_text(
        "I will call you at 3 pm.\n\n-- \nMargaret Okafor\nPartner | Harbor & Vale LLP\n\nOn "
    )
    expect(preview.locator("#preview-text")).to_contain_text("> ")
    shot(page, "attorney-preview")
    assert not smtp.handler.received
    with db() as session:
        assert not session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.message_id == escalation.id, OutboxEntry.kind == "reply"
            )
        ).all()
    expect(page.locator("#reply").get_by_label("Your reply (sent under your name)")).to_have_value(
        reply
    )
    page.locator("#reply").get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_have_text("Your reply is in the outbox.")

    deliver(db, web_settings)
    [mail] = received_by(smtp, escalation.from_addr)
    assert mail["Subject"] == "Re: Coastal Hull offer - do not accept yet"
    assert mail["In-Reply-To"] == escalation.message_id
    text = plain_text(mail).replace("\r\n", "\n")
    assert text.startswith(reply + "\n\n-- \nMargaret Okafor\nPartner | Harbor & Vale LLP\n\nOn ")
    assert f"{escalation.from_addr}> wrote:\n> " in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Partner | Harbor &amp; Vale LLP" in html


@pytest.mark.parametrize("web_settings", [UNDO_SECONDS], indirect=True)
def test_undo_of_a_written_reply_inside_the_window_sends_nothing_and_keeps_the_file(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    discard_and_write(page, original, "Hi Sam,\n\nHere it is.")
    page.locator("#reply").get_by_role("button", name="Approve and send").click()
    toast = page.locator("#undo-toast")
    expect(toast).to_contain_text(f"Reply to {original.from_addr} approved: sends in")
    toast.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_have_text(
        "Undone: nothing was sent. The reply is back as a draft."
    )
    expect(page).to_have_url(re.compile(rf"/messages/{original.id}$"))
    expect(page.locator("#draft-body")).to_have_value("Hi Sam,\n\nHere it is.\n")
    expect(page.locator("#draft")).to_contain_text("Franchise agreement (rev 3).pdf")
    expect(page.locator("#draft").get_by_label("Cc", exact=True)).to_have_value(COLLEAGUE)

    page.wait_for_timeout(UNDO_SECONDS * 1000 + 500)  # the window is over
    worker_pass(db, web_settings)  # (the sample's escalation notices to attorneys go)
    assert received_by(smtp, original.from_addr) == []
    with db() as session:
        assert (
            session.scalars(select(OutboxEntry).where(OutboxEntry.message_id == original.id)).all()
            == []
        )
        [draft] = session.scalars(
            select(Draft).where(Draft.message_id == original.id, Draft.state == "pending")
        ).all()
        files = session.scalars(select(DraftFile).where(DraftFile.draft_id == draft.id)).all()
        assert [f.content for f in files] == [PDF]
        assert session.get_one(Message, original.id).state == MessageState.REVIEW
