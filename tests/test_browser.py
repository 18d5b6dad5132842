"""The review UI in a real browser: Debian's Chromium driven by Playwright.

Each test gets the real app (`web.create_app`) served by werkzeug on 127.0.0.1, a
copy of a database holding the sample firm and mailbox (ingested once per session
through the real pipeline) and four logins, an aiosmtpd server recording what the
outbox worker delivers, and its own browser contexts. SQLite only: the browser adds
nothing the other tests do not already cover on PostgreSQL.

Screenshots of the main pages go to tests/artifacts/screenshots/ (gitignored), or
to $INBOX_ROUTER_SCREENSHOTS, named after the test and the step.
"""

from __future__ import annotations

import asyncio
import email
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email import policy
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.firm import SAMPLE_FIRM_NAME
from inbox.ingest.files import ingest_paths
from inbox.mail.signoff import sign_text
from inbox.models import Attorney, Draft, Message, MessageState, OutboxEntry
from inbox.outgoing.worker import OutboxWorker
from inbox.settings import Settings
from tests.conftest import SAMPLE_PASSWORD
from tests.servers.browser import Canary, canary_server
from tests.servers.smtp import Received, Sink, smtp_sink
from tests.servers.webapp import LiveServer, live_server
from web import create_app

pytestmark = pytest.mark.slow  # Chromium drives the real app: the slow tier

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    expect = None

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("INBOX_ROUTER_SCREENSHOTS", ROOT / "tests/artifacts/screenshots"))
VA, VA2 = "dana@harborvale.law", "sam.va@harborvale.law"  # Dana Reyes, Sam Ortiz
ATTORNEY, ADMIN = "margaret.okafor@harborvale.law", "admin@harborvale.law"
SHARED = "clients@harborvale.law"

# Sample mailbox messages the tests work on (their subjects, as the queues show them).
FRANCHISE = "HV-2026-0007 - where are we on the franchise agreement?"  # status, drafted
PIER_9 = "Pier 9 lease renewal (HV-2026-0011)"  # status, drafted
ELM_STREET = "Elm Street lease assignment - HV-2026-0013"  # status, drafted
PARENTING = "parenting plan"  # status, drafted
SETTLEMENT = "RE: HV-2026-0003 - Coastal Hull settlement offer"  # escalated to Margaret


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[Sink]:
    with smtp_sink() as sink:
        yield sink


def browser_settings(
    tmp_path: Path, sample_sqlite_template: Path, smtp: Sink, **changes: Any
) -> Settings:
    """A copy of the sample database for one test, delivering to `smtp`; the browser
    test modules' settings, each with its own `changes`."""
    path = tmp_path / "web.db"
    shutil.copy(sample_sqlite_template, path)
    return Settings(
        db_url=f"sqlite:///{path}",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        secret_key="browser-tests-only",
        models_dir=tmp_path / "models",
        **changes,
    )


@pytest.fixture
def web_settings(tmp_path: Path, sample_sqlite_template: Path, smtp: Sink) -> Settings:
    # These tests deliver right after approving; the undo window (20 s by default)
    # has its own tests in tests/test_browser_flow.py.
    return browser_settings(tmp_path, sample_sqlite_template, smtp, undo_seconds=0)


@pytest.fixture
def live(web_settings: Settings) -> Iterator[LiveServer]:
    app = create_app(web_settings)
    with live_server(app) as server:
        yield server
    app.extensions["inbox_router"].engine.dispose()


@pytest.fixture
def db(live: LiveServer) -> sessionmaker[Session]:
    """Sessions on the live app's own database, to set up and check what the UI did."""
    return live.app.extensions["inbox_router"].factory


