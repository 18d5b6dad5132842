"""The queues' context and the phone layout in Chromium (tests/test_browser.py's
fixtures and helpers): a VA sees why each line is there, an attorney's hand-back with
the note, a file mark and the mail's own date; an attorney reads the queue and a
message on a 390 px wide phone without scrolling sideways."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Attachment, Message, MessageState
from tests.test_browser import (  # noqa: F401 - fixtures pytest finds by name
    ATTORNEY,
    FRANCHISE,
    SETTLEMENT,
    VA,
    Pages,
    db,
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

pytestmark = pytest.mark.slow
PHONE_WIDTH = 390


def phone(pages: Pages) -> Any:  # noqa: F811 - the fixture's value
    """A page on a phone: 390 CSS px wide, a touch screen, the page's own viewport tag."""
    context = pages.browser.new_context(
        base_url=pages.live.url,
        viewport={"width": PHONE_WIDTH, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    pages.contexts.append(context)
    opened = context.new_page()
    opened.on("pageerror", lambda error: pages.errors.append(f"page error: {error}"))
    opened.on("console", pages._console)
    return opened


WIDER = """(limit) => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > limit + 0.5)
  .slice(0, 5)
  .map((e) => e.tagName.toLowerCase() + "." + e.className + " " + e.getBoundingClientRect().right)"""


def sideways(opened: Any) -> int:
    """How far the page scrolls sideways (0: it fits the screen); what sticks out, if
    anything, is printed for the failure to name."""
    beyond = int(opened.evaluate("document.documentElement.scrollWidth")) - PHONE_WIDTH
    if beyond > 0:
        print(opened.url, opened.evaluate(WIDER, PHONE_WIDTH))
    return beyond


def triaged_with_file(db: sessionmaker[Session]) -> Message:  # noqa: F811
    with db() as session:
        found = session.scalars(
            select(Message)
            .join(Attachment, Attachment.message_id == Message.id)
            .where(Message.state == MessageState.TRIAGE, Attachment.inline.is_(False))
            .order_by(Message.id)
        ).first()
        assert found is not None, "the sample should triage a mail that carries a file"
        return found


def test_a_va_sees_why_each_line_is_there_and_an_attorneys_hand_back_with_the_note(
    pages: Pages,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    settlement = message_by_subject(db, SETTLEMENT)
    lawyer = pages.new()
    log_in(lawyer, ATTORNEY)
    lawyer.get_by_role("link", name=SETTLEMENT).click()
    note = "Not legal: they only ask whether the offer arrived. Please confirm it did."
    lawyer.get_by_label("Why (for the VAs)").fill(note)
    lawyer.get_by_role("button", name="Hand back to a VA").click()
    expect(lawyer.locator("#state")).to_contain_text("triage")
    panel = lawyer.locator("section.decision")
    expect(panel).to_contain_text("handed back")
    expect(panel.locator("strong", has_text=re.compile("^escalate$"))).to_have_count(0)

    va = pages.new()
    log_in(va, VA)
    expect(va.get_by_role("heading", level=1)).to_contain_text("Triage")
    expect(va.locator("#time-zone")).to_contain_text("Times in America/New_York")
    row = va.locator(f'tr[data-href$="/messages/{settlement.id}"]')
    expect(row.locator(".badge.handed-back")).to_have_text("handed back")
    expect(row.locator(".hand-back")).to_contain_text("Margaret Okafor")
    expect(row.locator(".hand-back-note")).to_have_text(note)
    expect(row.locator(".snippet")).not_to_be_empty()

    with_file = triaged_with_file(db)
    filed = va.locator(f'tr[data-href$="/messages/{with_file.id}"]')
    expect(filed.locator(".attachment-mark")).to_have_attribute("aria-label", "has an attachment")
    first_words = " ".join(with_file.new_text.split()[:3])
    expect(filed.locator(".snippet")).to_contain_text(first_words)
    expect(filed.locator(".why")).not_to_be_empty()
    expect(filed.locator("td.sent time")).to_have_attribute("datetime", re.compile(r"\+00:00$"))
    shot(va, "triage-with-context")


def test_an_attorney_reads_the_queue_and_a_message_on_a_390px_phone_without_sideways_scroll(
    pages: Pages,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    lawyer = phone(pages)
    log_in(lawyer, ATTORNEY)
    expect(lawyer.get_by_role("heading", level=1)).to_contain_text("My escalations")
    assert sideways(lawyer) <= 0, "My escalations scrolls sideways on a phone"
    subject = lawyer.get_by_role("link", name=SETTLEMENT)
    expect(subject).to_be_visible()
    box = subject.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
    shot(lawyer, "phone-my-escalations")

    subject.click()
    expect(lawyer.locator("#state")).to_contain_text("escalated")
    assert sideways(lawyer) <= 0, "the message page scrolls sideways on a phone"
    reply = lawyer.get_by_label("Your reply (sent under your name)")
    reply_box = reply.bounding_box()
    assert reply_box is not None and reply_box["x"] + reply_box["width"] <= PHONE_WIDTH
    shot(lawyer, "phone-escalation")


def test_a_vas_queues_and_a_draft_fit_a_390px_phone(
    pages: Pages,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    shot: Callable[[Any, str], None],  # noqa: F811
) -> None:
    va = phone(pages)
    log_in(va, VA)
    for queue in ("triage", "noreply", "drafts", "all"):
        va.goto(f"/queue/{queue}")
        expect(va.locator("h1")).to_be_visible()
        assert sideways(va) <= 0, f"/queue/{queue} scrolls sideways on a phone"
    shot(va, "phone-all")
    draft = message_by_subject(db, FRANCHISE)
    va.goto(f"/messages/{draft.id}")
    expect(va.locator("#draft-body")).to_be_visible()
    assert sideways(va) <= 0, "the draft page scrolls sideways on a phone"
    shot(va, "phone-draft")
