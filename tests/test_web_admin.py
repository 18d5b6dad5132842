"""The admin pages and the metrics page, through the Flask test client, on both databases."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from inbox.accounts import add_user
from inbox.cli import main
from inbox.models import AuditEvent, Classification, Mailbox, Message, User
from inbox.settings import Settings
from rules.drafting import render
from tests.conftest import ROOT, SAMPLE_FIRM, SAMPLE_MAILBOX
from tests.stored_mail import add_message
from web import create_app, template_editor

PASSWORD = "correct horse battery"
ADMIN, VA = "admin@harborvale.law", "va@harborvale.law"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", target)
    return target


@pytest.fixture
def app(settings: Settings, factory, tmp_path: Path, templates_copy: Path):  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        add_user(session, ADMIN, "admin", PASSWORD, "Avery Admin")
        add_user(session, VA, "va", PASSWORD, "Dana Reyes")
    app = create_app(
        settings.with_changes(
            secret_key="test", templates_dir=templates_copy, models_dir=tmp_path / "models"
        )
    )
    yield app
    app.extensions["inbox_router"].engine.dispose()


def token(client: Any, url: str = "/login") -> str:
    found = TOKEN.search(client.get(url).get_data(as_text=True))
    assert found, f"no csrf_token on {url}"
    return found.group(1)


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    data = {"email": email, "password": password, "csrf_token": token(client)}
    return client.post("/login", data=data)


@pytest.fixture
def admin(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, ADMIN).status_code == 302
    return client


def post(client: Any, url: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": token(client, "/admin/"), **data})


def ingest_sample(db_url: str, *names: str) -> None:
    assert main(["--db", db_url, "import-directory", str(SAMPLE_FIRM)]) == 0
    assert main(["--db", db_url, "ingest", *(str(SAMPLE_MAILBOX / n) for n in names)]) == 0


ADMIN_PAGES = (
    "/admin/",
    "/admin/users",
    "/admin/mailboxes",
    "/admin/rules",
    "/admin/templates",
    "/admin/templates/client/billing_query.txt.j2",
    "/admin/classifier",
    "/admin/audit",
)
ADMIN_ACTIONS = (
    "/admin/users",
    "/admin/users/1/role",
    "/admin/users/1/active",
    "/admin/users/1/password",
    "/admin/mailboxes/1/enabled",
    "/admin/rules",
    "/admin/templates/client/billing_query.txt.j2",
    "/admin/classifier/retrain",
)


def test_a_va_gets_403_on_every_admin_page_and_action(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, VA).status_code == 302
    csrf = token(client, "/metrics")
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    for url in ADMIN_ACTIONS:
        assert client.post(url, data={"csrf_token": csrf, "role": "admin"}).status_code == 403, url


def test_admin_pages_need_a_login(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_admin_adds_a_user_who_can_then_log_in(app, admin, factory) -> None:  # type: ignore[no-untyped-def]
    response = post(
        admin,
        "/admin/users",
        email="New.Person@harborvale.law",
        name="New Person",
        role="attorney",
        password="ten chars!",
    )
    assert response.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "new.person@harborvale.law" in page and "Added new.person@harborvale.law" in page
    assert login(app.test_client(), "new.person@harborvale.law", "ten chars!").status_code == 302
    with factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_added")).one()
        assert (event.actor, event.detail["email"]) == (ADMIN, "new.person@harborvale.law")


def test_a_short_password_or_a_taken_address_is_refused(admin, factory) -> None:  # type: ignore[no-untyped-def]
    post(admin, "/admin/users", email="x@harborvale.law", role="va", password="short")
    assert "at least 10 characters" in admin.get("/admin/users").get_data(as_text=True)
    post(admin, "/admin/users", email=VA, role="admin", password="long enough pw")
    assert "already has a login" in admin.get("/admin/users").get_data(as_text=True)
    with factory() as session:
        assert session.scalar(select(User.role).where(User.email == VA)) == "va"
        assert session.scalar(select(User).where(User.email == "x@harborvale.law")) is None


def test_deactivated_user_cannot_log_in_and_admin_cannot_deactivate_themself(  # type: ignore[no-untyped-def]
    app, admin, factory
) -> None:
    with factory() as session:
        va_id = session.scalar(select(User.id).where(User.email == VA))
        admin_id = session.scalar(select(User.id).where(User.email == ADMIN))
    va = app.test_client()
    assert login(va, VA).status_code == 302
    assert post(admin, f"/admin/users/{va_id}/active", active="0").status_code == 302
    assert va.get("/queue/triage").status_code == 302  # logged out at the next request
    assert login(app.test_client(), VA).status_code == 401
    post(admin, f"/admin/users/{admin_id}/active", active="0")
    assert "cannot deactivate yourself" in admin.get("/admin/users").get_data(as_text=True)
    post(admin, f"/admin/users/{va_id}/active", active="1")
    post(admin, f"/admin/users/{va_id}/password", password="another password")
    post(admin, f"/admin/users/{va_id}/role", role="attorney")
    assert login(app.test_client(), VA, "another password").status_code == 302
    with factory() as session:
        assert session.get(User, admin_id).active
        assert session.get(User, va_id).role == "attorney"
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("user_")] == [
        "user_deactivated",
        "user_reactivated",
        "user_password_reset",
        "user_role_changed",
    ]


def test_mailbox_page_shows_health_never_secrets_and_toggles(admin, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        session.add(
            Mailbox(
                name="clients",
                host="imap.example.com",
                port=993,
                security="ssl",
                username="clients@harborvale.law",
                password_env="CLIENTS_IMAP_PASSWORD",
                folder="INBOX",
                after_action="move:Processed",
                consecutive_failures=3,
                last_error="LOGIN failed",
                last_error_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
            )
        )
    page = admin.get("/admin/mailboxes").get_data(as_text=True)
    for shown in ("clients@harborvale.law@imap.example.com:993/INBOX", "move:Processed"):
        assert shown in page
    assert "password from $CLIENTS_IMAP_PASSWORD" in page and "LOGIN failed" in page
    assert "2026-03-02 04:30" in page  # shown in the firm's zone (America/New_York, EST)
    with factory() as session:
        mailbox_id = session.scalar(select(Mailbox.id))
    post(admin, f"/admin/mailboxes/{mailbox_id}/enabled", enabled="0")
    with factory() as session:
        assert session.get(Mailbox, mailbox_id).enabled is False
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("mailbox%")))


def test_rules_page_numbers_the_active_file_and_validator_reports_the_line(admin) -> None:  # type: ignore[no-untyped-def]
    page = admin.get("/admin/rules").get_data(as_text=True)
    assert 'class="ln">1</span>' in page and "every saved version is kept" in page
    good = (ROOT / "rules" / "default_rules.yaml").read_text(encoding="utf-8")
    page = post(admin, "/admin/rules", rules=good).get_data(as_text=True)
    assert "Accepted: accepted: 11 rules" in page
    bad = "rules:\n  - name: x\n    description: d\n    if: {label: gossip}\n    then: {action: triage}\n"
    page = post(admin, "/admin/rules", rules=bad).get_data(as_text=True)
    assert re.search(r"Rejected: pasted:4: [^<]*gossip", page), page
    missing = good.replace("client/status_request", "client/nowhere")
    page = post(admin, "/admin/rules", rules=missing).get_data(as_text=True)
    assert re.search(r"Rejected: pasted:\d+: template client/nowhere.txt.j2 does not exist", page)


def _message_id(factory, origin_part: str) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return session.scalar(select(Message.id).where(Message.origin.contains(origin_part)))


def test_template_preview_renders_on_a_real_message_and_refuses_sandbox_escapes(  # type: ignore[no-untyped-def]
    admin, db_url, factory
) -> None:
    ingest_sample(db_url, "03-retainer-balance.eml")
    message_id = _message_id(factory, "03-retainer-balance")
    url = "/admin/templates/client/billing_query.txt.j2"
    page = admin.get(f"{url}?message={message_id}").get_data(as_text=True)
    preview = re.search(r'id="preview-text">(.*?)</pre>', page, re.S)
    assert preview, page
    assert "Total outstanding: $" in preview.group(1) and "Harbor &amp; Vale LLP" in preview.group(
        1
    )
    edited = "Balance {{ total_outstanding }} for {{ client_name }}"
    page = post(admin, url, source=edited, message=message_id, intent="preview")
    assert re.search(r'id="preview-text">Balance \$[\d,.]+ for \w', page.get_data(as_text=True))
    for escape in ("{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}"):
        response = post(admin, url, source=escape, message=message_id, intent="preview")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "refused by the sandbox" in text and "unsafe" in text
        assert "object&#39;&gt;" not in text and "__builtins__" not in text
    for broken, reason in (("{% if %}", "syntax error on line 1"), ("{{ nope }}", "undefined")):
        text = post(admin, url, source=broken, message=message_id, intent="preview").get_data(
            as_text=True
        )
        assert reason in text


def test_translated_templates_are_listed_and_previewed_on_a_real_message(  # type: ignore[no-untyped-def]
    admin, db_url, factory
) -> None:
    ingest_sample(db_url, "03-retainer-balance.eml")
    message_id = _message_id(factory, "03-retainer-balance")
    assert "client/es/billing_balance.txt.j2" in admin.get("/admin/templates").get_data(
        as_text=True
    )
    url = "/admin/templates/client/es/billing_balance.txt.j2"
    page = admin.get(f"{url}?message={message_id}").get_data(as_text=True)
    preview = re.search(r'id="preview-text">(.*?)</pre>', page, re.S)
    assert preview, page
    assert "Atentamente" in preview.group(1)


STATUS_INTENT_TEMPLATES = [
    f"client/{folder}status_{intent}.{part}.j2"
    for folder in ("", "es/", "de/", "fr/")
    for intent in ("timeline", "hearing_or_meeting", "next_steps", "filed_or_received")
    for part in ("txt", "html")
]


def test_the_status_intent_templates_are_listed_and_previewed_on_a_message_asking_that(  # type: ignore[no-untyped-def]
    admin, db_url, factory
) -> None:
    ingest_sample(db_url, "05-eviction-hearing-html.eml", "02-franchise-agreement-draft.eml")
    listing = admin.get("/admin/templates").get_data(as_text=True)
    for name in STATUS_INTENT_TEMPLATES:
        assert name in listing
    hearing = _message_id(factory, "05-eviction-hearing")
    with factory() as session, session.begin():
        # Whatever the intent model reads in it ("has the court set a hearing date ... how
        # long it usually takes"), this is the stored message asking about a hearing.
        session.get(Message, hearing).intent = "status.hearing_or_meeting"  # type: ignore[union-attr]
    with factory() as session:
        assert (
            template_editor.suggested_message(session, "client/de/status_hearing_or_meeting.txt.j2")
            == hearing
        )
    for name, words in (
        ("client/status_hearing_or_meeting.txt.j2", "Eviction - Unit 4B"),
        ("client/fr/status_timeline.html.j2", "Quand :"),
    ):
        page = admin.get(f"/admin/templates/{name}").get_data(as_text=True)
        preview = re.search(r'id="preview-text">(.*?)</pre>', page, re.S)
        assert preview, page
        assert words in preview.group(1)


def test_saving_a_template_that_fails_is_refused_and_the_file_is_unchanged(  # type: ignore[no-untyped-def]
    admin, db_url, factory, templates_copy
) -> None:
    ingest_sample(db_url, "03-retainer-balance.eml")
    message_id = _message_id(factory, "03-retainer-balance")
    path = templates_copy / "client" / "billing_query.txt.j2"
    before = path.read_text(encoding="utf-8")
    url = "/admin/templates/client/billing_query.txt.j2"
    for bad in ("{{ ''.__class__ }}", "Dear {{ no_such_value }}", "{% for %}"):
        response = post(admin, url, source=bad, message=message_id, intent="save")
        assert response.status_code == 422
        assert "not saved" in response.get_data(as_text=True)
    assert path.read_text(encoding="utf-8") == before
    assert list(path.parent.glob("*.bak-*")) == []

    good = before.replace("Kind regards,", "With best regards,")
    response = post(
        admin, url, source=good.replace("\n", "\r\n"), message=message_id, intent="save"
    )
    assert response.status_code == 302
    assert path.read_text(encoding="utf-8") == good
    (backup,) = path.parent.glob("billing_query.txt.j2.bak-*")
    assert backup.read_text(encoding="utf-8") == before
    # The router's environment sees the saved file at its next render.
    data = {"firm_name": "F", "invoices": [], "total_outstanding": "$0.00"}
    data |= {"payment_instructions": "-"}
    assert (
        "With best regards," in render(templates_copy, "client/billing_query", "s", data).body_text
    )
    with factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "template_saved")
        ).one()
        assert event.detail["template"] == "client/billing_query.txt.j2"
        assert event.detail["backup"] == backup.name
    assert admin.get("/admin/templates/../pyproject.toml").status_code == 404


def test_retrain_runs_in_the_background_and_reports_the_result(app, admin, factory) -> None:  # type: ignore[no-untyped-def]
    import threading

    release = threading.Event()

    def fake_train(session, settings, out):  # type: ignore[no-untyped-def]
        out("0 corrections from the database")
        release.wait(10)
        return SimpleNamespace(version="v-test", promoted=False, reason="not promoted: worse")

    job = app.extensions["inbox_router_retrain"]
    job.train = fake_train
    assert post(admin, "/admin/classifier/retrain").status_code == 302
    page = admin.get("/admin/classifier").get_data(as_text=True)
    assert "running since" in page and "v-test" not in page
    post(admin, "/admin/classifier/retrain")
    assert "Not started: a retraining is running" in admin.get("/admin/classifier").get_data(
        as_text=True
    )
    release.set()
    job.wait(10)
    page = admin.get("/admin/classifier").get_data(as_text=True)
    assert "Model v-test not promoted" in page and "not promoted: worse" in page
    from classifier.persistence import read_bundle

    shipped = read_bundle(app.extensions["inbox_router"].settings.model_path)
    assert shipped.version in page  # the shipped model's metadata
    with factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("retrain%"))
        ).all()
    assert sorted(actions) == ["retrain_finished", "retrain_started"]


def _classify(session, message: Message, label: str, source: str) -> None:  # type: ignore[no-untyped-def]
    session.add(Classification(message_id=message.id, label=label, confidence=0.9, source=source))


def test_metrics_page_shows_the_counts_of_a_known_dataset(admin, factory) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    today = now.replace(hour=0, minute=0, second=0)
    day1 = today - dt.timedelta(days=2) + dt.timedelta(hours=9)  # two days ago, 09:00 UTC
    hour = dt.timedelta(hours=1)
    with factory() as session, session.begin():
        # Day 1: three billing and one status, answered after 1, 2, 3 and 10 hours.
        answered = []
        for label, delay in (("billing_query", 1), ("billing_query", 2), ("billing_query", 3)):
            answered.append(
                add_message(session, day1, label, first_response_at=day1 + delay * hour)
            )
        late = add_message(
            session,
            day1,
            "status_request",
            first_response_at=day1 + 10 * hour,
            sla_due_at=day1 + 8 * hour,  # answered 2 hours late: a breach that day
        )
        # Open, unanswered, past its deadline: a breach now.
        add_message(session, day1, "legal_question", state="escalated", sla_due_at=day1 + 2 * hour)
        # Answered in time: no breach.
        add_message(
            session, day1, "other", first_response_at=day1 + hour, sla_due_at=day1 + 8 * hour
        )
        # Too old for the 30 days.
        add_message(session, today - dt.timedelta(days=40), "billing_query")
        # 02:00 UTC is the evening before in the firm's zone (America/New_York).
        add_message(session, day1 - 7 * hour, "other")
        # Corrections: two agree with the model's first label, one does not.
        for message, first, human in (
            (answered[0], "billing_query", "billing_query"),
            (answered[1], "billing_query", "billing_query"),
            (late, "billing_query", "status_request"),
        ):
            _classify(session, message, first, "model")
            _classify(session, message, "other", "model")  # a later re-route does not count
            _classify(session, message, human, "human")
    page = admin.get("/metrics").get_data(as_text=True)
    day = day1.date().isoformat()

    volume_row = re.search(rf'id="volume".*?<tr data-day="{day}">(.*?)</tr>', page, re.S)
    assert volume_row, page
    cells = dict(re.findall(r'data-label="(\w+)">(\d+)<', volume_row.group(1)))
    assert cells == {
        "status_request": "1",
        "billing_query": "3",
        "legal_question": "1",
        "other": "1",
    }
    assert "7 messages" in page
    evening = (day1 - dt.timedelta(days=1)).date().isoformat()
    evening_row = re.search(rf'id="volume".*?<tr data-day="{evening}">(.*?)</tr>', page, re.S)
    assert evening_row and 'data-label="other">1<' in evening_row.group(1)

    overall = re.search(r'id="response-overall">(.*?)</p>', page, re.S).group(1)
    assert "<strong>5</strong> answered" in overall
    # 1, 1, 2, 3, 10 hours: median 2, p90 = 3 + 0.6 * 7 = 7.2
    assert 'data-value="median">2.0<' in overall and 'data-value="p90">7.2<' in overall

    assert re.search(r'id="breaches-now">1<', page)
    breaches = re.search(
        rf'id="breaches".*?<tr data-day="{day}"><td>{day}</td><td>(\d+)<', page, re.S
    )
    assert breaches and breaches.group(1) == "2"

    accuracy = re.search(r'id="accuracy-overall">(.*?)</p>', page, re.S).group(1)
    assert 'data-value="corrected">3<' in accuracy and 'data-value="agreed">2<' in accuracy
    assert 'data-value="share">67%<' in accuracy
    assert re.search(r'data-label="status_request">.*?<td>1</td><td>0</td><td>0%</td>', page, re.S)
    assert page.count("<svg") == 3 and "<script" not in page.split("</head>")[1]


def test_metrics_say_no_corrections_yet_to_any_role(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, VA)
    page = client.get("/metrics")
    assert page.status_code == 200 and "No corrections yet." in page.get_data(as_text=True)


def test_audit_log_filters_by_actor_action_and_message(admin, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        message = add_message(session, dt.datetime.now(dt.UTC), "other")
        for i in range(60):
            session.add(AuditEvent(actor=VA, action="view", message_id=message.id, detail={"i": i}))
        session.add(AuditEvent(actor="system", action="routed", message_id=None))
        message_id = message.id
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "page 1 of 2" in page and page.count("<tr>") == 51  # header + 50 rows
    page = admin.get(f"/admin/audit?actor={VA}&action=view&page=2").get_data(as_text=True)
    assert page.count(f"/messages/{message_id}") == 10 and "page 2 of 2" in page
    page = admin.get("/admin/audit?actor=system").get_data(as_text=True)
    assert "<td>routed</td>" in page and "<td>view</td>" not in page
    page = admin.get(f"/admin/audit?message={message_id}").get_data(as_text=True)
    assert "60 events" in page
    page = admin.get("/admin/audit?message=999999").get_data(as_text=True)
    assert "No events match." in page
