"""What a queue line and the message page's side panels tell, on SQLite and PostgreSQL:
the new text's start, why the message is there, a hand-back with the attorney's note,
an attachment mark, the mail's own date, the zone named; the routing panel after a
hand-back; money and overdue invoices in the matter panel."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Attachment, Invoice, Matter, Message, MessageState, User
from inbox.settings import Settings
from tests.web_client import login, post_form
from web.display import money

VA, ATTORNEY = "dana@harborvale.law", "margaret.okafor@harborvale.law"


@pytest.fixture
def settings(sample_db_url: str) -> Settings:  # type: ignore[override]
    return Settings(db_url=sample_db_url, secret_key="test-secret", timezone="America/New_York")


def row_of(page: str, message_id: int) -> str:
    """The <tr> of one message in a queue page."""
    found = re.search(rf'<tr data-href="/messages/{message_id}".*?</tr>', page, re.S)
    assert found, f"message {message_id} is not on the page"
    return html.unescape(found.group(0))


def hand_back_one(app: Flask, db: sessionmaker[Session], note: str) -> int:
    with db() as session:
        attorney_id = session.scalars(select(User.attorney_id).where(User.email == ATTORNEY)).one()
        message_id = session.scalars(
            select(Message.id)
            .where(
                Message.state == MessageState.ESCALATED,
                Message.assignee_attorney_id == attorney_id,
            )
            .order_by(Message.id)
        ).first()
    assert message_id is not None, "the sample should escalate something to Margaret"
    url = f"/messages/{message_id}"
    lawyer = login(app, ATTORNEY)
    assert post_form(lawyer, url, f"{url}/handback", note=note).status_code == 302
    return message_id


def test_a_handed_back_message_shows_the_badge_and_the_attorneys_note_in_triage(
    app: Flask, db: sessionmaker[Session]
) -> None:
    note = "Not legal: they only ask when the hearing is."
    message_id = hand_back_one(app, db, note)
    row = row_of(login(app, VA).get("/queue/triage").text, message_id)
    assert "handed back" in row and note in row
    assert "Margaret Okafor" in row  # the attorney by name, not only an address


def test_the_routing_panel_tells_the_hand_back_not_the_escalation_it_undid(
    app: Flask, db: sessionmaker[Session]
) -> None:
    message_id = hand_back_one(app, db, "Please ask for the signed copy.")
    page = login(app, VA).get(f"/messages/{message_id}").text
    panel = page[page.index('<section class="decision">') : page.index('<section class="client">')]
    assert "handed back" in panel and "Please ask for the signed copy." in panel
    assert "<strong>escalate</strong>" not in panel


def test_the_routing_panel_says_each_rule_description_once(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        message = session.scalars(
            select(Message).where(Message.state == MessageState.REVIEW).order_by(Message.id)
        ).first()
        assert message is not None
        message_id = message.id
    page = login(app, VA).get(f"/messages/{message_id}").text
    panel = html.unescape(
        page[page.index('<section class="decision">') : page.index('<section class="client">')]
    )
    descriptions = re.findall(r"<code>[^<]+</code> ([^<]+)</li>", panel)
    assert descriptions, "a drafted message should list the rule that fired"
    for description in descriptions:
        assert panel.count(description.strip()) == 1, description


def test_queue_rows_show_a_snippet_the_reason_an_attachment_and_the_mails_own_date(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        with_file = session.scalars(
            select(Message)
            .join(Attachment, Attachment.message_id == Message.id)
            .where(
                Message.state.in_((MessageState.TRIAGE, MessageState.RECEIVED)),
                Attachment.inline.is_(False),
            )
            .order_by(Message.id)
        ).first()
        assert with_file is not None, "the sample should hold a triaged mail with a file"
        message_id, sent_at = with_file.id, with_file.sent_at or with_file.received_at
        words = with_file.new_text.split()[:4]
        without_file = session.scalars(
            select(Message.id)
            .where(
                Message.state == MessageState.TRIAGE,
                ~select(Attachment.id).where(Attachment.message_id == Message.id).exists(),
            )
            .order_by(Message.id)
        ).first()
    page = login(app, VA).get("/queue/triage").text
    assert "Times in America/New_York (E" in page  # EST or EDT: the zone is named
    row = row_of(page, message_id)
    assert "attachment-mark" in row
    assert " ".join(words) in row  # the snippet: the new text's first words
    assert '<p class="why">' in row
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=dt.UTC)
    shown = sent_at.astimezone(ZoneInfo("America/New_York"))
    assert shown.strftime("%b %d") in row  # the mail's own date, not the ingest's
    if without_file is not None:
        assert "attachment-mark" not in row_of(page, without_file)


def test_matter_panel_shows_money_with_separators_and_flags_overdue_invoices(
    app: Flask, db: sessionmaker[Session]
) -> None:
    with db() as session:
        message = session.scalars(
            select(Message).where(Message.matter_id.is_not(None)).order_by(Message.id)
        ).first()
        assert message is not None
        matter = session.get_one(Matter, message.matter_id)
        for invoice in session.scalars(select(Invoice).where(Invoice.matter_id == matter.id)):
            invoice.balance = Decimal(0)  # only the two below are open
        session.add_all(
            [
                Invoice(
                    invoice_number="TEST-LATE",
                    matter_id=matter.id,
                    issued=dt.date(2020, 1, 1),
                    due=dt.date(2020, 2, 1),
                    amount=Decimal("6812.50"),
                    balance=Decimal("6812.50"),
                    status="open",
                ),
                Invoice(
                    invoice_number="TEST-LATER",
                    matter_id=matter.id,
                    issued=dt.date.today(),
                    due=dt.date.today() + dt.timedelta(days=60),
                    amount=Decimal("1000"),
                    balance=Decimal("1000"),
                    status="open",
                ),
            ]
        )
        session.commit()
        message_id = message.id
    page = login(app, VA).get(f"/messages/{message_id}").text
    panel = page[page.index('<section class="client">') : page.index('<section class="actions">')]
    late = re.search(r'<span class="invoice[^"]*">TEST-LATE .*?</span></span>', panel)
    assert late and "overdue" in late.group(0) and "$6,812.50" in late.group(0)
    later = re.search(r'<span class="invoice[^"]*">TEST-LATER [^<]*</span>', panel)
    assert later and "overdue" not in later.group(0) and "$1,000.00" in later.group(0)
    assert money(Decimal("7812.50")) in panel  # the balance
    assert "$6812.50" not in panel


def test_one_message_is_counted_as_one_message(app: Flask, db: sessionmaker[Session]) -> None:
    with db() as session:
        client_id = session.scalars(
            select(Message.client_id)
            .where(Message.client_id.is_not(None))
            .group_by(Message.client_id)
            .having(func.count() == 1)
        ).first()
    if client_id is None:
        pytest.skip("every sample client wrote more than once")
    page = login(app, VA).get(f"/queue/all?client={client_id}").text
    assert "1 message<" in page and "1 messages" not in page
