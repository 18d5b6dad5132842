"""Fixtures that chain: settings -> engine (migrated) -> session factory; and a browser.

Database tests run twice, on SQLite and on PostgreSQL (that run in the slow tier).
Each test gets a fresh database cloned from a migrated template, so tests never see
each other's rows.
Locally a missing PostgreSQL, Dovecot or Chromium skips with the reason; in CI
(CI=true) it fails.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inbox.db import make_engine, migrate, session_factory
from inbox.settings import Settings
from tests.servers.browser import chromium_unavailable, launch_chromium
from tests.servers.dovecot import Dovecot, dovecot_available, private_dovecot
from tests.servers.postgres import ServerUnavailable, private_postgres

ROOT = Path(__file__).resolve().parent.parent
REALMAIL = ROOT.parent / "shared" / "realmail"
SAMPLE_FIRM = ROOT / "rules" / "sample_firm"
SAMPLE_MAILBOX = ROOT / "inbox" / "sample_mailbox"
# The day the sample firm's records are true of (its next steps all lie after it).
SAMPLE_AS_OF = dt.date(2026, 11, 20)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Database tests run on both; the PostgreSQL runs are in the slow tier (a database
# cloned per test costs ~0.4 s), so `-m "not slow"` runs each on SQLite alone.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real server or file is missing; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A private Dovecot for one test (a failed login slows the next: never share one)."""
    require(dovecot_available() is None, dovecot_available() or "")
    with private_dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str | None]:
    """URL of a PostgreSQL server we may create databases on, or None with a reason."""
    named = os.environ.get("INBOX_ROUTER_TEST_PG")
    if named:
        yield named
        return
    try:
        with private_postgres() as url:
            yield url
    except ServerUnavailable as exc:
        pytest.postgres_unavailable = str(exc)  # type: ignore[attr-defined]
        yield None


@contextmanager
def pg_database(admin_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a clone of `template` if given), dropped afterwards."""
    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    clone = f' TEMPLATE "{template}"' if template else ""
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clone}'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(Settings(db_url=url))
    migrate(engine)
    engine.dispose()


def _pg_template(
    admin_url: str | None, prefix: str, load: Callable[[str], None]
) -> Iterator[str | None]:
    """A loaded database to clone per test (CREATE DATABASE ... TEMPLATE is fast)."""
    if admin_url is None:
        yield None
        return
    with pg_database(admin_url, prefix) as url:
        load(url)
        yield make_url(url).database


def _fresh_database(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Iterator[str]:
    """A copy of the `kind` template for one test: a file copy, or a PostgreSQL clone."""
    if request.param == "sqlite":
        path = tmp_path / f"{kind}.db"
        shutil.copy(request.getfixturevalue(f"{kind}_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    reason = getattr(pytest, "postgres_unavailable", "no PostgreSQL server")
    require(admin_url is not None, reason)
    template = request.getfixturevalue(f"{kind}_pg_template")
    with pg_database(admin_url, "ir_test", template) as url:
        yield url


@pytest.fixture(scope="session")
def empty_pg_template(postgres_admin_url: str | None) -> Iterator[str | None]:
    yield from _pg_template(postgres_admin_url, "ir_template", _migrate)


@pytest.fixture(scope="session")
def empty_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test, on each backend."""
    yield from _fresh_database(request, tmp_path, "empty")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url)


@pytest.fixture
def engine(settings: Settings):  # type: ignore[no-untyped-def]
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine):  # type: ignore[no-untyped-def]
    return session_factory(engine)


@pytest.fixture
def db(factory):  # type: ignore[no-untyped-def]
    """The web tests' name for the session factory over `settings`."""
    return factory


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    """The review UI over `settings` (a web test module says which, e.g. the sample's)."""
    from web import create_app

    app = create_app(settings)
    yield app
    app.extensions["inbox_router"].engine.dispose()


# -- a database holding the sample firm and mailbox (through the real pipeline) ----------
# Loading runs the model over 49 messages; it is done once per backend and copied for
# each test (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).

SAMPLE_PASSWORD = "sample-password-1"
SAMPLE_USERS = (
    ("dana@harborvale.law", "va", "Dana Reyes"),
    ("sam.va@harborvale.law", "va", "Sam Ortiz"),
    ("margaret.okafor@harborvale.law", "attorney", ""),
    ("admin@harborvale.law", "admin", "Avery Admin"),
)


def _load_sample_with_users(url: str) -> None:
    from inbox.accounts import add_user
    from inbox.sample import load_sample

    settings = Settings(db_url=url)
    _migrate(url)
    engine = make_engine(settings)
    factory = session_factory(engine)
    load_sample(settings, factory)
    with factory() as session, session.begin():
        for email, role, name in SAMPLE_USERS:
            add_user(session, email, role, SAMPLE_PASSWORD, name)
    engine.dispose()


@pytest.fixture(scope="session")
def sample_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    _load_sample_with_users(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sample_pg_template(postgres_admin_url: str | None) -> Iterator[str | None]:
    yield from _pg_template(postgres_admin_url, "ir_sample", _load_sample_with_users)


@pytest.fixture(params=BACKENDS)
def sample_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the sample firm and mailbox with SAMPLE_USERS, on each backend."""
    yield from _fresh_database(request, tmp_path, "sample")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium under Playwright, one per test module (pages get their own contexts).

    Not one for the session: Playwright's sync API keeps an asyncio loop running in
    this thread while it is open, and later tests need `asyncio.run`."""
    reason = chromium_unavailable()
    require(reason is None, reason or "")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
