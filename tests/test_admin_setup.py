"""Setting the firm up from the admin pages: the rules file edited with its history and
rollback, mailboxes added, edited, tested and disabled, and who a message can be
assigned to. The real app on the sample firm (SQLite, and PostgreSQL in the full run),
a real Dovecot for the connection test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import make_engine, session_factory
from inbox.models import AuditEvent, Mailbox, Message, MessageState, RulesVersion, User
from inbox.settings import Settings
from tests.conftest import ROOT
from tests.servers.dovecot import Dovecot
from tests.web_client import login, post_form
from web import create_app
from web.assignment import UNASSIGNED, assignees, current_assignee

ADMIN, VA, VA2 = "admin@harborvale.law", "dana@harborvale.law", "sam.va@harborvale.law"
ATTORNEY = "margaret.okafor@harborvale.law"
BAD_LINE = (
    "rules:\n  - name: x\n    description: d\n    if: {label: gossip}\n    then: {action: triage}\n"
)


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    shutil.copy(ROOT / "rules" / "default_rules.yaml", path)
    return path


@pytest.fixture
def settings(sample_db_url: str, rules_file: Path, tmp_path: Path) -> Settings:  # type: ignore[override]
    return Settings(
        db_url=sample_db_url,
        secret_key="test-secret",
        rules_path=rules_file,
        models_dir=tmp_path / "models",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["inbox_router"].engine.dispose()


@pytest.fixture
def db(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings)
    yield session_factory(engine)
    engine.dispose()


def audited(db: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with db() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- the rules file --------------------------------------------------------------------


def test_a_rules_edit_with_a_bad_line_is_refused_with_its_line_and_changes_nothing(
    app: Flask, db: sessionmaker[Session], rules_file: Path
) -> None:
    before = rules_file.read_text(encoding="utf-8")
    admin = login(app, ADMIN)
    response = post_form(admin, "/admin/rules", "/admin/rules", rules=BAD_LINE, intent="save")
    assert response.status_code == 422
    assert "Rejected: pasted:4:" in response.text and "gossip" in response.text
    assert '<mark id="rules-error-line">    if: {label: gossip}</mark>' in response.text
    assert rules_file.read_text(encoding="utf-8") == before
    with db() as session:
        assert session.scalars(select(RulesVersion)).all() == []


def test_a_good_rules_edit_shows_its_diff_is_saved_as_a_version_and_rolls_back(
    app: Flask, db: sessionmaker[Session], rules_file: Path
) -> None:
    original = rules_file.read_text(encoding="utf-8")
    edited = original.replace("default_sla_hours: 8 ", "default_sla_hours: 6 ", 1)
    assert edited != original
    admin = login(app, ADMIN)
    checked = post_form(admin, "/admin/rules", "/admin/rules", rules=edited, intent="check")
    assert checked.status_code == 200 and "Accepted: accepted: 11 rules" in checked.text
    assert '<span class="add">+' in checked.text and "default_sla_hours: 6" in checked.text
    assert "Save this version" in checked.text
    assert rules_file.read_text(encoding="utf-8") == original  # checking saves nothing

    router_before = app.extensions["inbox_router"].router()
    saved = post_form(
        admin, "/admin/rules", "/admin/rules", rules=edited.replace("\n", "\r\n"), intent="save"
    )
    assert saved.status_code == 302
    assert rules_file.read_text(encoding="utf-8") == edited
    assert app.extensions["inbox_router"].router() is not router_before  # reloaded at once
    with db() as session:
        versions = session.scalars(select(RulesVersion).order_by(RulesVersion.id)).all()
        assert [(v.kind, v.text) for v in versions] == [("original", original), ("edit", edited)]
        first_id = versions[0].id

    page = admin.get("/admin/rules").text
    assert f"Roll back to version {first_id}" in page and "<strong>in use</strong>" in page
    rolled = post_form(admin, "/admin/rules", f"/admin/rules/versions/{first_id}/rollback")
    assert rolled.status_code == 302
    assert rules_file.read_text(encoding="utf-8") == original
    with db() as session:
        newest = session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc())).first()
        assert newest is not None
        assert (newest.kind, newest.restored_from, newest.text) == ("rollback", first_id, original)
    assert [e.detail["kind"] for e in audited(db, "rules_saved")] == ["edit", "rollback"]


def test_saving_the_rules_in_use_unchanged_is_refused(app: Flask, rules_file: Path) -> None:
    admin = login(app, ADMIN)
    same = rules_file.read_text(encoding="utf-8")
    response = post_form(admin, "/admin/rules", "/admin/rules", rules=same, intent="save")
    assert response.status_code == 422 and "already in use" in response.text


def test_a_va_cannot_save_or_roll_back_rules(app: Flask, rules_file: Path) -> None:
    before = rules_file.read_text(encoding="utf-8")
    va = login(app, VA)
    token_page = "/queue/triage"
    assert post_form(va, token_page, "/admin/rules", rules="x", intent="save").status_code == 403
    assert post_form(va, token_page, "/admin/rules/versions/1/rollback").status_code == 403
    assert rules_file.read_text(encoding="utf-8") == before


# -- mailboxes ---------------------------------------------------------------------------


def mailbox_fields(dovecot_port: int = 993, **changes: str) -> dict[str, str]:
    fields = {
        "name": "clients",
        "host": "127.0.0.1",
        "port": str(dovecot_port),
        "security": "plain",
        "user": "firm",
        "folder": "INBOX",
        "after": "leave",
        "credential": "env",
        "credential_value": "TEST_IMAP_PASSWORD",
    }
    return {**fields, **changes}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"port": "99999"}, "--port 99999 is not a TCP port"),
        ({"port": "imap"}, "port &#39;imap&#39; is not a number"),
        ({"credential_value": "hunter2 pass!"}, "is not an environment variable name"),
        ({"host": "imap.example.com"}, "plain sends the password in clear"),
        ({"name": "no spaces"}, "use letters, digits"),
        ({"after": "delete"}, "--after must be leave, flag or move:FOLDER"),
    ],
)
def test_a_bad_mailbox_is_refused_with_its_reason_and_nothing_stored(
    app: Flask, db: sessionmaker[Session], changes: dict[str, str], reason: str
) -> None:
    admin = login(app, ADMIN)
    response = post_form(admin, "/admin/mailboxes", "/admin/mailboxes", **mailbox_fields(**changes))
    assert response.status_code == 422 and reason in response.text, response.text
    with db() as session:
        assert session.scalars(select(Mailbox)).all() == []


def test_mailbox_added_tested_edited_and_disabled_from_the_admin_page(
    app: Flask, db: sessionmaker[Session], dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    admin = login(app, ADMIN)
    added = post_form(admin, "/admin/mailboxes", "/admin/mailboxes", **mailbox_fields(dovecot.port))
    assert added.status_code == 302
    with db() as session:
        box = session.scalars(select(Mailbox)).one()
        assert (box.password_env, box.password_command, box.oauth2_token_command) == (
            "TEST_IMAP_PASSWORD",
            None,
            None,
        )
        box_id = box.id
    page = admin.get("/admin/mailboxes").text
    assert dovecot.password not in page and "password from $TEST_IMAP_PASSWORD" in page

    tested = post_form(admin, "/admin/mailboxes", f"/admin/mailboxes/{box_id}/test")
    assert "logged in and opened &#39;INBOX&#39;: 0 messages" in admin.get(tested.location).text

    # An edit with the credential left empty keeps it; a new folder restarts the sync.
    with db() as session, session.begin():
        session.get_one(Mailbox, box_id).last_uid = 42
    url = f"/admin/mailboxes/{box_id}"
    edited = post_form(
        admin, url, url, **mailbox_fields(dovecot.port, folder="Nowhere", credential_value="")
    )
    assert edited.status_code == 302
    with db() as session:
        box = session.get_one(Mailbox, box_id)
        assert (box.folder, box.last_uid, box.password_env) == ("Nowhere", 0, "TEST_IMAP_PASSWORD")
    tested = post_form(admin, "/admin/mailboxes", f"/admin/mailboxes/{box_id}/test")
    assert "cannot open &#39;Nowhere&#39;" in admin.get(tested.location).text

    monkeypatch.delenv("TEST_IMAP_PASSWORD")
    tested = post_form(admin, "/admin/mailboxes", f"/admin/mailboxes/{box_id}/test")
    assert "TEST_IMAP_PASSWORD is not set" in admin.get(tested.location).text

    post_form(admin, "/admin/mailboxes", f"/admin/mailboxes/{box_id}/enabled", enabled="0")
    with db() as session:
        assert session.get_one(Mailbox, box_id).enabled is False
    actions = [e.action for e in audited(db, "mailbox_added") + audited(db, "mailbox_edited")]
    assert actions == ["mailbox_added", "mailbox_edited"]
    assert [e.detail["ok"] for e in audited(db, "mailbox_tested")] == [True, False, False]


# -- assignment --------------------------------------------------------------------------


def test_assignees_are_each_person_once_and_only_people_who_take_work(
    db: sessionmaker[Session],
) -> None:
    with db() as session, session.begin():
        session.scalars(select(User).where(User.email == VA2)).one().active = False
    with db() as session:
        people = assignees(session)
    names = [p.label for p in people]
    assert "Margaret Okafor (attorney)" in names and "Dana Reyes (VA)" in names
    assert len(names) == len(set(names)) == 6  # five attorneys and one active VA
    assert not any("Admin" in n or "Sam Ortiz" in n or "margaret" in n for n in names)


def test_the_assign_control_preselects_the_holder_and_can_unassign(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        message = session.scalars(
            select(Message).where(Message.state == MessageState.TRIAGE).order_by(Message.id)
        ).first()
        assert message is not None
        dana = session.scalars(select(User).where(User.email == VA)).one()
        margaret = session.scalars(select(User).where(User.email == ATTORNEY)).one()
        admin_user = f"u:{session.scalars(select(User.id).where(User.email == ADMIN)).one()}"
    url = f"/messages/{message.id}"
    va = login(app, VA)
    assert f'<option value="{UNASSIGNED}" selected>' in va.get(url).text
    post_form(va, url, f"{url}/reassign", assignee=f"u:{dana.id}")
    assert f'<option value="u:{dana.id}" selected>' in va.get(url).text
    post_form(va, url, f"{url}/reassign", assignee=f"a:{margaret.attorney_id}")
    assert f'<option value="a:{margaret.attorney_id}" selected>' in va.get(url).text
    with db() as session:
        assert current_assignee(session.get_one(Message, message.id)) == f"a:{margaret.attorney_id}"
    post_form(va, url, f"{url}/reassign", assignee=UNASSIGNED)
    with db() as session:
        stored = session.get_one(Message, message.id)
        assert (stored.assignee_user_id, stored.assignee_attorney_id) == (None, None)
    refused = post_form(va, url, f"{url}/reassign", assignee=admin_user)
    assert "is not someone who can take work" in va.get(refused.location).text
