"""The per-batch directory cache answers exactly as the live lookups do."""

from __future__ import annotations

import pytest

from rules.directory_import import import_directory
from rules.lookups import BatchLookups, Lookups
from tests.conftest import SAMPLE_FIRM

ADDRESSES = [
    "Dana.Whitaker@NorthwindMarine.com",  # a contact, in other case
    "someone.new@northwindmarine.com",  # the client's domain
    "ceo@mail.bluefincoffee.com",  # a subdomain of a client's domain
    "stranger@example.org",  # nobody
    "not-an-address",
]


def answer(lookups: Lookups, session, address: str):  # type: ignore[no-untyped-def]
    client, contact = lookups.client_for_address(session, address)
    matters = lookups.client_matters(session, client) if client else []
    return (
        client.client_code if client else None,
        contact.email if contact else None,
        client.relationship_attorney.email if client and client.relationship_attorney else None,
        [
            (m.matter_number, m.responsible_attorney.email if m.responsible_attorney else None)
            for m in matters
        ],
    )


@pytest.mark.parametrize("preload", [True, False])
def test_batch_lookups_answer_like_the_directory_after_their_session_closed(
    factory, preload: bool
) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        import_directory(session, SAMPLE_FIRM)
    with factory() as session:
        expected = [answer(Lookups(), session, a) for a in ADDRESSES]
    cached = BatchLookups(factory)
    if preload:
        cached.preload_senders(ADDRESSES)
    with factory() as session:
        first = [answer(cached, session, a) for a in ADDRESSES]
    with factory() as session:  # remembered objects, read in another session
        again = [answer(cached, session, a) for a in ADDRESSES]
    assert first == expected and again == expected
    assert [e[0] for e in expected] == ["C01", "C01", "C02", None, None]
    assert expected[0][1] == "dana.whitaker@northwindmarine.com" and expected[1][1] is None


def test_batch_lookups_forget_at_the_next_batch(factory) -> None:  # type: ignore[no-untyped-def]
    from inbox.models import Client

    with factory() as session, session.begin():
        import_directory(session, SAMPLE_FIRM)
    cached = BatchLookups(factory)
    with factory() as session:
        assert cached.client_for_address(session, "x@northwindmarine.com")[0] is not None
    with factory() as session, session.begin():
        session.query(Client).filter_by(client_code="C01").one().domain = None
    with factory() as session:
        assert cached.client_for_address(session, "x@northwindmarine.com")[0] is not None
        cached.clear()
        assert cached.client_for_address(session, "x@northwindmarine.com")[0] is None


def test_a_rolled_back_message_leaves_the_cache_usable(factory) -> None:  # type: ignore[no-untyped-def]
    """A stage failure rolls the message back; that must not expire cached objects."""
    with factory() as session, session.begin():
        import_directory(session, SAMPLE_FIRM)
    cached = BatchLookups(factory)
    with factory() as session:
        session.begin()
        client, _ = cached.client_for_address(session, "dana.whitaker@northwindmarine.com")
        assert client is not None
        matters = cached.client_matters(session, client)
        session.rollback()
    with factory() as session:
        again, _ = cached.client_for_address(session, "dana.whitaker@northwindmarine.com")
        assert again is client and again.relationship_attorney is not None
        assert [m.title for m in cached.client_matters(session, again)] == [
            m.title for m in matters
        ]
