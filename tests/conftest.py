"""Fixtures that chain: settings -> engine (migrated) -> session factory; and a browser.

Database tests run twice, on SQLite and on PostgreSQL. Each test gets a fresh
database cloned from a migrated template, so tests never see each other's rows.
Locally a missing PostgreSQL, Dovecot or Chromium skips with the reason; in CI
(CI=true) it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
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
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


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


@pytest.fixture(scope="session")
def pg_template(postgres_admin_url: str | None) -> Iterator[str | None]:
    """A migrated database to clone per test (CREATE DATABASE ... TEMPLATE is fast)."""
    if postgres_admin_url is None:
        yield None
        return
    admin = make_url(postgres_admin_url).set(drivername="postgresql+psycopg")
    name = f"ir_template_{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(Settings(db_url=admin.set(database=name).render_as_string(False)))
    migrate(engine)
    engine.dispose()
    yield name
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(Settings(db_url=f"sqlite:///{path}"))
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_admin_url: str | None,
) -> Iterator[str]:
    """A fresh, migrated database for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    reason = getattr(pytest, "postgres_unavailable", "no PostgreSQL server")
    require(postgres_admin_url is not None and template is not None, reason)
    assert postgres_admin_url is not None
    admin = make_url(postgres_admin_url).set(drivername="postgresql+psycopg")
    name = f"ir_test_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield admin.set(database=name).render_as_string(hide_password=False)
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


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


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium under Playwright, one for the session (pages get their own contexts)."""
    reason = chromium_unavailable()
    require(reason is None, reason or "")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
