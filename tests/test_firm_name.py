"""The firm's name a draft signs with: set, the sample's, or read off another firm's
directory; never the sample firm's name on another firm's mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.firm import SAMPLE_FIRM_NAME, firm_name, name_from_directory
from inbox.mail.parse import parse_message
from inbox.settings import Settings
from rules.directory_import import import_directory
from rules.route import Router
from tests.conftest import SAMPLE_AS_OF, SAMPLE_FIRM

ASHGROVE = [
    ("Ruth Ashgrove", "ruth.ashgrove@ashgrovekellerman.law"),
    ("Jonas Kellerman", "jonas.kellerman@ashgrovekellerman.law"),
    ("Amara Osei", "amara.osei@ashgrovekellerman.law"),
]


@pytest.mark.parametrize(
    ("attorneys", "name"),
    [
        (ASHGROVE, "Ashgrove Kellerman"),
        (list(reversed(ASHGROVE)), "Ashgrove Kellerman"),  # the domain's order, not the file's
        ([("Lucía Fernández", "lf@fernandez.es"), ("Ana Ruiz", "ar@fernandez.es")], "Fernández"),
        (
            [("Ines Ward", "ines@examplefirm.law"), ("Omar Haddad", "o@examplefirm.law")],
            "Examplefirm",
        ),
        ([("Kim Lee", "kim@smith-jones-law.com")], "Smith Jones Law"),
        ([("A. Smith", "a@www.smithlaw.com")], "Smithlaw"),
        # an outside counsel's address does not name the firm
        ([*ASHGROVE, ("Eve Stone", "eve@stonelaw.com")], "Ashgrove Kellerman"),
        ([], None),
    ],
)
def test_the_name_is_read_off_the_attorneys_domain(attorneys, name) -> None:  # type: ignore[no-untyped-def]
    assert name_from_directory(attorneys) == name


def _third_firm(folder: Path) -> Path:
    folder.mkdir()
    (folder / "attorneys.csv").write_text(
        "email,name,practice_areas\n"
        + "".join(f"{email},{name},litigation\n" for name, email in ASHGROVE),
        encoding="utf-8",
    )
    (folder / "clients.csv").write_text(
        "client_id,name,domain,relationship_attorney\n"
        "AK01,Pemberton Bakery LLC,pembertonbakery.com,ruth.ashgrove@ashgrovekellerman.law\n",
        encoding="utf-8",
    )
    (folder / "contacts.csv").write_text(
        "email,name,client_id\nlucy@pembertonbakery.com,Lucy Pemberton,AK01\n", encoding="utf-8"
    )
    (folder / "matters.csv").write_text(
        "matter_number,client_id,title,responsible_attorney,status,next_step,next_date,opened\n"
        "AK-2026-0001,AK01,Commercial lease renewal,ruth.ashgrove@ashgrovekellerman.law,"
        "negotiation,Send landlord our counter-proposal,2026-11-26,2025-12-31\n",
        encoding="utf-8",
    )
    (folder / "invoices.csv").write_text(
        "invoice_number,matter_number,issued,due,amount,balance,status\n", encoding="utf-8"
    )
    return folder


def test_the_sample_firm_keeps_its_name_and_a_set_name_wins(factory, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        import_directory(session, SAMPLE_FIRM)
        assert firm_name(session, settings) == SAMPLE_FIRM_NAME
        named = settings.with_changes(firm_name="Okafor Brandt PC")
        assert firm_name(session, named) == "Okafor Brandt PC"


def test_another_firms_drafts_are_signed_with_its_own_name(
    factory, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        import_directory(session, _third_firm(tmp_path / "firm"))
        router = Router.from_settings(settings.with_changes(as_of=SAMPLE_AS_OF))
        raw = (
            "From: Lucy Pemberton <lucy@pembertonbakery.com>\n"
            "To: clients@ashgrovekellerman.law\nSubject: Lease renewal\n\n"
            "Hi, where are we with the lease renewal? What is the next step?\n\nLucy\n"
        )
        result = router.route(session, parse_message(raw.encode()))
    assert result.draft is not None, result.reason
    assert "Harbor" not in result.draft.body_text
    assert result.draft.body_text.rstrip().endswith("Kind regards,\nAshgrove Kellerman")


def test_a_large_firm_is_named_at_once() -> None:
    """Two hundred attorneys: the surnames not in the domain are never combined."""
    many = [(f"Lawyer{i} Person{i}", f"l{i}@ashgrovekellerman.law") for i in range(200)]
    assert name_from_directory([*many, *ASHGROVE]) == "Ashgrove Kellerman"


def test_a_firm_that_sets_its_shared_address_alone_is_named_from_it() -> None:
    """Its attorneys at its own domain, or none imported yet: never the sample's name."""
    assert name_from_directory([], "intake@okaforbrandt.com") == "Okaforbrandt"
    lawyers = [("Margaret Okafor", "mo@okaforbrandt.com"), ("Daniel Brandt", "db@okaforbrandt.com")]
    assert name_from_directory(lawyers, "intake@okaforbrandt.com") == "Okafor Brandt"
    assert name_from_directory([], "clients@harborvale.law") == "Harbor & Vale LLP"
