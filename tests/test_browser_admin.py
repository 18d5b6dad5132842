"""The admin's setup and the assignment control in a real browser (Chromium, Playwright).

The fixtures are test_browser.py's (the real app on a copy of the sample database, an
aiosmtpd sink), with the rules file copied per test so saving it changes only the copy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Mailbox, Message, MessageState, RulesVersion, User
from inbox.settings import Settings
from tests.conftest import ROOT
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import Sink
from tests.test_browser import (  # noqa: F401 - fixtures, used by name
    ADMIN,
    ATTORNEY,
    VA,
    Pages,
    browser_settings,
    db,
    expect,
    live,
    log_in,
    page,
    pages,
    smtp,
)

pytestmark = pytest.mark.slow
BAD_RULES = (
    "rules:\n  - name: x\n    description: d\n    if: {label: gossip}\n    then: {action: triage}\n"
)


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    shutil.copy(ROOT / "rules" / "default_rules.yaml", path)
    return path


@pytest.fixture
def web_settings(
    tmp_path: Path,
    sample_sqlite_template: Path,
    smtp: Sink,  # noqa: F811
    rules_file: Path,
) -> Settings:
    return browser_settings(tmp_path, sample_sqlite_template, smtp, rules_path=rules_file)


def test_each_role_lands_on_its_own_work(pages: Pages) -> None:  # noqa: F811
    for address, heading in ((VA, "Triage"), (ATTORNEY, "My escalations"), (ADMIN, "Admin")):
        opened = pages.new()
        log_in(opened, address)
        expect(opened.get_by_role("heading", level=1)).to_contain_text(heading)
    admin_home = pages.new()
    log_in(admin_home, ADMIN)
    admin_home.goto("/")
    expect(admin_home).to_have_url(re.compile(r"/admin/$"))


def test_rules_edit_with_a_bad_line_is_refused_and_a_good_edit_is_rolled_back(
    page: Any,  # noqa: F811
    rules_file: Path,
    db: sessionmaker[Session],  # noqa: F811
    pages: Pages,  # noqa: F811
) -> None:
    pages.allow("status of 422")  # the refused edit answers 422
    original = rules_file.read_text(encoding="utf-8")
    log_in(page, ADMIN)
    page.get_by_role("link", name="Rules file").first.click()
    editor = page.get_by_label("Rules file")
    expect(editor).to_have_value(original)

    editor.fill(BAD_RULES)
    page.get_by_role("button", name="Check and show the change").click()
    expect(page.locator("#rules-result")).to_contain_text("Rejected: pasted:4:")
    expect(page.locator("#rules-error-line")).to_have_text("    if: {label: gossip}")
    expect(page.get_by_role("button", name="Save this version")).to_have_count(0)
    assert rules_file.read_text(encoding="utf-8") == original

    edited = original.replace("default_sla_hours: 8 ", "default_sla_hours: 6 ", 1)
    page.get_by_label("Rules file").fill(edited)
    page.get_by_role("button", name="Check and show the change").click()
    expect(page.locator("#rules-result")).to_contain_text("Accepted")
    expect(page.locator("#rules-diff .add")).to_contain_text(["+default_sla_hours: 6"])
    expect(page.locator("#rules-diff .del")).to_contain_text(["-default_sla_hours: 8"])
    page.get_by_role("button", name="Save this version").click()
    expect(page.locator(".flash.info")).to_contain_text("it is in use now")
    assert rules_file.read_text(encoding="utf-8") == edited

    with db() as session:
        first = session.scalars(select(RulesVersion).order_by(RulesVersion.id)).first()
        assert first is not None and first.kind == "original"
    page.get_by_role("button", name=f"Roll back to version {first.id}").click()
    expect(page.locator(".flash.info")).to_contain_text(f"Rolled back to version {first.id}")
    assert rules_file.read_text(encoding="utf-8") == original
    expect(page.locator("#rules-versions tbody tr")).to_have_count(3)
    expect(page.locator("#rules-versions tbody tr").first).to_contain_text("rollback of version")


def test_admin_adds_tests_and_disables_a_mailbox(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    pages: Pages,  # noqa: F811
) -> None:
    pages.allow("status of 422")  # the refused mailbox answers 422
    monkeypatch.setenv("DEMO_IMAP_PASSWORD", dovecot.password)
    log_in(page, ADMIN)
    page.get_by_role("link", name="Mailboxes").first.click()
    form = page.locator("#mailbox-add")
    form.get_by_label("Name", exact=True).fill("clients")
    form.get_by_label("IMAP host", exact=True).fill("127.0.0.1")
    form.get_by_label("Port", exact=True).fill("99999")
    form.locator("select[name=security]").select_option("plain")
    form.get_by_label("User", exact=True).fill(dovecot.user)
    form.get_by_label("Variable name or command", exact=True).fill("DEMO_IMAP_PASSWORD")
    form.get_by_role("button", name="Add mailbox").click()
    expect(page.locator(".flash.error")).to_contain_text("--port 99999 is not a TCP port")
    with db() as session:
        assert session.scalars(select(Mailbox)).all() == []

    form = page.locator("#mailbox-add")  # the refused form keeps what was typed
    expect(form.get_by_label("Name", exact=True)).to_have_value("clients")
    form.get_by_label("Port", exact=True).fill(str(dovecot.port))
    form.get_by_role("button", name="Add mailbox").click()
    expect(page.locator(".flash.info")).to_contain_text("Added mailbox clients")
    row = page.locator("#mailboxes tbody tr", has_text="clients")
    expect(row).to_contain_text("password from $DEMO_IMAP_PASSWORD")
    assert dovecot.password not in page.content()

    row.get_by_role("button", name="Test").click()
    expect(page.locator(".flash.info")).to_contain_text("logged in and opened 'INBOX'")

    page.locator("#mailboxes tbody tr", has_text="clients").get_by_role(
        "button", name="Disable"
    ).click()
    expect(page.locator(".flash.info")).to_contain_text("Mailbox clients disabled")
    expect(page.locator("#mailboxes tbody tr", has_text="clients")).to_contain_text("disabled")
    with db() as session:
        assert session.scalars(select(Mailbox.enabled)).one() is False


def test_assignment_dropdown_lists_each_person_once_and_preselects_the_holder(
    page: Any,  # noqa: F811
    db: sessionmaker[Session],  # noqa: F811
) -> None:
    with db() as session:
        message = session.scalars(
            select(Message)
            .where(Message.state == MessageState.TRIAGE, Message.assignee_user_id.is_(None))
            .order_by(Message.id)
        ).first()
        assert message is not None
        sam = session.scalars(select(User).where(User.email == "sam.va@harborvale.law")).one()
    log_in(page, VA)
    page.goto(f"/messages/{message.id}")
    select_box = page.locator("#assignee")
    options = select_box.locator("option").all_inner_texts()
    assert options[0] == "Unassigned"
    assert len(options) == len(set(options))
    assert options.count("Margaret Okafor (attorney)") == 1
    assert "Sam Ortiz (VA)" in options and "Dana Reyes (VA)" in options
    assert not [o for o in options if "Admin" in o or "margaret.okafor" in o]
    expect(select_box).to_have_value("none")

    select_box.select_option(label="Sam Ortiz (VA)")
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator(".flash.info")).to_contain_text("Reassigned")
    expect(page.locator("#assignee")).to_have_value(f"u:{sam.id}")
    expect(page.locator("#state")).to_contain_text("assigned to Sam Ortiz")

    page.locator("#assignee").select_option(label="Unassigned")
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator("#assignee")).to_have_value("none")
    with db() as session:
        stored = session.get_one(Message, message.id)
        assert (stored.assignee_user_id, stored.assignee_attorney_id) == (None, None)