class Pages:
    """Opens pages, each in a fresh browser context (its own cookies: one person each).

    Uncaught script errors and console errors (a refused script or style of our own
    pages, say) fail the test, unless the test expects them (the hostile mail's
    frame reports what its policy blocked)."""

    def __init__(self, browser: Any, live: LiveServer) -> None:
        self.browser, self.live = browser, live
        self.contexts: list[Any] = []
        self.errors: list[str] = []
        self.console_errors_expected = False
        self.allowed: list[str] = []

    def allow(self, text: str) -> None:
        """A console error containing `text` is expected (a page answered 403 on purpose)."""
        self.allowed.append(text)

    def _console(self, message: Any) -> None:
        if message.type != "error" or self.console_errors_expected:
            return
        if not any(text in message.text for text in self.allowed):
            self.errors.append(f"console: {message.text}")

    def new(self) -> Any:
        context = self.browser.new_context(
            base_url=self.live.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self._console)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.errors == [], "the browser reported errors"


@pytest.fixture
def page(pages: Pages) -> Any:
    return pages.new()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """Save a full-page screenshot for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"^test_", "", request.node.name)

    def take(page: Any, step: str) -> None:
        # Headless Chromium leaves the (sandboxed, out-of-process) mail frame blank in
        # full-page captures, so a page with the frame is captured as the window shows it.
        whole = page.locator("iframe").count() == 0
        page.screenshot(path=str(SCREENSHOTS / f"{test}--{step}.png"), full_page=whole)

    return take


# -- helpers --------------------------------------------------------------------------


def log_in(page: Any, address: str, password: str = SAMPLE_PASSWORD) -> None:
    """Fill the login form the page is on (go to /login first if it is not)."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("E-mail").fill(address)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def message_by_subject(db: sessionmaker[Session], subject: str) -> Message:
    with db() as session:
        return session.scalars(select(Message).where(Message.subject == subject)).one()


def escalated_to(db: sessionmaker[Session], email: str) -> int:
    """How many messages wait for this attorney: what their "My escalations" should count."""
    with db() as session:
        return len(
            session.scalars(
                select(Message)
                .join(Attorney, Message.assignee_attorney_id == Attorney.id)
                .where(Attorney.email == email, Message.state == MessageState.ESCALATED)
            ).all()
        )


def pending_draft(db: sessionmaker[Session], message_id: int) -> Draft:
    with db() as session:
        return session.scalars(
            select(Draft).where(Draft.message_id == message_id, Draft.state == "pending")
        ).one()


