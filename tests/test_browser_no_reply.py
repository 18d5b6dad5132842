"""The "No reply needed?" queue in Chromium: reached from the navigation with its
count, cleared from the keyboard (tests/test_browser.py's fixtures and helpers)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Message, MessageState
from tests.test_browser import (  # noqa: F401 - fixtures pytest finds by name
    VA,
    db,
    expect,
    live,
    log_in,
    page,
    pages,
    shot,
    smtp,
    web_settings,
)

pytestmark = pytest.mark.slow


def waiting(db: sessionmaker[Session]) -> list[int]:  # noqa: F811 - the fixture's value
    with db() as session:
        return list(
            session.scalars(
                select(Message.id)
                .where(Message.state == MessageState.NO_REPLY)
                .order_by(Message.id)
            )
        )


def state_of(db: sessionmaker[Session], message_id: int) -> str:  # noqa: F811
    with db() as session:
        return session.get_one(Message, message_id).state


def thank_you(db: sessionmaker[Session]) -> int:  # noqa: F811
    """The sample's thank-you note from a known client (a person wrote it)."""
    with db() as session:
        return session.scalars(select(Message.id).where(Message.subject.like("%hank%"))).one()


def test_keys_archive_a_line_and_open_another_as_a_status_draft(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    shot: Any,  # noqa: F811
) -> None:
    held = waiting(db)
    assert len(held) >= 2, "the sample mailbox should put two or more mails there"
    log_in(page, VA)
    nav = page.locator("#nav-noreply")
    expect(nav).to_contain_text(f"No reply needed? {len(held)}")
    nav.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("No reply needed?")
    shot(page, "no-reply-queue")
    rows = page.locator("table.queue tbody tr")
    ids = [int(i) for i in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")]
    thanks = thank_you(db)
    # Archive another line with y (j moves to it), then open the thank-you note.
    other = next(i for i in ids if i != thanks)
    for _ in range(ids.index(other)):
        page.keyboard.press("j")
    page.keyboard.press("y")
    expect(page.locator(".flash")).to_contain_text("Archived: no reply needed.")
    expect(nav).to_contain_text(f"No reply needed? {len(held) - 1}")
    assert state_of(db, other) == MessageState.DONE

    ids = [int(i) for i in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")]
    for _ in range(ids.index(thanks)):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/messages/{thanks}$"))
    expect(page.locator("#no-reply-actions")).to_be_visible()
    page.keyboard.press("s")
    expect(page.locator(".flash")).to_contain_text("Routed as status request")
    expect(page).to_have_url(re.compile(rf"/messages/{thanks}$"))
    assert state_of(db, thanks) in (MessageState.REVIEW, MessageState.TRIAGE)
    shot(page, "opened-as-status-draft")


def test_x_selects_lines_and_y_archives_all_of_them(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
) -> None:
    held = waiting(db)
    log_in(page, VA)
    page.goto("/queue/noreply")
    for _ in held:
        page.keyboard.press("x")
        page.keyboard.press("j")
    expect(page.locator("[data-select]:checked")).to_have_count(len(held))
    page.keyboard.press("y")
    expect(page.locator(".flash")).to_contain_text(f"Archived {len(held)} messages.")
    expect(page.locator("p.empty")).to_contain_text("Nothing here")
    assert [state_of(db, i) for i in held] == [MessageState.DONE] * len(held)


def test_t_on_the_message_page_moves_it_to_triage(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
) -> None:
    message_id = waiting(db)[0]
    log_in(page, VA)
    page.goto(f"/messages/{message_id}")
    page.keyboard.press("t")
    expect(page.locator(".flash")).to_contain_text("Moved to triage.")
    assert state_of(db, message_id) == MessageState.TRIAGE
