"""Firm directory import (upsert, row errors, all-or-nothing files) and lookups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox.addresses import client_for_address
from inbox.models import (
    Attorney,
    Client,
    FirmDocument,
    Invoice,
    Matter,
    Payment,
    TrustBalance,
)
from rules.directory import matter_numbers_in, matters_by_number, open_matters
from rules.directory_import import import_directory

CONTRACT_FIRM = Path(__file__).resolve().parents[2] / "shared" / "contract" / "firm"

FIRM = {
    "attorneys.csv": "email,name,practice_areas\n"
    "ines.ward@examplefirm.law,Ines Ward,family;estate planning\n"
    "omar.haddad@examplefirm.law,Omar Haddad,employment\n",
    "clients.csv": "client_id,name,domain,relationship_attorney\n"
    "K01,Maple Street Bakery LLC,maplestreetbakery.com,omar.haddad@examplefirm.law\n"
    "K02,Paulina Reyes,,ines.ward@examplefirm.law\n",
    "contacts.csv": "email,name,client_id\n"
    "owner@maplestreetbakery.com,Teresa Moll,K01\n"
    "Paulina.Reyes@example.net,Paulina Reyes,K02\n",
    "matters.csv": "matter_number,client_id,title,responsible_attorney,status,next_step,"
    "next_date,opened\n"
    "EX-2026-0101,K01,Wage claim,omar.haddad@examplefirm.law,discovery,Deposition,"
    "2026-12-14,2026-05-02\n"
    "EX-2026-0102,K02,Divorce,ines.ward@examplefirm.law,filed,Response due,2026-12-03,"
    "2026-08-19\n"
    "EX-2025-0007,K02,Old will,ines.ward@examplefirm.law,closed,,,2025-01-02\n",
    "invoices.csv": "invoice_number,matter_number,issued,due,amount,balance,status\n"
    "EX-INV-7001,EX-2026-0101,2026-09-30,2026-10-30,2400.00,2400.00,overdue\n",
}


def write_firm(directory: Path, **overrides: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in {**FIRM, **overrides}.items():
        (directory / name).write_text(content, encoding="utf-8")
    return directory


def run_import(factory, directory: Path):  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        return import_directory(session, directory)


def test_import_creates_then_updates(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results = run_import(factory, write_firm(tmp_path / "firm"))
    assert next((r.file, r.created, r.errors) for r in results) == ("attorneys.csv", 2, [])
    renamed = FIRM["clients.csv"].replace("Maple Street Bakery LLC", "Maple Street Bakery Inc")
    again = run_import(factory, write_firm(tmp_path / "firm", **{"clients.csv": renamed}))
    assert all(r.created == 0 and not r.errors for r in again)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Client)) == 2
        bakery = session.scalars(select(Client).where(Client.client_code == "K01")).one()
        assert bakery.name == "Maple Street Bakery Inc"
        assert session.scalars(select(Attorney.practice_areas)).first() == [
            "family",
            "estate planning",
        ]


def test_bad_row_is_reported_with_file_line_and_field(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = FIRM["invoices.csv"] + "EX-INV-7002,EX-2026-0102,2026-10-15,not-a-date,85x,0,paid\n"
    results = run_import(factory, write_firm(tmp_path / "firm", **{"invoices.csv": bad}))
    invoices = results[-1]
    assert [str(e) for e in invoices.errors] == [
        "invoices.csv:3: due: 'not-a-date' is not a date (YYYY-MM-DD or DD.MM.YYYY)",
        "invoices.csv:3: amount: '85x' is not an amount (write 1200.50 or 1,200.50; or 1.200,50)",
    ]
    with factory() as session:  # the bad file changed nothing, the good ones applied
        assert session.scalar(select(func.count()).select_from(Invoice)) == 0
        assert session.scalar(select(func.count()).select_from(Matter)) == 3


def test_bad_file_leaves_earlier_import_untouched(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_import(factory, write_firm(tmp_path / "firm"))
    bad = FIRM["matters.csv"].replace("Wage claim", "Changed title") + (
        "EX-2026-0999,K99,Ghost,omar.haddad@examplefirm.law,open,,,\n"
    )
    results = run_import(factory, write_firm(tmp_path / "firm", **{"matters.csv": bad}))
    matters = next(r for r in results if r.file == "matters.csv")
    assert [str(e) for e in matters.errors] == ["matters.csv:5: client_id: no client 'K99'"]
    with factory() as session:
        titles = set(session.scalars(select(Matter.title)))
        assert "Changed title" not in titles and "Wage claim" in titles


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        (
            "attorneys.csv",
            "email,name\nnot-an-email,X\n",
            "attorneys.csv:2: email: 'not-an-email' is not an e-mail address",
        ),
        (
            "attorneys.csv",
            "name,practice_areas\nX,y\n",
            "attorneys.csv:1: email: column missing from header",
        ),
        (
            "attorneys.csv",
            "email,name\na@x.com,A\na@x.com,B\n",
            "attorneys.csv:3: email: 'a@x.com' already appears on line 2",
        ),
        (
            "clients.csv",
            "client_id,name,domain,relationship_attorney\nK9,X,not a domain,\n",
            "clients.csv:2: domain: 'not a domain' is not a domain name",
        ),
        (
            "invoices.csv",
            "invoice_number,matter_number,issued,due,amount,balance,status\nI1,EX-2026-0101,,,100.001,0,open\n",
            "invoices.csv:2: amount: '100.001' is not an amount with at most two decimals",
        ),
        (
            "invoices.csv",
            "invoice_number,matter_number,issued,due,amount,balance,status\nI1,EX-2026-0101,,,100,200,open\n",
            "invoices.csv:2: balance: 200 is more than the amount 100",
        ),
    ],
)
def test_validation_messages(
    factory, tmp_path: Path, file: str, content: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    results = run_import(factory, write_firm(tmp_path / "firm", **{file: content}))
    errors = [str(e) for r in results if r.file == file for e in r.errors]
    assert errors == [expected]


def test_non_utf8_file_is_rejected_with_its_line(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(tmp_path / "firm")
    (directory / "contacts.csv").write_bytes(
        b"email,name,client_id\nowner@maplestreetbakery.com,Ren\xe9e,K01\n"
    )
    results = run_import(factory, directory)
    errors = [str(e) for r in results for e in r.errors]
    assert errors == ["contacts.csv:2: -: not UTF-8 (byte 0xe9 at column 32); save as UTF-8"]


def test_contract_sample_firm_imports_cleanly(factory) -> None:  # type: ignore[no-untyped-def]
    if not CONTRACT_FIRM.is_dir():
        pytest.skip("shared/contract not present")
    results = run_import(factory, CONTRACT_FIRM)
    assert all(not r.errors for r in results)


def test_lookups(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_import(factory, write_firm(tmp_path / "firm"))
    with factory() as session:
        client, contact = client_for_address(session, "PAULINA.reyes@example.net")
        assert client is not None and client.client_code == "K02"
        assert contact is not None and contact.name == "Paulina Reyes"
        client, contact = client_for_address(session, "cook@maplestreetbakery.com")
        assert client is not None and client.client_code == "K01" and contact is None
        client, _ = client_for_address(session, "it@mail.maplestreetbakery.com")
        assert client is not None and client.client_code == "K01"
        assert client_for_address(session, "x@evilmaplestreetbakery.com") == (None, None)
        k02 = session.scalars(select(Client).where(Client.client_code == "K02")).one()
        assert [m.matter_number for m in open_matters(session, k02)] == ["EX-2026-0102"]
        numbers = matter_numbers_in(
            "re ex-2026-0102 and EX-2026-0101, EX-2026-0102", r"\b[A-Z]{1,6}-\d{4}-\d{2,6}\b"
        )
        assert numbers == ["EX-2026-0102", "EX-2026-0101"]
        assert [m.client.client_code for m in matters_by_number(session, numbers)] == ["K02", "K01"]


def test_missing_directory_is_an_error(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rules.directory_import import DirectoryError

    with pytest.raises(DirectoryError, match="not a directory"):
        run_import(factory, tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.rmtree(empty)
    empty.mkdir()
    with pytest.raises(DirectoryError, match="none of"):
        run_import(factory, empty)


KEYWORDED = (
    "matter_number,client_id,title,responsible_attorney,status,next_step,next_date,opened,"
    "keywords\n"
    "EX-2026-0101,K01,Wage claim,omar.haddad@examplefirm.law,discovery,,,,"
    "Jordan Pike; 12 Oak Lane ;;Jordan Pike\n"
    "EX-2026-0102,K02,Divorce,ines.ward@examplefirm.law,filed,,,,\n"
)


def test_matters_keywords_are_optional_and_kept_when_a_later_file_lacks_them(
    factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run_import(factory, write_firm(tmp_path / "firm", **{"matters.csv": KEYWORDED}))
    run_import(factory, write_firm(tmp_path / "firm"))  # the column left out: kept
    with factory() as session:
        words = dict(session.execute(select(Matter.matter_number, Matter.keywords)).all())
    assert words["EX-2026-0101"] == "Jordan Pike; 12 Oak Lane"
    assert words["EX-2026-0102"] == ""


def test_a_too_long_keyword_is_reported_with_file_line_and_field(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = KEYWORDED.replace("12 Oak Lane", "x" * 120)
    results = run_import(factory, write_firm(tmp_path / "firm", **{"matters.csv": bad}))
    matters = next(r for r in results if r.file == "matters.csv")
    assert [str(e) for e in matters.errors] == [
        "matters.csv:2: keywords: 'xxxxxxxxxxxxxxxxxxxx'... is longer than 100 characters"
    ]


PAYMENTS = "invoice_number,date,amount,method,reference\nEX-INV-7001,2026-11-10,400.00,check,1042\n"
TRUST = "client_id,matter_number,balance,as_of\nK01,,3200.00,2026-11-15\nK02,EX-2026-0102,500,2026-11-15\n"


def test_optional_payments_and_trust_files_import_as_an_upsert(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    firm = write_firm(tmp_path / "firm", **{"payments.csv": PAYMENTS, "trust.csv": TRUST})
    first = {r.file: (r.created, r.errors) for r in run_import(factory, firm)}
    assert first["payments.csv"] == (1, []) and first["trust.csv"] == (2, [])
    again = {r.file: (r.created, r.updated) for r in run_import(factory, firm)}
    assert again["payments.csv"] == (0, 1) and again["trust.csv"] == (0, 2)
    with factory() as session:
        payment = session.scalars(select(Payment)).one()
        assert (payment.invoice.invoice_number, payment.method) == ("EX-INV-7001", "check")
        balances = session.scalars(select(TrustBalance).order_by(TrustBalance.id)).all()
        assert (balances[0].client.client_code, balances[0].matter) == ("K01", None)
        assert balances[1].matter is not None and balances[1].matter.matter_number == "EX-2026-0102"


def test_bad_payments_and_trust_rows_name_file_line_and_field(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    payments = "invoice_number,date,amount\nEX-INV-9999,2026-13-10,0\n"
    trust = "client_id,matter_number,balance,as_of\nK01,EX-2026-0102,5,2026-11-15\n"
    results = run_import(
        factory, write_firm(tmp_path / "firm", **{"payments.csv": payments, "trust.csv": trust})
    )
    errors = [str(e) for r in results for e in r.errors]
    assert errors == [
        "payments.csv:2: invoice_number: no invoice 'EX-INV-9999'",
        "payments.csv:2: date: '2026-13-10' is not a date (YYYY-MM-DD or DD.MM.YYYY)",
        "payments.csv:2: amount: must be more than zero",
        "trust.csv:2: matter_number: EX-2026-0102 is not a matter of client K01",
    ]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0
        assert session.scalar(select(func.count()).select_from(TrustBalance)) == 0


PDF = b"%PDF-1.4\n% sample\n%%EOF\n"


def test_invoice_pdfs_and_the_w9_are_stored_for_replies_to_attach(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    firm = write_firm(tmp_path / "firm")
    (firm / "invoices").mkdir()
    (firm / "invoices" / "EX-INV-7001.pdf").write_bytes(PDF)
    (firm / "W-9.pdf").write_bytes(PDF)
    documents = run_import(factory, firm)[-1]
    assert (documents.file, documents.created, documents.errors) == ("documents", 2, [])
    with factory() as session:
        assert set(session.scalars(select(FirmDocument.name))) == {
            "invoices/EX-INV-7001.pdf",
            "w9.pdf",
        }


def test_a_pdf_for_no_invoice_or_not_a_pdf_is_an_error_and_nothing_is_stored(
    factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    firm = write_firm(tmp_path / "firm")
    (firm / "invoices").mkdir()
    (firm / "invoices" / "EX-INV-9999.pdf").write_bytes(PDF)
    (firm / "w9.pdf").write_bytes(b"not a pdf")
    documents = run_import(factory, firm)[-1]
    assert [str(e) for e in documents.errors] == [
        "invoices/EX-INV-9999.pdf:0: -: no invoice 'EX-INV-9999' on record",
        "w9.pdf:0: -: not a PDF file",
    ]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(FirmDocument)) == 0
