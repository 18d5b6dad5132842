"""The matter resolver's rungs end to end: the sample mailbox ingested by the real
pipeline (parse, store, identify, classify, route, record), as conftest builds it, and
each case's stored matter, attorney and evidence read back.

Each case names one rung; the mail has no matter number and its client has two or
three open matters, so only that evidence can pick the right one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.db import make_engine, session_factory
from inbox.message_rows import newest
from inbox.models import Attorney, Matter, Message, RoutingDecision
from inbox.settings import Settings

THEO, MARGARET = "theo.lindqvist@harborvale.law", "margaret.okafor@harborvale.law"

# subject -> (rung, matter, attorney notified, evidence phrase for that matter)
CASES = {
    "Moving date": ("greeting", "HV-2026-0013", THEO, "addressed to its attorney"),
    "Penalty clause": ("Cc", "HV-2026-0014", MARGARET, "its attorney copied"),
    "Subletting part of the space": ("To", "HV-2026-0011", THEO, "its attorney copied"),
    "Copycat product": ("one word", "HV-2026-0019", MARGARET, "'trademark' in the text"),
    # The visa matter is ruled out (below); the contact's earlier mail may add its own weight.
    "Second partner in Ohio": ("negation", "HV-2026-0014", MARGARET, ""),
    "Following up": ("last matter", "HV-2026-0003", None, "the contact's last matter"),
    # Two matters of one practice area: the specific concept tells them apart ...
    "Consulta sobre mi caso": (
        "specific concept, es",
        "HV-2026-0012",
        None,
        "'residencia' in the text",
    ),
    "Aunt Ruth's bank": (
        "specific concept, en",
        "HV-2026-0025",
        None,
        "'letters testamentary' in the text",
    ),
    # ... and the area alone finds the only matter in it.
    "Arbeitserlaubnis Herr Brandl": (
        "practice area, de",
        "HV-2026-0023",
        None,
        "'arbeitserlaubnis' in the text",
    ),
}


@pytest.fixture
def session(sample_db_url: str) -> Iterator[Session]:
    engine = make_engine(Settings(db_url=sample_db_url))
    with session_factory(engine)() as opened:
        yield opened
    engine.dispose()


@pytest.mark.parametrize("subject", CASES, ids=[rung for rung, *_ in CASES.values()])
def test_each_rung_picks_the_matter_through_the_pipeline(session: Session, subject: str) -> None:
    rung, number, attorney, phrase = CASES[subject]
    message = session.scalars(select(Message).where(Message.subject == subject)).one()
    matter = session.get(Matter, message.matter_id) if message.matter_id else None
    assert matter is not None and matter.matter_number == number, rung
    decision = newest(session, RoutingDecision, message.id)
    if phrase:
        assert phrase in decision.identification["matter_evidence"][number], rung
    if attorney is not None:  # a legal question: escalated to that matter's attorney
        assert decision.action == "escalate", rung
        assert session.get_one(Attorney, message.assignee_attorney_id).email == attorney
        assert "to the responsible attorney of the matter" in decision.reason


def test_the_negated_matter_is_shown_as_ruled_out(session: Session) -> None:
    message = session.scalars(
        select(Message).where(Message.subject == "Second partner in Ohio")
    ).one()
    evidence = newest(session, RoutingDecision, message.id).identification["matter_evidence"]
    assert evidence["HV-2026-0023"] == ["not about 'visa'"]
