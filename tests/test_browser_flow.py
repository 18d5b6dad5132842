"""Undo send and working through a queue, in a real browser (issue 18 items 2 and 3,
issue 17 item 15).

The set-up of tests/test_browser.py (its fixtures are imported from there), with an
undo window of a few seconds instead of none: the real app served by werkzeug, the
sample firm, an aiosmtpd server recording what the outbox worker delivers, Chromium.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import AuditEvent, Draft, Message, MessageState, OutboxEntry
from inbox.outgoing.worker import OutboxWorker, PassSummary
from inbox.settings import Settings
from tests.servers.smtp import Sink
from tests.test_browser import (  # noqa: F401 - pytest finds the fixtures by these names
    ATTORNEY,
    FRANCHISE,
    SETTLEMENT,
    VA,
    browser_settings,
    db,
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

pytestmark = pytest.mark.slow  # Chromium drives the real app: the slow tier

UNDO_SECONDS = 6  # long enough to press Undo on a busy machine, short for a test


@pytest.fixture
def web_settings(tmp_path: Path, sample_sqlite_template: Path, smtp: Sink) -> Settings:  # noqa: F811
    """tests/test_browser.py's settings, with an undo window."""
    return browser_settings(tmp_path, sample_sqlite_template, smtp, undo_seconds=UNDO_SECONDS)


def worker_pass(db: sessionmaker[Session], settings: Settings) -> PassSummary:  # noqa: F811
    """One pass of the outbox worker (`inbox-router send --once`), in its own thread:
    Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, OutboxWorker(db, settings).run_once()).result(60)


def drafts_queue_hrefs(page: Any, query: str = "") -> list[str]:  # noqa: F811
    page.goto("/queue/drafts" + query)
    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_be_visible()
    return [rows.nth(i).get_attribute("data-href") for i in range(rows.count())]


def landed_on(page: Any, href: str) -> None:  # noqa: F811
    """On `href`, with the page's script listening for keys."""
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    page.wait_for_load_state("load")


def message_id(href: str) -> int:
    return int(href.rsplit("/", 1)[1])