def deliver(db: sessionmaker[Session], settings: Settings) -> None:
    """One pass of the outbox worker, as `inbox-router send --once` runs it.

    In a thread of its own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        summary = pool.submit(asyncio.run, OutboxWorker(db, settings).run_once()).result(60)
    assert summary.sent >= 1 and summary.failed == 0 and summary.held == 0, summary


def received_by(smtp: Sink, address: str) -> list[email.message.EmailMessage]:
    mails = [r for r in smtp.handler.received if address in r.rcpt_tos]
    return [parse(r) for r in mails]


def parse(received: Received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.content, policy=policy.default)  # type: ignore[return-value]


def plain_text(mail: email.message.EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[no-any-return]


def csrf_token(page: Any) -> str:
    return page.locator("body").get_attribute("data-csrf")  # type: ignore[no-any-return]


# -- 1. a VA edits, approves and sends a draft -----------------------------------------


def test_va_edits_approves_and_sends_a_draft_delivered_in_the_thread(
    page: Any,
    db: sessionmaker[Session],
    smtp: Sink,
    web_settings: Settings,
    shot: Callable[[Any, str], None],
) -> None:
    original = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Triage")
    shot(page, "triage-queue")

    page.locator("#nav-drafts").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Drafts to approve")
    shot(page, "drafts-queue")
    page.get_by_role("link", name=FRANCHISE).click()
    expect(page).to_have_url(re.compile(rf"/messages/{original.id}$"))
    expect(page.locator("#state")).to_contain_text("review")
    shot(page, "message-with-draft")

    body = page.locator("#draft-body")
    drafted = body.input_value()
    assert drafted.strip(), "the sample message should come with a draft"
    edited = (
        "Hi Sam,\n\nDana here: the signed franchise agreement goes out on Friday.\n\n" + drafted
    )
    body.fill(edited)
    page.get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("status")).to_have_text("Approved: the reply is in the outbox.")
    # Approve and next: the next message of the drafts queue.
    expect(page).not_to_have_url(re.compile(rf"/messages/{original.id}$"))
    with db() as session:
        assert session.get_one(Message, original.id).state == MessageState.SENDING
    assert not smtp.handler.received, "a web request must never send mail itself"

    deliver(db, web_settings)
    [mail] = received_by(smtp, original.from_addr)
    assert mail["In-Reply-To"] == original.message_id
    assert original.message_id in mail["References"].split()
    assert parseaddr(mail["From"])[1] == SHARED
    assert mail["Subject"].startswith("Re: ")
    text = plain_text(mail)
    assert "Dana here: the signed franchise agreement goes out on Friday." in text
    # What the VA approved, signed with their name above the firm's (issue 16).
    signed = sign_text(edited, "Dana Reyes", SAMPLE_FIRM_NAME)
    assert signed != edited
    assert text.replace("\r\n", "\n").strip() == signed.strip()

    page.goto(f"/messages/{original.id}")
    expect(page.locator("#state")).to_contain_text("answered")
    expect(page.locator(".thread .reply-out")).to_contain_text("sent")
    expect(page.locator("#draft")).to_have_count(0)
    page.locator("#nav-sent").click()
    expect(page.get_by_role("link", name=FRANCHISE)).to_be_visible()
    shot(page, "sent-queue")
    with db() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.message_id == original.id))
        assert [e.state for e in entry] == ["sent"]


# -- 2. an attorney answers an escalation under their own name --------------------------


def test_attorney_replies_to_own_escalation_from_themself_with_reply_to_shared_inbox(
    page: Any,
    db: sessionmaker[Session],
    smtp: Sink,
    web_settings: Settings,
    shot: Callable[[Any, str], None],
) -> None:
    escalation = message_by_subject(db, SETTLEMENT)
    log_in(page, ATTORNEY)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My escalations")
    expect(page.locator("#nav-mine .count")).to_have_text(str(escalated_to(db, ATTORNEY)))
    shot(page, "my-escalations")
    page.get_by_role("link", name=SETTLEMENT).click()
    expect(page.locator("#state")).to_contain_text("escalated")
    shot(page, "escalation")

    reply = (
        "Dana,\n\nDo not accept the Coastal Hull offer yet; I will call you at 3 pm.\n\nMargaret"
    )
    page.get_by_label("Your reply (sent under your name)").fill(reply)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_have_text("Your reply is in the outbox.")

    deliver(db, web_settings)
    [mail] = received_by(smtp, escalation.from_addr)
    assert getaddresses([mail["From"]]) == [("Margaret Okafor", ATTORNEY)]
    assert [a for _, a in getaddresses([mail["Reply-To"]])] == [SHARED]
    assert mail["In-Reply-To"] == escalation.message_id
    assert "Do not accept the Coastal Hull offer yet" in plain_text(mail)
    assert mail["Auto-Submitted"] is None
    page.reload()
    expect(page.locator("#state")).to_contain_text("answered")


# -- 3. relabelling routes again --------------------------------------------------------


def test_relabel_as_legal_question_escalates_and_withdraws_the_draft(
    page: Any, db: sessionmaker[Session], shot: Callable[[Any, str], None]
) -> None:
    status = message_by_subject(db, PIER_9)
    draft = pending_draft(db, status.id)
    log_in(page, VA)
    page.goto(f"/messages/{status.id}")
    expect(page.locator("#draft")).to_be_visible()

    page.locator("#relabel").select_option("legal_question")
    page.get_by_role("button", name="Relabel and route again").click()
    expect(page.get_by_role("status")).to_have_text(
        "Relabelled as legal question and routed again."
    )
    expect(page.locator("#state")).to_contain_text("escalated · with")
    # The status draft is gone; what waits for approval is the no-advice receipt.
    expect(page.locator("#draft")).not_to_contain_text("Where it stands")
    expect(page.locator(".why")).to_contain_text("legal question")
    expect(page.locator(".why .confidence")).to_contain_text("by human")
    expect(page.locator(".decision")).to_contain_text("escalate")
    shot(page, "relabelled")

    page.locator("#nav-escalations").click()
    expect(page.get_by_role("link", name=PIER_9)).to_be_visible()
    page.locator("#nav-drafts").click()
    expect(page.get_by_role("link", name=FRANCHISE)).to_be_visible()
    expect(page.get_by_role("link", name=PIER_9)).to_have_count(0)
    with db() as session:
        assert session.get_one(Draft, draft.id).state == "discarded"
        relabelled = session.get_one(Message, status.id)
        assert relabelled.label == "legal_question"
        attorney = relabelled.assignee_attorney
        assert attorney is not None
        notices = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.message_id == status.id, OutboxEntry.kind == "notice"
            )
        ).all()
        assert [n.to_addrs for n in notices] == [[attorney.email]]
        pending = session.scalars(
            select(Draft.template).where(Draft.message_id == status.id, Draft.state == "pending")
        ).all()
        # a legal question never gets a templated answer: only the no-advice receipt waits
        assert pending == ["client/legal_ack"]
    page.goto(f"/messages/{status.id}")
    expect(page.locator("#state")).to_contain_text(f"escalated · with {attorney.name}")


# -- 4. hostile mail ----------------------------------------------------------------------

HOSTILE = """\
From: "<img src=x onerror=alert(1)> Mallory" <mallory@evil.example>
To: clients@harborvale.law
Subject: <script>window.top.pwned='subject'</script> Invoice question
Message-ID: <hostile-1@evil.example>
Date: Mon, 02 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Plain version <script>window.top.pwned='text'</script> <img src=x onerror="alert(2)">
--b
Content-Type: text/html; charset=utf-8

