"""The Cc of a draft and the outbox page in a real browser (issue 17, items 4 and 5).

The same set-up as tests/test_browser.py (its fixtures are imported from there): the
real app served by werkzeug, the sample firm, an aiosmtpd server, Chromium.
"""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from email import policy
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import AuditEvent, OutboxEntry, OutboxState
from inbox.settings import Settings
from tests.servers.smtp import Sink
from tests.test_browser import (  # noqa: F401 - pytest finds the fixtures by these names
    FRANCHISE,
    VA,
    db,
    deliver,
    expect,
    live,
    log_in,
    message_by_subject,
    page,
    pages,
    shot,
    smtp,
    web_settings,
)

pytestmark = pytest.mark.slow  # Chromium drives the real app: the slow tier

SPOUSE = "sam.delgado.home@example.net"


def test_a_va_copies_the_clients_spouse_and_releases_the_held_reply_on_the_outbox_page(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,  # noqa: F811
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    page.goto(f"/messages/{original.id}")
    to_field = page.get_by_label("To", exact=True)
    expect(to_field).to_have_value(original.from_addr)
    cc_field = page.get_by_label("Cc", exact=True)
    expect(cc_field).to_have_value("")
    cc_field.fill(SPOUSE)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved.")
    expect(page.get_by_label("Cc", exact=True)).to_have_value(SPOUSE)
    expect(page.locator("#held-for")).to_contain_text(SPOUSE)
    shot(page, "draft-with-cc")

    page.get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("status")).to_contain_text("Reply held: Recipients to confirm:")
    assert not smtp.handler.received

    page.locator("#nav-outbox").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outbox")
    with db() as session:
        entry = session.scalars(
            select(OutboxEntry).where(OutboxEntry.message_id == original.id)
        ).one()
    row = page.locator(f"#outbox-{entry.id}")
    expect(row).to_contain_text("held")
    expect(row).to_contain_text(f"Cc: {SPOUSE}")
    shot(page, "outbox-held")
    row.get_by_role("button", name="Confirm recipients and send").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Recipients confirmed: mail {entry.id} is queued to send."
    )
    expect(page.locator(f"#outbox-{entry.id}")).to_have_count(0)

    deliver(db, web_settings)
    [received] = [r for r in smtp.handler.received if SPOUSE in r.rcpt_tos]
    assert original.from_addr in received.rcpt_tos
    head = received.content.split(b"\r\n\r\n", 1)[0]
    assert re.search(rb"^Cc: " + re.escape(SPOUSE.encode()) + rb"\r$", head + b"\r", re.M)
    mail = email.message_from_bytes(received.content, policy=policy.default)
    assert mail["In-Reply-To"] == original.message_id
    with db() as session:
        assert session.get_one(OutboxEntry, entry.id).state == OutboxState.SENT
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.message_id == original.id)
        ).all()
    assert "confirm_recipients" in actions and "edit_draft" in actions


def test_a_va_cancels_a_held_reply_with_a_reason(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    page.goto(f"/messages/{original.id}")
    page.get_by_label("Cc", exact=True).fill(SPOUSE)
    page.get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("status")).to_contain_text("Reply held")
    page.goto("/outbox")
    with db() as session:
        entry_id = session.scalars(
            select(OutboxEntry.id).where(OutboxEntry.message_id == original.id)
        ).one()
    row = page.locator(f"#outbox-{entry_id}")
    row.get_by_label(f"Reason to cancel mail {entry_id}").fill("the spouse is not our client")
    row.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Mail {entry_id} is cancelled; it will not be sent."
    )
    with db() as session:
        entry = session.get_one(OutboxEntry, entry_id)
        assert entry.state == OutboxState.FAILED
        assert entry.last_error == f"cancelled by {VA}: the spouse is not our client"
    assert not smtp.handler.received
