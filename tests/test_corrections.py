"""Human relabels: stored as corrections, audited, re-routed; model versions and restore."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from classifier.corpus import HELDOUT_DIR, TRAIN_DIR, corpus_files, load_examples
from classifier.registry import active_model_path, corrections, register_candidate, restore
from classifier.train import train_model
from inbox.ingest.pipeline import record_route
from inbox.ingest.runner import ingest_one
from inbox.models import AuditEvent, Classification, Draft, Message, MessageState, User
from inbox.settings import Settings
from rules.directory_import import import_directory
from rules.review import relabel
from rules.route import Router
from tests.conftest import SAMPLE_FIRM, SAMPLE_MAILBOX

pytestmark = pytest.mark.slow  # each trains a model: the slow tier


def test_relabel_is_a_correction_that_reroutes_and_is_audited(factory, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    router = Router.from_settings(settings)
    with factory() as session, session.begin():
        import_directory(session, SAMPLE_FIRM)
        session.add(User(email="dana@harborvale.law", role="va", password_hash="x"))
    raw = (SAMPLE_MAILBOX / "02-franchise-agreement-draft.eml").read_bytes()
    outcome = ingest_one(factory, raw, origin="02", stages=[record_route(router)])
    with factory() as session, session.begin():
        message = session.get_one(Message, outcome.message_pk)
        assert message.state == MessageState.REVIEW
        user = session.scalars(select(User)).one()
        decision = relabel(session, message, "legal_question", user, router)
        assert decision.action == "escalate"
        assert decision.assignee_email == "daniel.brandt@harborvale.law"
        assert message.state == MessageState.ESCALATED
    with factory() as session:
        human = session.scalars(
            select(Classification).where(Classification.source == "human")
        ).one()
        assert (human.label, human.user_id) == ("legal_question", user.id)
        drafts = session.execute(select(Draft.template, Draft.state).order_by(Draft.id)).all()
        # the status draft is withdrawn; the client's no-advice receipt waits for a VA
        # (which status template depends on the intent read in the mail)
        assert [(d.template.startswith("client/status_"), d.state) for d in drafts[:1]] == [
            (True, "discarded")
        ]
        assert [tuple(d) for d in drafts[1:]] == [("client/legal_ack", "pending")]
        event = session.scalars(select(AuditEvent)).one()
        assert (event.action, event.detail) == (
            "relabel",
            {"old": "status_request", "new": "legal_question"},
        )
        assert [e.label for e in corrections(session)] == ["legal_question"]


def test_worse_model_is_not_promoted_and_a_version_can_be_restored(
    factory, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings = settings.with_changes(models_dir=tmp_path / "models")
    small = load_examples(corpus_files(TRAIN_DIR)[::3])[::6]  # ~700 mails of 20 briefs
    bundle, _ = train_model(small, [], [], progress=lambda _: None)
    heldout = load_examples(corpus_files(HELDOUT_DIR))[::2]
    with factory() as session, session.begin():
        result = register_candidate(
            session, bundle, settings.models_dir, heldout, settings, lambda _: None
        )
        assert not result.promoted
        assert result.new.macro_f1 < result.current.macro_f1  # type: ignore[union-attr]
        assert active_model_path(session, settings) == settings.model_path
    with factory() as session, session.begin():
        restore(session, bundle.version)
    with factory() as session:
        path = active_model_path(session, settings)
        assert path.name == f"{bundle.version}.skops" and path.exists()