<html><head>
<script>window.top.pwned='head'; document.title='pwned'; fetch('{canary}/fetch'); alert('head');</script>
<link rel="stylesheet" href="{canary}/style.css">
<style>@import url({canary}/import.css); body {{ background: url({canary}/body-bg.png) }}
.x {{ width: expression(alert('css')); }}</style>
<meta http-equiv="refresh" content="0;url=javascript:window.top.pwned='meta'">
</head><body onload="window.top.pwned='onload'">
<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:2147483647;background:red">
Your session expired: log in again here</div>
<p>Hello, please see the <a href="javascript:window.top.pwned='link'">invoice</a>.</p>
<img src="{canary}/pixel.png" alt="tracking pixel">
<img src="x" onerror="window.top.pwned='onerror'; fetch('{canary}/onerror')">
<img srcset="{canary}/srcset.png 1x" alt="srcset">
<div style="background-image: url(javascript:window.top.pwned='css-url')">css url</div>
<div style="background-image: url({canary}/inline-bg.png); width: expression(alert(3))">bg</div>
<iframe src="{canary}/frame.html"></iframe>
<iframe srcdoc="&lt;script&gt;window.top.pwned='srcdoc'&lt;/script&gt;"></iframe>
<form action="{canary}/form" method="post"><input name="q" value="x"><button>Pay now</button></form>
<svg onload="window.top.pwned='svg'"><image href="{canary}/svg.png"/></svg>
<object data="{canary}/object.swf"></object><embed src="{canary}/embed.swf">
<video poster="{canary}/poster.png"></video>
<p>End of the hostile mail.</p>
</body></html>
--b--
"""


@pytest.fixture
def canary() -> Iterator[Canary]:
    with canary_server() as server:
        yield server


def test_hostile_mail_runs_no_script_and_loads_nothing_remote(
    pages: Pages,
    page: Any,
    db: sessionmaker[Session],
    web_settings: Settings,
    canary: Canary,
    tmp_path: Path,
    shot: Callable[[Any, str], None],
) -> None:
    eml = tmp_path / "hostile.eml"
    eml.write_text(HOSTILE.format(canary=canary.url))
    summary = ingest_paths(db, web_settings, [eml])
    assert summary.line().startswith("stored 1,"), summary.line()
    with db() as session:
        hostile = session.scalars(
            select(Message).where(Message.message_id == "<hostile-1@evil.example>")
        ).one()
    pages.console_errors_expected = True  # the frame's policy reports what it blocked
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    blocked: list[str] = []
    page.on("requestfailed", lambda request: blocked.append(f"{request.url} {request.failure}"))

    log_in(page, VA)
    page.goto(f"/messages/{hostile.id}")
    mail = page.frame_locator("iframe.mail-html")
    expect(mail.get_by_text("End of the hostile mail.")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "hostile-html")
    # The subject and sender are shown as text, not markup.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "<script>window.top.pwned='subject'</script> Invoice question"
    )
    expect(page.locator(".headers")).to_contain_text("<img src=x onerror=alert(1)> Mallory")
    # The fixed overlay stays inside the frame: the app's own header is not covered.
    covered = page.evaluate(
        """() => { const b = document.querySelector('header.top .brand').getBoundingClientRect();
                   const hit = document.elementFromPoint(b.x + 5, b.y + 5);
                   return hit ? hit.className : null; }"""
    )
    assert covered == "brand"

    page.goto(f"/messages/{hostile.id}?view=text")
    expect(page.locator("pre.mail-text")).to_contain_text(
        "<script>window.top.pwned='text'</script>"
    )
    page.wait_for_load_state("networkidle")
    shot(page, "hostile-text")

    assert page.evaluate("window.pwned") is None
    assert page.evaluate("window.top.pwned") is None
    assert (
        page.title()
        == "<script>window.top.pwned='subject'</script> Invoice question · inbox-router"
    )
    assert dialogs == []
    assert canary.requests == [], "the mail reached out to a remote server"
    # The remote image's address never reaches the browser (the frame's policy would
    # stop it too): no request, and nothing left for the policy to block.
    assert not [b for b in blocked if canary.url in b]

    served = page.request.get(f"/messages/{hostile.id}/body")
    policy_header = served.headers["content-security-policy"]
    assert "script-src 'none'" in policy_header and "sandbox" in policy_header
    html = served.text().lower()
    assert f'src="{canary.url.lower()}' not in html
    assert "remote images not loaded" in html
    for dangerous in ("<script", "onerror", "onload", "javascript:", "<iframe", "<form", "<style"):
        assert dangerous not in html, dangerous


# -- 5. CSRF --------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_and_changes_nothing(
    page: Any, db: sessionmaker[Session]
) -> None:
    message = message_by_subject(db, FRANCHISE)
    log_in(page, VA)
    page.goto(f"/messages/{message.id}")

    refused = page.request.post(f"/messages/{message.id}/done", form={})
    assert refused.status == 400
    assert "Form refused" in refused.text()
    forged = page.request.post(f"/messages/{message.id}/done", form={"csrf_token": "forged"})
    assert forged.status == 400
    beat = page.request.post(f"/messages/{message.id}/presence", data={"mode": "editing"})
    assert beat.status == 400
    with db() as session:
        assert session.get_one(Message, message.id).state == "review"

    # The same request with the page's token goes through: the token was the difference.
    accepted = page.request.post(
        f"/messages/{message.id}/done", form={"csrf_token": csrf_token(page)}
    )
    assert accepted.status == 200
    with db() as session:
        assert session.get_one(Message, message.id).state == "done"


# -- 6. login required, and back to the page asked for -----------------------------------


def test_anonymous_users_are_sent_to_login_and_land_on_the_page_they_asked_for(
    pages: Pages, db: sessionmaker[Session], shot: Callable[[Any, str], None]
) -> None:
    message = message_by_subject(db, FRANCHISE)
    page = pages.new()
    guarded = [
        "/queue/triage",
        "/queue/drafts",
        "/queue/mine",
        "/queue/escalations",
        "/queue/sent",
        "/queue/quarantined",
        "/queue/all",
        "/queue/drafts?label=billing_query",
        f"/messages/{message.id}",
        f"/messages/{message.id}/body",
        "/metrics",
        "/admin/",
    ]
    for path in guarded:
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.get_by_label("E-mail")).to_be_visible()
        assert page.evaluate("new URL(location.href).searchParams.get('next')") == path
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    shot(page, "login")

    page.goto(f"/messages/{message.id}")
    log_in(page, VA)
    expect(page).to_have_url(re.compile(rf"/messages/{message.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(FRANCHISE)

    filtered = pages.new()
    filtered.goto("/queue/drafts?label=billing_query")
    log_in(filtered, VA2)
    expect(filtered).to_have_url(re.compile(r"/queue/drafts\?label=billing_query$"))
    expect(filtered.locator("select[name=label]")).to_have_value("billing_query")

    admin = pages.new()
    admin.goto("/admin/")
    log_in(admin, ADMIN)
    expect(admin).to_have_url(re.compile(r"/admin/$"))

    # An address of another site is not followed after login (no open redirect).
    elsewhere = pages.new()
    elsewhere.goto("/login?next=//evil.example/phish")
    log_in(elsewhere, VA)
    assert elsewhere.url.startswith(pages.live.url + "/")


def test_login_without_next_lands_each_role_on_its_own_queue(pages: Pages) -> None:
    for address, heading in ((VA, "Triage"), (ATTORNEY, "My escalations")):
        page = pages.new()
        log_in(page, address)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


# -- 7. roles --------------------------------------------------------------------------------


def test_va_cannot_open_admin_pages_and_sees_no_admin_link(
    pages: Pages, shot: Callable[[Any, str], None]
) -> None:
    pages.allow("status of 403")
    page = pages.new()
    log_in(page, VA)
    expect(page.locator("#nav-metrics")).to_be_visible()
    expect(page.locator("#nav-admin")).to_have_count(0)
    response = page.goto("/admin/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("403")
    shot(page, "va-admin-403")

    admin = pages.new()
    log_in(admin, ADMIN)
    admin.locator("#nav-admin").click()
    expect(admin).to_have_url(re.compile(r"/admin/$"))


def test_attorney_sees_no_approve_button_and_cannot_approve(
    page: Any, db: sessionmaker[Session], smtp: Sink
) -> None:
    message = message_by_subject(db, FRANCHISE)
    draft = pending_draft(db, message.id)
    log_in(page, ATTORNEY)
    page.goto(f"/messages/{message.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(FRANCHISE)
    expect(page.get_by_role("button", name="Approve and send")).to_have_count(0)
    expect(page.locator("#draft-form")).to_have_count(0)
    page.goto("/queue/drafts")
    expect(page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)

    page.goto(f"/messages/{message.id}")
    forced = page.request.post(
        f"/messages/{message.id}/drafts/{draft.id}",
        form={
            "csrf_token": csrf_token(page),
            "intent": "approve",
            "version": str(draft.version),
            "subject": draft.subject,
            "body": "An attorney approving a VA's template reply.",
        },
    )
    assert forced.status == 403
    with db() as session:
        assert session.get_one(Draft, draft.id).state == "pending"
        assert (
            session.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).all() == []
        )


# -- 8. two people save one draft ------------------------------------------------------------


def test_second_save_of_a_draft_is_refused_and_keeps_the_second_text_on_the_page(
    pages: Pages, db: sessionmaker[Session], shot: Callable[[Any, str], None]
) -> None:
    pages.allow("status of 409")
    message = message_by_subject(db, ELM_STREET)
    draft = pending_draft(db, message.id)
    first, second = pages.new(), pages.new()
    log_in(first, VA)
    log_in(second, VA2)
    for page in (first, second):
        page.goto(f"/messages/{message.id}")
        expect(page.locator("#draft-body")).to_be_visible()

    dana = "Hi Lisa,\n\nThe landlord signed the consent today.\n\nDana"
    first.locator("#draft-body").fill(dana)
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.get_by_role("status")).to_have_text("Draft saved.")

    sam = "Hi Lisa,\n\nWe are still waiting for the landlord.\n\nSam"
    second.locator("#draft-body").fill(sam)
    with second.expect_response(re.compile(rf"/drafts/{draft.id}$")) as answer:
        second.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 409
    expect(second.get_by_role("alert")).to_contain_text(
        "Someone else saved this draft after you opened it. Your changes were not saved"
    )
    # Sam's text stays on the page to copy; the form now holds what Dana saved, so one
    # more click cannot overwrite her edit without Sam having seen it.
    expect(second.locator("#unsaved-text")).to_have_text(sam)
    expect(second.locator("#draft-body")).to_have_value(dana + "\n")
    shot(second, "stale-save-refused")
    with db() as session:
        saved = session.get_one(Draft, draft.id)
        assert saved.body_text.strip() == dana
        assert saved.state == "pending"

    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.get_by_role("status")).to_have_text("Draft saved.")
    with db() as session:
        assert session.get_one(Draft, draft.id).body_text.strip() == dana


def test_a_refused_save_keeps_the_text_in_the_form_to_correct(
    pages: Pages, page: Any, db: sessionmaker[Session]
) -> None:
    pages.allow("status of 422")
    message = message_by_subject(db, ELM_STREET)
    draft = pending_draft(db, message.id)
    log_in(page, VA)
    page.goto(f"/messages/{message.id}")
    page.get_by_label("Subject").fill("")
    page.locator("#draft-body").fill("Hi Lisa,\n\nThe consent is signed.")
    page.locator("#draft-form").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be empty")
    expect(page.locator("#draft-body")).to_have_value("Hi Lisa,\n\nThe consent is signed.")
    expect(page.locator("#unsaved")).to_have_count(0)
    with db() as session:
        assert session.get_one(Draft, draft.id).body_text == draft.body_text


# -- 9. presence -------------------------------------------------------------------------------


def test_presence_shows_who_else_is_viewing_and_editing(
    pages: Pages, db: sessionmaker[Session], shot: Callable[[Any, str], None]
) -> None:
    message = message_by_subject(db, PARENTING)
    dana, sam = pages.new(), pages.new()
    log_in(dana, VA)
    log_in(sam, VA2)
    dana.goto(f"/messages/{message.id}")
    expect(dana.locator("#draft-body")).to_be_visible()
    sam.goto(f"/messages/{message.id}")
    expect(sam.locator("#presence")).to_contain_text("Dana Reyes is viewing this")

    expect(dana.locator("#presence")).to_contain_text("Sam Ortiz is viewing this", timeout=12_000)
    sam.locator("#draft-body").press_sequentially("Sam typing")
    expect(dana.locator("#presence")).to_contain_text("Sam Ortiz is editing this", timeout=12_000)
    shot(dana, "presence")


# -- 10. keyboard ------------------------------------------------------------------------------


def test_keyboard_moves_through_the_queue_opens_messages_and_shows_help(
    page: Any, shot: Callable[[Any, str], None]
) -> None:
    log_in(page, VA)
    page.goto("/queue/drafts")
    rows = page.locator("table.queue tbody tr")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    second = rows.nth(1).get_attribute("data-href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(second) + "$"))

    page.goto("/queue/drafts")
    page.keyboard.press("j")
    page.keyboard.press("j")
    third = rows.nth(2).get_attribute("data-href")
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(re.escape(third) + "$"))

    help_dialog = page.locator("#help")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("next / previous message in the list")
    shot(page, "help")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
