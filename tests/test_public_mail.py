"""A public mail provider's domain is nobody's client domain: at import and at lookup."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.addresses import client_for_address
from inbox.models import Client
from inbox.public_mail import is_public_mail_domain
from tests.test_directory import FIRM, run_import, write_firm


@pytest.mark.parametrize(
    ("domain", "public"),
    [
        ("gmail.com", True),
        ("GMAIL.COM.", True),
        ("mail.yahoo.com", True),
        ("yahoo.co.uk", True),
        ("hotmail.fr", True),
        ("web.de", True),
        ("outlook-consulting.com", False),
        ("live.examplefirm.law", False),
        ("maplestreetbakery.com", False),
        ("orange.com", False),  # the company; orange.fr is its public mail
    ],
)
def test_public_mail_domains(domain: str, public: bool) -> None:
    assert is_public_mail_domain(domain) is public


def test_a_public_domain_in_clients_csv_is_imported_unused_with_a_note(
    factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    clients = FIRM["clients.csv"].replace("K02,Paulina Reyes,,", "K02,Paulina Reyes,gmail.com,")
    results = run_import(factory, write_firm(tmp_path / "firm", **{"clients.csv": clients}))
    found = next(r for r in results if r.file == "clients.csv")
    assert found.errors == []
    assert found.notes == [
        "clients.csv:3: domain: gmail.com not used: anyone can have an address there, so its "
        "senders are not this client's; list the client's addresses in contacts.csv"
    ]
    with factory() as session:
        assert session.scalar(select(Client.domain).where(Client.client_code == "K02")) is None
        assert client_for_address(session, "stranger@gmail.com") == (None, None)
        # the client's own listed address still finds them
        assert client_for_address(session, "paulina.reyes@example.net")[0].client_code == "K02"


def test_a_public_domain_already_stored_finds_no_client(factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        session.add(Client(client_code="K77", name="Old Record", domain="gmail.com"))
    with factory() as session:
        assert client_for_address(session, "stranger@gmail.com") == (None, None)


def test_the_cli_prints_the_note_and_succeeds(db_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from inbox.cli import main

    clients = FIRM["clients.csv"].replace("K02,Paulina Reyes,,", "K02,Paulina Reyes,gmail.com,")
    directory = write_firm(tmp_path / "firm", **{"clients.csv": clients})
    main(["--db", db_url, "init"])
    assert main(["--db", db_url, "import-directory", str(directory)]) == 0
    assert "clients.csv:3: domain: gmail.com not used" in capsys.readouterr().err
