"""The metrics page's figures are kept (web/metrics_data.py MetricsCache) only while
they cannot differ: any change to the mail they count, or an open message's deadline
passing, counts them again (migration 0021), on both databases."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from inbox.accounts import add_user
from inbox.models import Classification, Message, MessageState
from inbox.settings import Settings
from tests.stored_mail import add_message
from web import create_app
from web.metrics_data import MetricsCache, data_version, metrics

PASSWORD = "correct horse battery"
VA = "va@harborvale.law"
UTC = ZoneInfo("UTC")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _add(session, received: dt.datetime, label: str | None = "billing_query", **fields: Any) -> int:  # type: ignore[no-untyped-def]
    return add_message(session, received, label, **fields).id


@pytest.fixture
def client(settings: Settings, factory):  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        add_user(session, VA, "va", PASSWORD, "Dana Reyes")
    app = create_app(settings.with_changes(secret_key="test", timezone="UTC"))
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    found = TOKEN.search(form)
    assert found
    client.post("/login", data={"email": VA, "password": PASSWORD, "csrf_token": found.group(1)})
    yield client
    app.extensions["inbox_router"].engine.dispose()


def _page(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get("/metrics").get_data(as_text=True)
    total = re.search(r"<small>(\d+) messages?</small>", page)
    answered = re.search(r'id="response-overall">Overall: <strong>(\d+)</strong>', page)
    now = re.search(r'id="breaches-now">(\d+)<', page)
    agreed = re.search(r'data-value="corrected">(\d+)<', page)
    return {
        "total": total.group(1) if total else "0",
        "answered": answered.group(1) if answered else "?",
        "breaches_now": now.group(1) if now else "?",
        "corrected": agreed.group(1) if agreed else "0",
    }


def test_the_page_counts_again_when_mail_is_stored_changed_or_relabelled(client, factory) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    hour = dt.timedelta(hours=1)
    with factory() as session, session.begin():
        first = _add(session, now - 3 * hour)
    assert _page(client) == {"total": "1", "answered": "0", "breaches_now": "0", "corrected": "0"}
    with factory() as session, session.begin():  # new mail
        _add(session, now - 2 * hour, "other")
    assert _page(client)["total"] == "2"
    with factory() as session, session.begin():  # answered
        session.execute(
            update(Message)
            .where(Message.id == first)
            .values(state=MessageState.ANSWERED, first_response_at=now - hour)
        )
    assert _page(client)["answered"] == "1"
    with factory() as session, session.begin():  # a person's label
        for label, source in (("billing_query", "model"), ("status_request", "human")):
            session.add(
                Classification(message_id=first, label=label, confidence=0.9, source=source)
            )
    assert _page(client)["corrected"] == "1"
    with factory() as session, session.begin():  # an open one already past its deadline
        _add(session, now - 5 * hour, state=MessageState.TRIAGE, sla_due_at=now - hour)
    assert _page(client) == {"total": "3", "answered": "1", "breaches_now": "1", "corrected": "1"}


def test_the_version_moves_only_for_what_the_figures_count(factory) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    with factory() as session, session.begin():
        message = _add(session, now)
    with factory() as session:
        before = data_version(session)
    with factory() as session, session.begin():  # neither counted nor shown by the page
        session.execute(update(Message).where(Message.id == message).values(subject="Other"))
    with factory() as session:
        assert data_version(session) == before
    for change in (
        {"label": "other"},
        {"state": MessageState.DONE},
        {"first_response_at": now},
        {"sla_due_at": now},
        {"received_at": now - dt.timedelta(days=1)},
    ):
        with factory() as session, session.begin():
            session.execute(update(Message).where(Message.id == message).values(**change))
        with factory() as session:
            after = data_version(session)
        assert after > before, change
        before = after


def _midday() -> dt.datetime:
    """Today at noon (UTC): a few minutes later is the same day (the window's key)."""
    return dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def test_a_deadline_passing_counts_again_with_no_change_to_the_mail(factory) -> None:  # type: ignore[no-untyped-def]
    now = _midday()
    due = now + dt.timedelta(minutes=5)
    with factory() as session, session.begin():
        _add(session, now - dt.timedelta(hours=1), state=MessageState.ESCALATED, sla_due_at=due)
    cache = MetricsCache()
    made: list[int] = []

    def make(m: Any) -> int:
        made.append(m.breaches.open_now)
        return m.breaches.open_now

    with factory() as session:
        assert cache.get(session, UTC, make, now=now) == 0
        assert cache.get(session, UTC, make, now=due) == 0  # kept: nothing can differ yet
        assert made == [0]
        later = due + dt.timedelta(seconds=1)
        assert cache.get(session, UTC, make, now=later) == 1  # past it: a breach now
        assert made == [0, 1]
        assert metrics(session, later, zone=UTC).breaches.open_now == 1


def test_a_transaction_of_many_changes_moves_the_version_on(factory) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    with factory() as session:
        before = data_version(session)
    with factory() as session, session.begin():
        ids = [_add(session, now) for _ in range(3)]
        session.execute(update(Message).where(Message.id.in_(ids)).values(label="other"))
    with factory() as session:
        assert data_version(session) > before
        assert set(session.scalars(select(Message.label))) == {"other"}


def test_a_deadline_at_the_very_instant_counted_is_not_kept_past_it(factory) -> None:  # type: ignore[no-untyped-def]
    now = _midday()
    with factory() as session, session.begin():
        _add(session, now - dt.timedelta(hours=1), state=MessageState.TRIAGE, sla_due_at=now)
    cache = MetricsCache()
    with factory() as session:
        assert cache.get(session, UTC, lambda m: m.breaches.open_now, now=now) == 0
        later = now + dt.timedelta(seconds=1)
        assert cache.get(session, UTC, lambda m: m.breaches.open_now, now=later) == 1
