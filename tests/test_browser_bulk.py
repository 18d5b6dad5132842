"""Bulk actions in Chromium: two triage lines checked from the keyboard, assigned at
once, both audited (tests/test_browser.py's fixtures and helpers)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Message, User
from tests.test_browser import (  # noqa: F401 - fixtures pytest finds by name
    ADMIN,
    VA,
    VA2,
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
from tests.triage_lines import ensure_in_triage

pytestmark = pytest.mark.slow


def test_two_lines_checked_with_x_are_assigned_at_once_and_audited(
    pages: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    shot: Any,  # noqa: F811
) -> None:
    ensure_in_triage(db)
    va = pages.new()
    log_in(va, VA)
    va.goto("/queue/triage")
    rows = va.locator("table.queue tbody tr")
    ids = [int(i) for i in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")[:2]]
    assert len(ids) == 2, "the sample mailbox should put two or more mails in triage"
    va.keyboard.press("x")
    va.keyboard.press("j")
    va.keyboard.press("x")
    expect(va.locator("[data-select]:checked")).to_have_count(2)
    expect(va.locator("#bulk-count")).to_have_text("2 selected")
    va.locator("#bulk-assignee").select_option(label="Sam Ortiz (VA)")
    shot(va, "two-lines-checked")
    va.locator("#assign-checked").click()
    expect(va.locator(".flash")).to_contain_text("Assigned 2 messages to Sam Ortiz.")
    with db() as session:
        sam = session.scalars(select(User.id).where(User.email == VA2)).one()
        held = session.scalars(select(Message.assignee_user_id).where(Message.id.in_(ids)))
        assert list(held) == [sam, sam]

    admin = pages.new()
    log_in(admin, ADMIN)
    admin.goto("/admin/audit?action=reassign")
    audit = admin.locator("#audit tbody tr")
    expect(audit).to_have_count(2)
    for message_id in ids:
        line = audit.filter(has=admin.get_by_role("link", name=str(message_id), exact=True))
        expect(line).to_contain_text(VA)
    shot(admin, "audit-log-shows-both")


def test_select_all_checks_every_line(
    page: Any,  # noqa: F811
) -> None:
    log_in(page, VA)
    page.goto("/queue/triage")
    page.get_by_label("Select all").check()
    lines = page.locator("table.queue tbody tr").count()
    expect(page.locator("[data-select]:checked")).to_have_count(lines)
    expect(page.locator("#bulk-count")).to_have_text(f"{lines} selected")
