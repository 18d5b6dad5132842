"""The review UI through Flask's test client, on SQLite and PostgreSQL.

Each test starts from the sample firm and mailbox ingested by the real pipeline, with
the logins of tests/conftest.py SAMPLE_USERS. Browser behaviour (scripts, keys,
presence updates) is in tests/test_browser.py; this file covers the server's side.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import make_engine, session_factory
from inbox.models import (
    AuditEvent,
    Classification,
    Draft,
    Message,
    MessageState,
    Note,
    OutboxEntry,
    User,
)
from inbox.settings import Settings
from tests.web_client import csrf_token, login, post_form

VA, VA2, ATTORNEY, ADMIN = (
    "dana@harborvale.law",
    "sam.va@harborvale.law",
    "margaret.okafor@harborvale.law",
    "admin@harborvale.law",
)


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret")


def first(db: sessionmaker[Session], *where) -> Message:  # type: ignore[no-untyped-def]
    with db() as session:
        found = session.scalars(select(Message).where(*where).order_by(Message.id)).first()
        assert found is not None, f"no sample message where {where}"
        return found


def pending_draft(db: sessionmaker[Session], message_id: int) -> Draft:
    with db() as session:
        return session.scalars(
            select(Draft).where(Draft.message_id == message_id, Draft.state == "pending")
        ).one()


# -- login, roles, CSRF -------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/queue/triage", "/queue/all", "/messages/1", "/metrics", "/admin/"]
)
def test_anonymous_visitors_are_sent_to_login(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login?next=/queue/escalations")
    token = csrf_token(page.text)
    form = {"email": VA, "password": "sample-password-1", "csrf_token": token}
    response = client.post("/login?next=/queue/escalations", data=form)
    assert response.headers["Location"] == "/queue/escalations"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/queue/all").text)})
    page = client.get("/login")
    form["csrf_token"] = csrf_token(page.text)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post("/login", query_string={"next": target}, data=form)
        assert response.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/queue/all").text)})
        form["csrf_token"] = csrf_token(client.get("/login").text)


def test_wrong_passwords_are_audited_and_limited(app: Flask, db: sessionmaker[Session]) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    for _ in range(5):
        bad = client.post("/login", data={"email": VA, "password": "wrong", "csrf_token": token})
        assert bad.status_code == 401
    right = {"email": VA, "password": "sample-password-1", "csrf_token": token}
    limited = client.post("/login", data=right)
    assert limited.status_code == 429
    assert "Too many failed logins" in limited.text
    with db() as session:
        failures = session.scalar(
            select(func.count()).where(AuditEvent.action == "login_failed", AuditEvent.actor == VA)
        )
    assert failures == 5
    # Another account from another address is not locked out by Dana's failures.
    login(app, VA2)


def test_post_without_csrf_token_is_refused_and_changes_nothing(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.TRIAGE)
    client = login(app, VA)
    response = client.post(f"/messages/{message.id}/done", data={})
    assert response.status_code == 400
    assert "security token" in response.text
    with db() as session:
        assert session.get_one(Message, message.id).state == MessageState.TRIAGE
    # The login form needs its token too.
    anonymous = app.test_client()
    assert anonymous.post("/login", data={"email": VA, "password": "x"}).status_code == 400


def test_a_va_cannot_open_admin_pages_nor_attorney_actions(
    app: Flask, db: sessionmaker[Session]
) -> None:
    client = login(app, VA)
    assert client.get("/admin/").status_code == 403
    assert 'id="nav-admin"' not in client.get("/queue/triage").text
    escalated = first(db, Message.state == MessageState.ESCALATED)
    url = f"/messages/{escalated.id}"
    assert post_form(client, url, f"{url}/reply", body="Legal advice").status_code == 403
    assert post_form(client, url, f"{url}/handback").status_code == 403


def test_an_attorney_sees_no_approve_button_and_cannot_approve(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.REVIEW)
    draft = pending_draft(db, message.id)
    client = login(app, ATTORNEY)
    page = client.get(f"/messages/{message.id}")
    assert page.status_code == 200
    assert "Approve and send" not in page.text
    response = post_form(
        client,
        f"/messages/{message.id}",
        f"/messages/{message.id}/drafts/{draft.id}",
        intent="approve",
        version=str(draft.version),
        subject=draft.subject,
        body=draft.body_text,
    )
    assert response.status_code == 403
    assert pending_draft(db, message.id).state == "pending"


# -- queues -----------------------------------------------------------------------


def test_queues_hold_their_states_with_counts_in_the_navigation(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        by_state = dict(
            session.execute(select(Message.state, func.count()).group_by(Message.state)).all()
        )
    client = login(app, VA)
    page = client.get("/queue/drafts").text
    assert f"{by_state[MessageState.REVIEW]} messages" in page
    assert f'Drafts to approve <span class="count">{by_state[MessageState.REVIEW]}</span>' in page
    assert page.count('<tr data-href="/messages/') == by_state[MessageState.REVIEW]
    escalations = client.get("/queue/escalations").text
    assert escalations.count('<tr data-href="') == by_state[MessageState.ESCALATED]
    assert client.get("/queue/nonsense").status_code == 404


def test_queue_filters_and_search(app: Flask, db: sessionmaker[Session]) -> None:
    with db() as session:
        legal = session.scalar(select(func.count()).where(Message.label == "legal_question"))
        target = session.scalars(select(Message).where(Message.label == "billing_query")).first()
        assert target is not None
    client = login(app, VA)
    page = client.get("/queue/all?label=legal_question").text
    assert page.count('<tr data-href="') == legal
    word = target.subject.split()[-1]
    found = client.get(f"/queue/all?q={word}").text
    assert f'data-href="/messages/{target.id}"' in found
    assert client.get("/queue/all?q=zzqx-no-such-words").text.count('<tr data-href="') == 0
    # The start of a word, in any case, and words of the body are found too.
    inside = client.get("/queue/all?q=FRANCHIS").text
    with db() as session:
        franchise = session.scalars(
            select(Message.id).where(Message.subject.ilike("%franchis%"))
        ).all()
        body_only = session.scalars(
            select(Message).where(Message.text_body.ilike("%Gig Harbor%"))
        ).one()
    assert franchise and all(f'data-href="/messages/{i}"' in inside for i in franchise)
    assert f'data-href="/messages/{body_only.id}"' in client.get("/queue/all?q=gig harbor").text
    # Two letters are the start of words too.
    assert client.get("/queue/all?q=HV").text.count('<tr data-href="') > 0
    # Unusable filter values are ignored, not an error page.
    assert client.get("/queue/all?label=bogus&page=-3&client=x").status_code == 200


def test_my_escalations_are_the_attorneys_own(app: Flask, db: sessionmaker[Session]) -> None:
    with db() as session:
        user = session.scalars(select(User).where(User.email == ATTORNEY)).one()
        own = session.scalar(
            select(func.count()).where(
                Message.state == MessageState.ESCALATED,
                Message.assignee_attorney_id == user.attorney_id,
            )
        )
        total = session.scalar(select(func.count()).where(Message.state == MessageState.ESCALATED))
    assert 0 < own < total
    client = login(app, ATTORNEY)
    assert client.get("/").headers["Location"] == "/queue/mine"
    assert client.get("/queue/mine").text.count('<tr data-href="') == own


# -- the message page ----------------------------------------------------------------


def test_message_page_shows_label_reasons_routing_and_matter(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.REVIEW, Message.matter_id.is_not(None))
    client = login(app, VA)
    page = client.get(f"/messages/{message.id}").text
    assert "Words that drove it" in page
    assert "Routing" in page and "<code>" in page  # the rules that fired
    with db() as session:
        matter = session.get_one(Message, message.id).matter
        assert matter is not None
        assert matter.matter_number in page
    assert 'sandbox=""' in page or "mail-text" in page


def test_the_intent_under_the_label_is_stored_and_shown(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.label == "billing_query", Message.intent.is_not(None))
    assert message.intent is not None and message.intent.startswith("billing.")
    page = login(app, VA).get(f"/messages/{message.id}").text
    assert f'id="intent">{message.intent}<' in page


def test_mail_html_is_served_with_a_policy_that_blocks_scripts_and_remote_images(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.html_body.is_not(None))
    client = login(app, VA)
    response = client.get(f"/messages/{message.id}/body")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "img-src data:" in policy and "sandbox" in policy
    assert "<script" not in response.text.lower()


def test_viewing_a_legal_question_is_audited(app: Flask, db: sessionmaker[Session]) -> None:
    message = first(db, Message.label == "legal_question")
    login(app, VA).get(f"/messages/{message.id}")
    with db() as session:
        views = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "view", AuditEvent.message_id == message.id
            )
        ).all()
    assert [v.actor for v in views] == [VA]


# -- actions -------------------------------------------------------------------------


def test_edit_then_approve_queues_the_edited_reply(app: Flask, db: sessionmaker[Session]) -> None:
    message = first(db, Message.state == MessageState.REVIEW)
    draft = pending_draft(db, message.id)
    client = login(app, VA)
    url = f"/messages/{message.id}"
    edited = draft.body_text.replace("\n", "\nThank you for your patience.\n", 1)
    response = post_form(
        client,
        url,
        f"{url}/drafts/{draft.id}",
        intent="approve",
        version=str(draft.version),
        subject=draft.subject,
        body=edited,
    )
    assert response.status_code == 302, response.text
    with db() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).one()
        assert "Thank you for your patience." in entry.body_text
        assert entry.to_addrs == [message.from_addr]
        assert session.get_one(Message, message.id).state == MessageState.SENDING
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.message_id == message.id)
        ).all()
    assert "edit_draft" in actions and "approve_send" in actions


def approve_first_review_draft(
    client: FlaskClient, db: sessionmaker[Session]
) -> tuple[Message, OutboxEntry, str]:
    """A VA approves the first review draft as written; returns the message, its outbox
    entry and the page the approval leads to."""
    message = first(db, Message.state == MessageState.REVIEW)
    draft = pending_draft(db, message.id)
    url = f"/messages/{message.id}"
    response = post_form(
        client,
        url,
        f"{url}/drafts/{draft.id}",
        intent="approve",
        version=str(draft.version),
        subject=draft.subject,
        body=draft.body_text,
    )
    assert response.status_code == 302, response.text
    with db() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).one()
    return message, entry, client.get(response.headers["Location"]).text


def test_the_approving_va_signs_above_the_firm(app: Flask, db: sessionmaker[Session]) -> None:
    message = first(db, Message.state == MessageState.REVIEW)
    assert "Dana Reyes" not in pending_draft(db, message.id).body_text
    client = login(app, VA)
    assert 'id="signed-as">signed "Dana Reyes"' in client.get(f"/messages/{message.id}").text
    _, entry, _ = approve_first_review_draft(client, db)
    assert entry.body_text.endswith("Dana Reyes\nHarbor & Vale LLP\n")
    assert "Dana Reyes<br>" in (entry.body_html or "")


def test_a_draft_that_attaches_an_invoice_says_so_and_its_reply_carries_it(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.subject.contains("Copy of invoice HV-INV-1042"))
    draft = pending_draft(db, message.id)
    assert draft.attachments == ["invoices/HV-INV-1042.pdf"]
    client = login(app, VA)
    url = f"/messages/{message.id}"
    assert "<code>invoices/HV-INV-1042.pdf</code>" in client.get(url).text
    response = post_form(
        client,
        url,
        f"{url}/drafts/{draft.id}",
        intent="approve",
        version=str(draft.version),
        subject=draft.subject,
        body=draft.body_text,
    )
    assert response.status_code == 302, response.text
    with db() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).one()
        assert entry.attachments == ["invoices/HV-INV-1042.pdf"]


def test_a_stale_draft_edit_is_refused_and_the_first_edit_is_kept(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.REVIEW)
    draft = pending_draft(db, message.id)
    url = f"/messages/{message.id}"
    dana, vic = login(app, VA), login(app, VA2)
    dana_token = csrf_token(dana.get(url).text)
    vic_token = csrf_token(vic.get(url).text)
    common = {"intent": "save", "version": str(draft.version), "subject": draft.subject}
    first_save = dana.post(
        f"{url}/drafts/{draft.id}", data={**common, "body": "Dana's text", "csrf_token": dana_token}
    )
    assert first_save.status_code == 302
    second = vic.post(
        f"{url}/drafts/{draft.id}", data={**common, "body": "Vic's text", "csrf_token": vic_token}
    )
    assert second.status_code == 409
    assert "Your changes were not saved" in second.text
    assert "Vic&#39;s text" in second.text  # kept on the page to copy
    with db() as session:
        assert session.get_one(Draft, draft.id).body_text == "Dana's text\n"


def test_relabel_as_legal_withdraws_the_draft_and_escalates(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.REVIEW, Message.matter_id.is_not(None))
    client = login(app, VA)
    url = f"/messages/{message.id}"
    response = post_form(client, url, f"{url}/relabel", label="legal_question")
    assert response.status_code == 302
    with db() as session:
        stored = session.get_one(Message, message.id)
        assert stored.state == MessageState.ESCALATED
        assert stored.label == "legal_question"
        pending = session.scalars(
            select(Draft.template).where(Draft.message_id == message.id, Draft.state == "pending")
        ).all()
        assert pending == ["client/legal_ack"]  # the status draft went; only the receipt waits
        human = session.scalars(
            select(Classification).where(
                Classification.message_id == message.id, Classification.source == "human"
            )
        ).one()
        assert human.user_id is not None


def test_attorney_replies_under_their_name_and_hands_back(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        user = session.scalars(select(User).where(User.email == ATTORNEY)).one()
        attorney_id = user.attorney_id
    mine = first(
        db, Message.state == MessageState.ESCALATED, Message.assignee_attorney_id == attorney_id
    )
    client = login(app, ATTORNEY)
    url = f"/messages/{mine.id}"
    assert "Reply to the client" in client.get(url).text
    assert post_form(client, url, f"{url}/reply", body="Yes, you may.").status_code == 302
    with db() as session:
        entry = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.message_id == mine.id, OutboxEntry.kind == "reply"
            )
        ).one()
        assert "margaret.okafor@harborvale.law" in entry.from_addr
        assert entry.reply_to and "clients@harborvale.law" in entry.reply_to
    other = first(
        db,
        Message.state == MessageState.ESCALATED,
        Message.assignee_attorney_id == attorney_id,
        Message.id != mine.id,
    )
    url = f"/messages/{other.id}"
    assert post_form(client, url, f"{url}/handback", note="Not legal: billing").status_code == 302
    with db() as session:
        assert session.get_one(Message, other.id).state == MessageState.TRIAGE
        notes = session.scalars(select(Note.body).where(Note.message_id == other.id)).all()
    assert notes == ["Not legal: billing"]


def test_escalate_reassign_note_and_done_are_applied_and_audited(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.TRIAGE)
    client = login(app, VA)
    url = f"/messages/{message.id}"
    with db() as session:
        vic = session.scalars(select(User).where(User.email == VA2)).one()
        from inbox.models import Attorney

        attorney = session.scalars(select(Attorney).order_by(Attorney.id)).first()
        assert attorney is not None
    assert post_form(client, url, f"{url}/reassign", assignee=f"u:{vic.id}").status_code == 302
    assert post_form(client, url, f"{url}/notes", body="Called the client").status_code == 302
    response = post_form(client, url, f"{url}/escalate", attorney=str(attorney.id), note="pls")
    assert response.status_code == 302
    with db() as session:
        stored = session.get_one(Message, message.id)
        assert stored.state == MessageState.ESCALATED
        assert stored.assignee_attorney_id == attorney.id
        notice = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.message_id == message.id, OutboxEntry.kind == "notice"
            )
        ).one()
        assert notice.to_addrs == [attorney.email] and notice.auto_submitted
        assert f"/messages/{message.id}" in notice.body_text
    assert post_form(client, url, f"{url}/done").status_code == 302
    with db() as session:
        assert session.get_one(Message, message.id).state == MessageState.DONE
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.message_id == message.id)
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a in actions if a != "view"] == ["reassign", "note", "escalate", "mark_done"]


def test_empty_note_is_refused_with_its_reason(app: Flask, db: sessionmaker[Session]) -> None:
    message = first(db, Message.state == MessageState.TRIAGE)
    client = login(app, VA)
    url = f"/messages/{message.id}"
    response = post_form(client, url, f"{url}/notes", body="   ")
    assert response.status_code == 302
    assert "the note is empty" in client.get(url).text


def test_presence_shows_who_else_is_on_the_message(app: Flask, db: sessionmaker[Session]) -> None:
    message = first(db, Message.state == MessageState.REVIEW)
    url = f"/messages/{message.id}"
    dana, vic = login(app, VA), login(app, VA2)
    token = csrf_token(dana.get(url).text)
    beat = dana.post(f"{url}/presence", json={"mode": "editing"}, headers={"X-CSRFToken": token})
    assert beat.status_code == 200
    assert "Dana Reyes is editing this" in vic.get(url).text
    vic_token = csrf_token(vic.get(url).text)
    seen = vic.post(f"{url}/presence", json={"mode": "viewing"}, headers={"X-CSRFToken": vic_token})
    assert seen.json["others"] == [{"name": "Dana Reyes", "mode": "editing"}]
    assert dana.post(f"{url}/presence", json={"mode": "viewing"}).status_code == 400  # no token


def test_attachments_download_only_when_logged_in_and_never_render(
    app: Flask, db: sessionmaker[Session]
) -> None:
    from inbox.models import Attachment

    with db() as session:
        attachment = session.scalars(select(Attachment)).first()
    if attachment is None:
        pytest.skip("the sample mailbox has no attachment")
    url = f"/attachments/{attachment.id}"
    assert app.test_client().get(url).status_code == 302
    response = login(app, VA).get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_search_index_follows_updates(app: Flask, db: sessionmaker[Session]) -> None:
    message = first(db, Message.state == MessageState.TRIAGE)
    client = login(app, VA)
    with db() as session, session.begin():
        session.get_one(Message, message.id).subject = "Zebracorn quarterly filing"
    assert f'data-href="/messages/{message.id}"' in client.get("/queue/all?q=zebracor").text
    # A word new to the index is known to the typo fallback at once (PostgreSQL keeps
    # its own list of words, search_words).
    assert f'data-href="/messages/{message.id}"' in client.get("/queue/all?q=zebrakorn").text
    with db() as session, session.begin():
        session.get_one(Message, message.id).subject = "Plain subject"
    assert client.get("/queue/all?q=zebracor").text.count('<tr data-href="') == 0


def test_a_search_matching_very_many_messages_counts_up_to_a_cap(
    app: Flask, db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from web import queries

    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 5)
    page = login(app, VA).get("/queue/all?q=the").text
    assert "more than 5 messages" in page


def found_ids(client, query: str) -> list[int]:  # type: ignore[no-untyped-def]
    page = client.get("/queue/all", query_string={"q": query}).text
    return [int(i) for i in re.findall(r'<tr data-href="/messages/(\d+)"', page)]


def test_search_finds_stems_and_starts_of_words_never_the_middle_of_one(
    app: Flask, db: sessionmaker[Session]
) -> None:
    client = login(app, VA)
    lien = first(db, Message.subject.ilike("%lien%"))
    assert lien.id in found_ids(client, "liens")  # the plural finds the singular
    assert lien.id in found_ids(client, "lien")
    with db() as session:
        clients_only = session.scalars(
            select(Message.id).where(
                or_(Message.subject.ilike("%client%"), Message.text_body.ilike("%client%")),
                ~Message.text_body.ilike("%lien %"),
                ~Message.text_body.ilike("%liens%"),
                ~Message.subject.ilike("%lien%"),
            )
        ).all()
    assert clients_only  # "client" holds "lien": a substring search found these
    assert not set(clients_only) & set(found_ids(client, "lien"))
    mediation = found_ids(client, "mediation")
    assert mediation and found_ids(client, "medi") == mediation  # a prefix


def test_a_typo_finds_the_word_meant_and_says_so(app: Flask, db: sessionmaker[Session]) -> None:
    client = login(app, VA)
    page = client.get("/queue/all?q=mediaton").text
    assert "No message holds “mediaton”" in page
    assert sorted(found_ids(client, "mediaton")) == sorted(found_ids(client, "mediation"))
    assert found_ids(client, "zzqxwv") == []
    # Beside a word that is found, on either database (PostgreSQL's planner expects a
    # row or more of any word: the typo was taken for found, and nothing was).
    beside = found_ids(client, "mediation the")
    assert beside and sorted(found_ids(client, "mediaton the")) == sorted(beside)
    assert "No message holds “mediaton”" in client.get("/queue/all?q=mediaton+the").text


def test_a_quoted_phrase_needs_its_words_in_a_row(app: Flask, db: sessionmaker[Session]) -> None:
    client = login(app, VA)
    body_only = first(db, Message.text_body.ilike("%Gig Harbor%"))
    assert body_only.id in found_ids(client, '"gig harbor"')
    assert body_only.id not in found_ids(client, '"harbor gig"')
    assert body_only.id in found_ids(client, "harbor gig")  # bare words: in any order


def test_search_operators_narrow_by_sender_client_matter_and_label(
    app: Flask, db: sessionmaker[Session]
) -> None:
    from inbox.models import Client, Matter

    client = login(app, VA)
    with db() as session:
        message = session.scalars(
            select(Message)
            .where(Message.matter_id.is_not(None), Message.label.is_not(None))
            .order_by(Message.id)
        ).first()
        assert message is not None
        matter = session.get_one(Matter, message.matter_id)
        owner = session.get_one(Client, message.client_id)
        everyone = session.scalars(select(Message.id)).all()
        by_label = session.scalars(select(Message.id).where(Message.label == message.label)).all()
    sender = message.from_addr.split("@")[0]
    assert message.id in found_ids(client, f"from:{sender}")
    assert set(found_ids(client, f"from:{sender}")) < set(everyone)
    first_word = owner.name.split()[0]
    assert message.id in found_ids(client, f'client:"{owner.name}"')
    assert message.id in found_ids(client, f"client:{first_word}")
    in_matter = found_ids(client, f"matter:{matter.matter_number}")
    assert message.id in in_matter and len(in_matter) < len(everyone)
    short = message.label.split("_")[0]
    assert sorted(found_ids(client, f"label:{short}")) == sorted(by_label)[:50]
    # Operators and words together: all must hold.
    assert found_ids(client, f"label:{short} zzqxwvnothing") == []
    page = client.get("/queue/all?q=label:nonsense").text
    assert "label:nonsense is not a label" in page
    assert found_ids(client, "label:nonsense") == []


def test_search_ranks_by_relevance_then_queue_order(app: Flask, db: sessionmaker[Session]) -> None:
    from web import queries

    mentioned = first(db, Message.state == MessageState.TRIAGE)
    titled = first(db, Message.state == MessageState.REVIEW)
    with db() as session, session.begin():
        session.get_one(Message, mentioned.id).text_body += "\nAlso about the quokka."
        session.get_one(Message, titled.id).subject = "Quokka habitat report"
    client = login(app, VA)
    assert found_ids(client, "quokka") == [titled.id, mentioned.id]  # the subject first
    with db() as session:  # equal relevance: the queue's order, as without a search
        for i in (mentioned.id, titled.id):
            session.get_one(Message, i).subject = "Wombat"
            session.get_one(Message, i).text_body = "wombat"
        session.commit()
        in_order = session.scalars(
            select(Message.id)
            .where(Message.id.in_((mentioned.id, titled.id)))
            .order_by(*queries.QUEUE_ORDER)
        ).all()
    assert found_ids(client, "wombat") == list(in_order)


def test_remote_images_are_taken_out_of_the_mail_before_it_reaches_the_browser(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message = first(db, Message.state == MessageState.TRIAGE)
    with db() as session, session.begin():
        session.get_one(Message, message.id).html_body = (
            '<p>Hi<img src="http://tracker.example/p.gif?id=1">'
            '<img srcset="https://tracker.example/a.png 2x"><img src="cid:logo@x">'
            '<a href="https://example.com/">site</a></p>'
        )
    body = login(app, VA).get(f"/messages/{message.id}/body").text
    assert "tracker.example" not in body
    assert "1 remote image not loaded." in body  # srcset is not kept by the sanitizer at all
    assert 'src="cid:logo@x"' in body and 'href="https://example.com/"' in body


def test_only_a_whole_queue_takes_its_size_from_the_navigation_counts() -> None:
    from werkzeug.datastructures import MultiDict

    from web.queries import Filters

    assert not Filters.from_args(MultiDict({"page": "3"})).narrowed
    for narrowing in ({"q": "deposit"}, {"label": "other"}, {"client": "2"}, {"assignee": "none"}):
        assert Filters.from_args(MultiDict(narrowing)).narrowed, narrowing


def ingest_new_mail(
    db: sessionmaker[Session], settings: Settings, tmp_path, subject: str, word: str
) -> None:  # type: ignore[no-untyped-def]
    """A new mail from Pat Quill, through the pipeline as `ingest` runs it."""
    from inbox.ingest.files import ingest_paths

    mail = tmp_path / "new.eml"
    mail.write_text(
        "From: Pat Quill <pat@example.org>\r\nTo: clients@harborvale.law\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{word}-1@example.org>\r\n"
        f"Date: Sun, 06 Dec 2026 09:00:00 +0000\r\n\r\nWho maintains the {word}?\r\n",
        newline="",
    )
    assert "stored 1" in ingest_paths(db, settings, [mail]).line()


def test_mail_ingested_is_found_by_its_words_and_their_typos_at_once(
    app: Flask, settings: Settings, db: sessionmaker[Session], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    ingest_new_mail(db, settings, tmp_path, "Easement on the Marrowbank parcel", "easements")
    stored = first(db, Message.subject.ilike("%Marrowbank%"))
    client = login(app, VA)
    assert found_ids(client, "easement marrowbank") == [stored.id]
    assert found_ids(client, "marowbank") == [stored.id]


@pytest.mark.parametrize("term", ["the", "invoice", "HV-2026", "harbor"])
def test_past_the_count_cap_subject_matches_come_first_each_part_in_queue_order(
    db: sessionmaker[Session], term: str
) -> None:
    """Scoring every match of a common word costs too much: past the cap, relevance is
    where the word is (the subject first), and the queue's order within. Page by page,
    nothing is lost nor shown twice."""
    from web import queries, search

    def page(offset: int, cap: int, limit: int = 3) -> search.Found:
        base = select(Message)
        return search.search_page(
            session, base, term, order=queries.QUEUE_ORDER, limit=limit, offset=offset, cap=cap
        )

    with db() as session:
        ranked = page(0, cap=10_000, limit=10_000).ids  # below the cap: scored
        paged: list[int] = []
        while found := page(len(paged), cap=1).ids:  # past the cap: by place
            paged += found
        subjects = dict(session.execute(select(Message.id, Message.subject)).all())
        in_order = session.scalars(
            select(Message.id).where(Message.id.in_(paged)).order_by(*queries.QUEUE_ORDER)
        ).all()
    assert ranked and sorted(paged) == sorted(ranked)  # the same messages, once each
    words = search_words_of(term)
    titled = {
        i
        for i in paged
        if all(any(s.startswith(w) for s in search_words_of(subjects[i])) for w in words)
    }
    assert paged[: len(titled)] == [i for i in in_order if i in titled]
    assert paged[len(titled) :] == [i for i in in_order if i not in titled]


def search_words_of(text: str) -> tuple[str, ...]:
    from web.search_query import words_of

    return words_of(text)


def test_a_reset_database_migrates_again_with_its_search_indexes(db_url: str) -> None:
    from inbox.db import migrate, reset_database

    engine = make_engine(Settings(db_url=db_url))
    try:
        reset_database(engine)
        migrate(engine)  # "already exists" here if the reset left the search's objects
        with session_factory(engine)() as session:
            from web.search import search_page

            found = search_page(
                session, select(Message), "anything", order=[Message.id], limit=5, offset=0, cap=5
            )
        assert found.total == 0
    finally:
        engine.dispose()


def test_ingest_adds_the_words_of_its_mail_for_the_typo_lookup_not_a_search(
    settings: Settings, db: sessionmaker[Session], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """SQLite: the words of mail stored through the pipeline are in the typo lookup's
    vocabulary once it is stored; nothing is left pending for a search to do."""
    from sqlalchemy import text

    if not settings.db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's vocabulary is kept by a trigger")
    ingest_new_mail(db, settings, tmp_path, "Servitude of Quillmoor", "servitude")
    with db() as session:
        assert session.scalar(text("SELECT count(*) FROM search_words_pending")) == 0
        known = session.scalars(text("SELECT word FROM search_words WHERE word LIKE 'quill%'"))
        assert set(known) >= {"quill", "quillmoor"}


def test_a_typo_lookup_does_a_bounded_part_of_the_words_left_pending(
    app: Flask, settings: Settings, db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: mail stored outside the pipeline (a bulk load) leaves its words pending;
    a typo search adds those of a few messages, never all (100,000 once cost a search
    over a minute), and still answers."""
    from sqlalchemy import text

    from web.search_words import CATCH_UP_IN_LOOKUP

    if not settings.db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's vocabulary is kept by a trigger")
    with db() as session, session.begin():
        session.execute(text("INSERT OR IGNORE INTO search_words_pending SELECT id FROM messages"))
        pending = session.scalar(text("SELECT count(*) FROM search_words_pending"))
    assert pending > CATCH_UP_IN_LOOKUP // 4  # the sample mailbox: ~49 messages
    monkeypatch.setattr("web.search_words.CATCH_UP_IN_LOOKUP", 10)
    client = login(app, VA)
    assert client.get("/queue/all", query_string={"q": "mediaton"}).status_code == 200
    with db() as session:
        left = session.scalar(text("SELECT count(*) FROM search_words_pending"))
    assert left == pending - 10