def test_undo_inside_the_window_sends_nothing_and_the_draft_is_pending_again(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    hrefs = drafts_queue_hrefs(page)
    page.goto(f"/messages/{original.id}")
    expect(page.locator("#draft-body")).to_be_visible()
    page.keyboard.press("a")  # asks nothing: approves, and the next page offers Undo
    toast = page.locator("#undo-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text(f"Reply to {original.from_addr} approved: sends in")
    at = hrefs.index(f"/messages/{original.id}")
    expect(page).to_have_url(re.compile(re.escape(hrefs[at + 1]) + "$"))
    shot(page, "undo-toast")
    toast.get_by_role("button", name="Undo").click()

    expect(page).to_have_url(re.compile(rf"/messages/{original.id}$"))
    expect(page.get_by_role("status")).to_have_text(
        "Undone: nothing was sent. The reply is back as a draft."
    )
    expect(page.locator("#state")).to_contain_text("review")
    expect(page.locator("#draft-body")).to_be_visible()
    expect(page.locator("#undo-toast")).to_have_count(0)

    page.wait_for_timeout(UNDO_SECONDS * 1000 + 500)  # the window is over
    worker_pass(db, web_settings)  # (the sample's escalation notices to attorneys go)
    assert received_by(smtp, original.from_addr) == []
    with db() as session:
        assert (
            session.scalars(select(OutboxEntry).where(OutboxEntry.message_id == original.id)).all()
            == []
        )
        drafts = session.scalars(select(Draft).where(Draft.message_id == original.id)).all()
        assert [d.state for d in drafts] == ["pending"]
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.message_id == original.id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions[-2:] == ["approve_send", "undo_send"]


def test_after_the_window_the_reply_is_delivered(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    page.goto(f"/messages/{original.id}")
    page.locator("#draft-body").fill("Dear Sam,\n\nThe agreement goes out on Friday.\n")
    page.get_by_role("button", name="Approve and send").click()
    toast = page.locator("#undo-toast")
    expect(toast).to_be_visible()
    worker_pass(db, web_settings)  # (the sample's escalation notices to attorneys go)
    assert received_by(smtp, original.from_addr) == [], "sent inside the undo window"
    expect(toast).to_have_count(0, timeout=(UNDO_SECONDS + 5) * 1000)  # counted down

    summary = worker_pass(db, web_settings)
    assert (summary.sent, summary.failed, summary.held) == (1, 0, 0)
    [mail] = received_by(smtp, original.from_addr)
    assert mail["In-Reply-To"] == original.message_id
    assert mail["Subject"].startswith("Re: ")
    assert "The agreement goes out on Friday." in plain_text(mail)
    with db() as session:
        assert session.get_one(Message, original.id).state == MessageState.ANSWERED


def test_approve_discard_and_mark_done_land_on_the_next_message_of_the_queue(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
) -> None:
    log_in(page, VA)
    hrefs = drafts_queue_hrefs(page)
    assert len(hrefs) >= 5, hrefs
    page.goto(hrefs[0])
    page.get_by_role("button", name="Approve and send").click()
    expect(page).to_have_url(re.compile(re.escape(hrefs[1]) + "$"))

    page.get_by_role("button", name="Discard").click()
    expect(page).to_have_url(re.compile(re.escape(hrefs[2]) + "$"))
    expect(page.get_by_role("status")).to_have_text(
        "Draft discarded; the message is back in triage."
    )

    page.get_by_role("button", name="Mark done").click()
    expect(page).to_have_url(re.compile(re.escape(hrefs[3]) + "$"))
    with db() as session:
        states = [session.get_one(Message, message_id(h)).state for h in hrefs[:3]]
    assert states == [MessageState.SENDING, MessageState.TRIAGE, MessageState.DONE]

    # The three left the queue: nothing before this one now; "j" goes on.
    expect(page.locator("#flow-prev")).to_have_count(0)
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(re.escape(hrefs[4]) + "$"))


def test_j_k_o_move_through_the_queue_and_u_returns_to_it_with_its_filters(
    page: Any,  # noqa: F811
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    log_in(page, VA)
    query = "?label=status_request"
    hrefs = drafts_queue_hrefs(page, query)
    assert len(hrefs) >= 3, hrefs
    page.keyboard.press("o")
    landed_on(page, hrefs[0])
    page.keyboard.press("j")
    landed_on(page, hrefs[1])
    page.keyboard.press("o")  # on a message page: the next one too
    landed_on(page, hrefs[2])
    page.keyboard.press("k")
    landed_on(page, hrefs[1])
    expect(page.locator("#queue-flow")).to_be_visible()
    shot(page, "message-in-queue")

    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(r"/queue/drafts\?label=status_request$"))
    expect(page.get_by_label("Label")).to_have_value("status_request")
    page.wait_for_load_state("load")
    page.keyboard.press("?")
    help_dialog = page.locator("#help")
    expect(help_dialog).to_contain_text("back to the queue you came from, with its filters")
    expect(help_dialog).to_contain_text("undo the reply just approved")


def test_an_attorneys_reply_waits_the_window_and_undo_gives_the_text_back(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    smtp: Sink,  # noqa: F811
    web_settings: Settings,
) -> None:
    escalation = message_by_subject(db, SETTLEMENT)
    log_in(page, ATTORNEY)
    page.goto(f"/messages/{escalation.id}")
    reply = "Dana,\n\nDo not accept the offer yet.\n\nMargaret"
    page.get_by_label("Your reply (sent under your name)").fill(reply)
    page.get_by_role("button", name="Send reply").click()
    toast = page.locator("#undo-toast")
    expect(toast).to_contain_text("Your reply is in the outbox: sends in")
    worker_pass(db, web_settings)  # (the sample's escalation notices to attorneys go)
    assert received_by(smtp, escalation.from_addr) == []
    page.wait_for_load_state("load")
    page.keyboard.press("z")

    expect(page.get_by_role("status")).to_have_text(
        "Undone: nothing was sent. The reply is back as a draft."
    )
    expect(page.locator("#state")).to_contain_text("escalated")
    expect(page.get_by_label("Your reply (sent under your name)")).to_have_value(reply + "\n")
    page.wait_for_timeout(UNDO_SECONDS * 1000 + 500)
    assert worker_pass(db, web_settings).sent == 0
    assert received_by(smtp, escalation.from_addr) == []

    # Sent again, it goes after its window.
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#undo-toast")).to_be_visible()
    expect(page.locator("#undo-toast")).to_have_count(0, timeout=(UNDO_SECONDS + 5) * 1000)
    assert worker_pass(db, web_settings).sent == 1
    [mail] = received_by(smtp, escalation.from_addr)
    assert "Do not accept the offer yet." in plain_text(mail)
