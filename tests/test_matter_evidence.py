"""The matter evidence in plain words (web/matter_evidence.py, pure) and on the message
page of the sample mailbox as the real pipeline stored it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from inbox.db import make_engine, session_factory
from inbox.models import Message
from inbox.settings import Settings
from tests.web_client import login
from web import create_app
from web.matter_evidence import explain_matter


def test_a_chosen_matter_says_why_and_how_sure() -> None:
    why = explain_matter(
        {
            "client": "C1",
            "matter": "AK-2026-0009",
            "matter_source": "title",
            "matter_confidence": 0.9,
            "matter_evidence": {
                "AK-2026-0009": [
                    "addressed to its attorney",
                    "'EEOC' in the text",
                    "'eeoc' in the text",
                ],
                "AK-2026-0004": ["not about 'franchise'"],
            },
        }
    )
    assert why.headline == "Matter AK-2026-0009: addressed to its attorney, 'EEOC' in the text."
    assert why.sureness == "sure"
    assert why.others == ["Also weighed: AK-2026-0004, not about 'franchise'."]


def test_a_number_is_certain_and_a_weak_lead_is_a_guess() -> None:
    number = {"client": "C1", "matter": "X-1", "matter_source": "number", "matter_confidence": 1}
    assert explain_matter(number).headline == "Matter X-1: its number is in the mail."
    assert explain_matter(number).sureness == "certain"
    weak = {"client": "C1", "matter": "X-2", "matter_source": "only-open", "matter_confidence": 0.6}
    assert explain_matter(weak).headline == "Matter X-2: the client's only open matter."
    assert explain_matter(weak).sureness == "a guess: check it"


def test_long_evidence_shows_the_first_phrases_and_a_count() -> None:
    many = [f"'w{i}' in the text" for i in range(7)]
    why = explain_matter({"client": "C", "matter": "X", "matter_evidence": {"X": many}})
    assert why.headline.endswith("'w3' in the text and 3 more.")


def test_an_undecided_matter_lists_the_candidates_with_their_evidence() -> None:
    why = explain_matter(
        {
            "client": "C1",
            "matter": None,
            "candidates": ["A-1", "A-2"],
            "matter_evidence": {"A-2": ["'Northwind' in the text"]},
            "foreign_matter_numbers": ["Z-9"],
        }
    )
    assert why.headline == (
        "Matter not decided: it could be A-1 or A-2 ('Northwind' in the text); "
        "choose before answering."
    )
    assert why.warnings == ["Named another client's matter, not used: Z-9."]


def test_no_client_or_no_evidence_is_said_plainly() -> None:
    assert explain_matter({}).headline.startswith("No matter: the sender is not in the firm")
    assert explain_matter({"client": "C1"}).headline.startswith("No matter identified")


@pytest.fixture
def app(sample_db_url: str) -> Flask:
    app = create_app(Settings(db_url=sample_db_url, secret_key="test-secret"))
    yield app
    app.extensions["inbox_router"].engine.dispose()


def _page(app: Flask, subject_like: str) -> str:
    engine = make_engine(app.extensions["inbox_router"].settings)
    try:
        with session_factory(engine)() as session:
            found = session.scalars(select(Message.id).where(Message.subject.like(subject_like)))
            message_id = found.one()
    finally:
        engine.dispose()
    return login(app, "dana@harborvale.law").get(f"/messages/{message_id}").text


def test_the_message_page_shows_why_this_matter(app: Flask) -> None:
    eeoc = _page(app, "Terminating an installer%")
    assert 'id="matter-why"' in eeoc
    why = "addressed to its attorney, &#39;charge&#39; in the text, &#39;EEOC&#39; in the text"
    assert f"Matter HV-2026-0009: {why}" in eeoc
    northwind = _page(app, "Quick update?")
    assert "Matter not decided: it could be HV-2026-0003" in northwind
