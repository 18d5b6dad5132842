"""Idempotent ingest, quarantine and threading, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inbox.ingest.runner import ingest_many, ingest_one
from inbox.models import Message, MessageState, RawMessage

CLIENT_MAIL = (
    b"From: Teresa Moll <owner@maplestreetbakery.com>\n"
    b"To: clients@examplefirm.law\n"
    b"Subject: Has the answer been filed?\n"
    b"Date: Fri, 20 Nov 2026 10:00:00 +0000\n"
    b"Message-ID: <one@maplestreetbakery.com>\n\n"
    b"Hi, has the answer been filed yet?\n"
)


def count(factory, *where) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Message).where(*where)) or 0


def test_same_message_twice_is_stored_once(factory) -> None:  # type: ignore[no-untyped-def]
    first = ingest_one(factory, CLIENT_MAIL, origin="a.eml")
    second = ingest_one(factory, CLIENT_MAIL, origin="b.eml")
    assert (first.status, second.status) == ("stored", "duplicate")
    assert second.message_pk == first.message_pk
    assert count(factory) == 1


def test_copy_with_other_transport_headers_and_crlf_is_a_duplicate(factory) -> None:  # type: ignore[no-untyped-def]
    via_imap = (b"Received: from mx by imap; Fri, 20 Nov 2026\n" + CLIENT_MAIL).replace(
        b"\n", b"\r\n"
    )
    ingest_one(factory, CLIENT_MAIL, origin="file")
    assert ingest_one(factory, via_imap, origin="imap").status == "duplicate"


def test_two_mails_sharing_a_message_id_are_both_kept(factory) -> None:  # type: ignore[no-untyped-def]
    """Some mailers reuse one Message-ID; dropping the second mail would lose it."""
    other = CLIENT_MAIL.replace(b"has the answer been filed yet?", b"please call me")
    assert ingest_one(factory, CLIENT_MAIL, origin="a").status == "stored"
    assert ingest_one(factory, other, origin="b").status == "stored"
    assert count(factory) == 2


def test_mail_without_message_id_is_deduplicated_by_content(factory) -> None:  # type: ignore[no-untyped-def]
    raw = CLIENT_MAIL.replace(b"Message-ID: <one@maplestreetbakery.com>\n", b"")
    assert ingest_one(factory, raw, origin="a").status == "stored"
    assert ingest_one(factory, raw, origin="a").status == "duplicate"


def test_malformed_mail_is_quarantined_with_raw_bytes_and_reason(factory) -> None:  # type: ignore[no-untyped-def]
    junk = b"\x00\x01 this is not mail"
    outcome = ingest_one(factory, junk, origin="junk.bin")
    assert outcome.status == "quarantined"
    with factory() as session:
        message = session.get_one(Message, outcome.message_pk)
        assert message.state == MessageState.QUARANTINED
        assert "no header fields" in (message.error or "")
        assert message.raw.content == junk
    assert ingest_one(factory, junk, origin="junk.bin").status == "duplicate"


def test_failing_stage_quarantines_that_message_and_the_next_is_stored(factory) -> None:  # type: ignore[no-untyped-def]
    def explode_on_invoices(session, message, parsed) -> None:  # type: ignore[no-untyped-def]
        if "invoice" in parsed.subject:
            raise RuntimeError("stage bug")

    bad = CLIENT_MAIL.replace(b"Subject: Has the answer been filed?", b"Subject: invoice")
    bad = bad.replace(b"<one@", b"<two@")
    summary = ingest_many(
        factory,
        [("bad", bad, None), ("good", CLIENT_MAIL, None), ("gone", None, "cannot read")],
        stages=[explode_on_invoices],
    )
    assert (summary.stored, summary.quarantined, summary.unreadable) == (1, 1, 1)
    with factory() as session:
        quarantined = session.scalars(
            select(Message).where(Message.state == MessageState.QUARANTINED)
        ).one()
        assert "RuntimeError: stage bug" in (quarantined.error or "")
        assert quarantined.raw.content == bad
    # Quarantined once, not retried forever:
    again = ingest_one(factory, bad, origin="bad", stages=[explode_on_invoices])
    assert again.status == "duplicate"


def test_reply_joins_the_thread_of_the_message_it_answers(factory) -> None:  # type: ignore[no-untyped-def]
    reply = (
        b"From: owner@maplestreetbakery.com\nSubject: Re: Has the answer been filed?\n"
        b"Message-ID: <two@maplestreetbakery.com>\n"
        b"In-Reply-To: <one@maplestreetbakery.com>\n"
        b"References: <one@maplestreetbakery.com>\n\nAny news?\n"
    )
    first = ingest_one(factory, CLIENT_MAIL, origin="1")
    second = ingest_one(factory, reply, origin="2")
    unrelated = ingest_one(factory, CLIENT_MAIL.replace(b"<one@", b"<three@"), origin="3")
    with factory() as session:
        threads = {
            pk: session.get_one(Message, pk).thread_id
            for pk in (first.message_pk, second.message_pk, unrelated.message_pk)
        }
    assert threads[first.message_pk] == threads[second.message_pk]
    assert threads[unrelated.message_pk] != threads[first.message_pk]


def test_raw_bytes_are_kept_exactly(factory) -> None:  # type: ignore[no-untyped-def]
    outcome = ingest_one(factory, CLIENT_MAIL, origin="a")
    with factory() as session:
        raw = session.scalars(
            select(RawMessage).where(RawMessage.message_id == outcome.message_pk)
        ).one()
        assert raw.content == CLIENT_MAIL


@pytest.mark.parametrize("n", [25])
def test_many_messages_in_one_batch(factory, n: int) -> None:  # type: ignore[no-untyped-def]
    items = [(f"m{i}", CLIENT_MAIL.replace(b"<one@", f"<m{i}@".encode()), None) for i in range(n)]
    summary = ingest_many(factory, items + items)
    assert (summary.stored, summary.duplicates) == (n, n)
