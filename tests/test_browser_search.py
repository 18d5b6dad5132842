"""The queue search in Chromium: what a VA types into the box and what the queue shows.

Its own module (the fixtures are small) so the search's browser test stays apart
from the other pages' (tests/test_browser.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inbox.settings import Settings
from tests.conftest import SAMPLE_PASSWORD
from tests.servers.webapp import LiveServer, live_server
from web import create_app

pytestmark = pytest.mark.slow  # Chromium drives the real app: the slow tier

VA = "dana@harborvale.law"
LIEN = "LIEN on my house??"  # the sample mailbox's contractor lien (40)
CLIENT_ONLY = "November issue: 2027 overtime thresholds, LLC reporting, lease clauses"  # "clients", never "lien"
MEDIATION = "bill + mediation"  # 28
MEDIATION_TOO = "Mark moving to Oregon??"  # 39: "mediation" in its text


@pytest.fixture
def live(tmp_path: Path, sample_sqlite_template: Path) -> Iterator[LiveServer]:
    path = tmp_path / "web.db"
    shutil.copy(sample_sqlite_template, path)
    app = create_app(Settings(db_url=f"sqlite:///{path}", secret_key="browser-tests-only"))
    with live_server(app) as server:
        yield server
    app.extensions["inbox_router"].engine.dispose()


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], "the browser reported errors"


def search(page: Any, query: str) -> list[str]:
    """Type `query` into the queue's search box, submit, return the subjects listed."""
    box = page.get_by_label("Search", exact=True)
    box.fill(query)
    box.press("Enter")
    page.wait_for_load_state()
    return page.locator("table.queue tbody tr td.subject > a").all_inner_texts()


def test_a_va_searches_by_stem_prefix_typo_and_operator(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("E-mail").fill(VA)
    page.get_by_label("Password").fill(SAMPLE_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/queue/all")

    assert LIEN in search(page, "liens")  # a stem: the plural finds "LIEN"
    found = search(page, "lien")
    assert found == [LIEN]  # not "client" nor "clients", which hold the letters
    assert CLIENT_ONLY in search(page, "clients")

    assert {MEDIATION, MEDIATION_TOO} <= set(search(page, "medi"))  # a prefix

    assert {MEDIATION, MEDIATION_TOO} <= set(search(page, "mediaton"))  # a typo
    expect(page.locator(".search-corrected")).to_contain_text("mediaton")

    billing = search(page, "label:billing invoice")  # an operator and a word
    assert billing and LIEN not in billing
    labels = page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts()
    assert labels and all("billing" in label for label in labels)
    assert page.get_by_label("Search", exact=True).input_value() == "label:billing invoice"

    search(page, "label:nonsense")
    expect(page.get_by_role("alert")).to_contain_text("label:nonsense is not a label")
