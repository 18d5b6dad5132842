"""The directory's CSV values as spreadsheets write them: one meaning each, or an error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.models import Invoice, Matter
from rules.directory_import import DirectoryError
from rules.directory_values import amount_value, date_value, domain_value, header_delimiter
from tests.test_directory import FIRM, run_import, write_firm


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("1200", "1200"),
        ("1200.50", "1200.50"),
        ("1,200.50", "1200.50"),
        ("$1,200", "1200"),
        ("12,345,678.90", "12345678.90"),
        ("1200,50", "1200.50"),  # a comma for cents: once read as 120050
        ("450,00", "450.00"),
        ("1.200,50", "1200.50"),
        ("1.200.000", "1200000"),
        ("EUR 1.200,50", "1200.50"),
        ("1 200,50 €", "1200.50"),
        ("1\u00a0200,50", "1200.50"),
        ("CHF 1'200.50", "1200.50"),
        ("-5", "-5"),  # read, and refused by the import as negative
    ],
)
def test_an_amount_is_read_in_either_notation(written: str, amount: str) -> None:
    assert amount_value(written) == Decimal(amount)


@pytest.mark.parametrize("written", ["85x", "1,2,3", "1.200,5,0", "12,34.5,6", "1e5", "NaN", ","])
def test_an_amount_in_no_notation_is_refused(written: str) -> None:
    with pytest.raises(ValueError, match="is not an amount"):
        amount_value(written)


def test_three_decimals_stay_three_for_the_import_to_refuse() -> None:
    # "1.200" is 1.2 written with three decimals, or 1200: the import refuses it (below)
    assert amount_value("1.200") == Decimal("1.200")


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("2026-11-26", dt.date(2026, 11, 26)),
        ("2026/11/26", dt.date(2026, 11, 26)),
        ("26.11.2026", dt.date(2026, 11, 26)),
        ("3.2.2026", dt.date(2026, 2, 3)),
        ("2026-11-26 00:00:00", dt.date(2026, 11, 26)),
        ("2026-11-26T00:00Z", dt.date(2026, 11, 26)),
    ],
)
def test_a_date_is_read_in_forms_with_one_meaning(written: str, date: dt.date) -> None:
    assert date_value(written) == date


@pytest.mark.parametrize(
    "written", ["11/12/2026", "26/11/2026", "31.02.2026", "Nov 26, 2026", "2026-11-26 23:30"]
)
def test_a_date_that_means_two_or_none_is_refused(written: str) -> None:
    with pytest.raises(ValueError):
        date_value(written)


def test_the_delimiter_is_the_one_that_finds_the_columns() -> None:
    columns = {"email", "name", "practice_areas"}
    assert header_delimiter("email,name,practice_areas", columns) == ","
    assert header_delimiter("email;name;practice_areas", columns) == ";"
    assert header_delimiter("email\tname\tpractice_areas", columns) == "\t"
    assert header_delimiter("", columns) == ","


def test_a_semicolon_file_of_a_european_spreadsheet_imports_as_written(
    factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(
        tmp_path / "firm",
        **{
            "matters.csv": "\ufeffmatter_number;client_id;title;responsible_attorney;status;"
            "next_step;next_date;opened\r\n"
            "EX-2026-0101;K01;Wage claim;omar.haddad@examplefirm.law;discovery;"
            "Deposition;14.12.2026;02.05.2026\r\n",
            "invoices.csv": "invoice_number;matter_number;issued;due;amount;balance;status\r\n"
            "EX-INV-7001;EX-2026-0101;30.09.2026;30.10.2026;1.200,50;450,25;overdue\r\n",
        },
    )
    results = run_import(factory, directory)
    assert [str(e) for r in results for e in r.errors] == []
    with factory() as session:
        invoice = session.scalars(select(Invoice)).one()
        assert (invoice.amount, invoice.balance) == (Decimal("1200.50"), Decimal("450.25"))
        assert (invoice.issued, invoice.due) == (dt.date(2026, 9, 30), dt.date(2026, 10, 30))
        matter = session.scalars(select(Matter).where(Matter.matter_number == "EX-2026-0101")).one()
        assert matter.next_date == dt.date(2026, 12, 14)


def test_a_comma_for_cents_in_a_comma_file_is_cents_not_thousands(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    invoices = (
        "invoice_number,matter_number,issued,due,amount,balance,status\n"
        'EX-INV-7001,EX-2026-0101,2026-09-30,2026-10-30,"1200,50","1200,50",overdue\n'
    )
    results = run_import(factory, write_firm(tmp_path / "firm", **{"invoices.csv": invoices}))
    assert [str(e) for r in results for e in r.errors] == []
    with factory() as session:
        assert session.scalars(select(Invoice.amount)).one() == Decimal("1200.50")


def test_a_tab_file_imports(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tabbed = FIRM["contacts.csv"].replace(",", "\t")
    results = run_import(factory, write_firm(tmp_path / "firm", **{"contacts.csv": tabbed}))
    contacts = next(r for r in results if r.file == "contacts.csv")
    assert (contacts.rows, contacts.errors) == (2, [])


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1.200", "invoices.csv:2: amount: '1.200' is not an amount with at most two decimals"),
        ("-5", "invoices.csv:2: amount: '-5' is negative"),
        (
            "1,2,3",
            "invoices.csv:2: amount: '1,2,3' is not an amount (write 1200.50 or 1,200.50; or 1.200,50)",
        ),
    ],
)
def test_an_amount_with_two_meanings_or_none_names_file_line_and_field(
    factory, tmp_path: Path, amount: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    invoices = (
        "invoice_number,matter_number,issued,due,amount,balance,status\n"
        f'EX-INV-7001,EX-2026-0101,2026-09-30,2026-10-30,"{amount}",0,open\n'
    )
    results = run_import(factory, write_firm(tmp_path / "firm", **{"invoices.csv": invoices}))
    assert [str(e) for r in results if r.file == "invoices.csv" for e in r.errors] == [expected]


def test_a_slashed_date_with_two_meanings_is_refused_with_its_line(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    invoices = (
        "invoice_number,matter_number,issued,due,amount,balance,status\n"
        "EX-INV-7001,EX-2026-0101,11/12/2026,2026-10-30,100,0,open\n"
    )
    results = run_import(factory, write_firm(tmp_path / "firm", **{"invoices.csv": invoices}))
    assert [str(e) for r in results if r.file == "invoices.csv" for e in r.errors] == [
        "invoices.csv:2: issued: '11/12/2026' is not a date (YYYY-MM-DD or DD.MM.YYYY)"
    ]


def test_excel_unicode_text_utf16_with_tabs_imports(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(tmp_path / "firm")
    tabbed = FIRM["contacts.csv"].replace(",", "\t").replace("Teresa Moll", "Renée Moll")
    (directory / "contacts.csv").write_bytes(tabbed.encode("utf-16"))  # with its BOM
    results = run_import(factory, directory)
    contacts = next(r for r in results if r.file == "contacts.csv")
    assert (contacts.rows, contacts.errors) == (2, [])


def test_a_broken_utf16_file_is_refused_on_line_one(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(tmp_path / "firm")
    (directory / "contacts.csv").write_bytes(b"\xff\xfee\x00m\x00a")  # odd length: cut off
    results = run_import(factory, directory)
    assert [str(e) for r in results for e in r.errors] == [
        "contacts.csv:1: -: not UTF-16 as its byte-order mark says"
    ]


def test_files_are_found_whatever_their_case(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(tmp_path / "firm")
    (directory / "matters.csv").rename(directory / "Matters.csv")  # once skipped, silently
    (directory / "invoices.csv").rename(directory / "INVOICES.CSV")
    results = run_import(factory, directory)
    assert [(r.file, r.rows, r.errors) for r in results][-2:] == [
        ("matters.csv", 3, []),
        ("invoices.csv", 1, []),
    ]


def test_two_files_for_one_name_are_refused(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(tmp_path / "firm")
    (directory / "Matters.csv").write_text(FIRM["matters.csv"], encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"both Matters\.csv and matters\.csv: keep one"):
        run_import(factory, directory)


def test_another_csv_in_the_directory_is_reported_not_read(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = write_firm(tmp_path / "firm")
    (directory / "matter_notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (directory / "README.txt").write_text("notes", encoding="utf-8")
    results = run_import(factory, directory)
    assert [(r.file, r.skipped) for r in results if r.skipped] == [
        (
            "matter_notes.csv",
            "not read: not one of attorneys.csv, clients.csv, contacts.csv, "
            "matters.csv, invoices.csv, payments.csv, trust.csv",
        )
    ]
    assert all(not r.errors for r in results)


@pytest.mark.parametrize("written", ["Omar Haddad", "omar  haddad", "Haddad, Omar"])
def test_an_attorney_is_found_by_name_as_exports_write_it(
    factory, tmp_path: Path, written: str
) -> None:  # type: ignore[no-untyped-def]
    matters = FIRM["matters.csv"].replace("omar.haddad@examplefirm.law", f'"{written}"')
    clients = FIRM["clients.csv"].replace("omar.haddad@examplefirm.law", f'"{written}"')
    results = run_import(
        factory, write_firm(tmp_path / "firm", **{"matters.csv": matters, "clients.csv": clients})
    )
    assert [str(e) for r in results for e in r.errors] == []
    with factory() as session:
        matter = session.scalars(select(Matter).where(Matter.matter_number == "EX-2026-0101")).one()
        assert matter.responsible_attorney.email == "omar.haddad@examplefirm.law"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "Omar",
            "matters.csv:2: responsible_attorney: no attorney 'Omar' (give an e-mail or a name of attorneys.csv)",
        ),
        (
            "nobody@examplefirm.law",
            "matters.csv:2: responsible_attorney: no attorney nobody@examplefirm.law",
        ),
        ("bad@", "matters.csv:2: responsible_attorney: 'bad@' is not an e-mail address"),
    ],
)
def test_an_attorney_named_by_no_one_is_an_error_naming_the_line(
    factory, tmp_path: Path, written: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    matters = FIRM["matters.csv"].replace("omar.haddad@examplefirm.law", written, 1)
    results = run_import(factory, write_firm(tmp_path / "firm", **{"matters.csv": matters}))
    assert [str(e) for r in results if r.file == "matters.csv" for e in r.errors] == [expected]


def test_two_attorneys_of_one_name_must_be_told_apart_by_address(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    attorneys = FIRM["attorneys.csv"] + "omar.haddad2@examplefirm.law,Omar Haddad,tax\n"
    matters = FIRM["matters.csv"].replace("omar.haddad@examplefirm.law", "Omar Haddad", 1)
    results = run_import(
        factory,
        write_firm(tmp_path / "firm", **{"attorneys.csv": attorneys, "matters.csv": matters}),
    )
    assert [str(e) for r in results if r.file == "matters.csv" for e in r.errors] == [
        "matters.csv:2: responsible_attorney: 2 attorneys are named 'Omar Haddad': give the e-mail address"
    ]


@pytest.mark.parametrize(
    ("written", "domain"),
    [
        ("maplestreetbakery.com", "maplestreetbakery.com"),
        ("@MapleStreetBakery.com", "maplestreetbakery.com"),
        ("www.maplestreetbakery.com", "maplestreetbakery.com"),
        ("https://www.maplestreetbakery.com/contact", "maplestreetbakery.com"),
        ("mail.maplestreetbakery.com.", "mail.maplestreetbakery.com"),
        ("not a domain", "not a domain"),  # left for the import to refuse
    ],
)
def test_a_domain_is_read_as_the_mail_domain_it_means(written: str, domain: str) -> None:
    assert domain_value(written) == domain


def test_a_website_typed_for_the_domain_finds_the_clients_senders(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from inbox.addresses import client_for_address

    clients = FIRM["clients.csv"].replace(
        ",maplestreetbakery.com,", ",https://www.maplestreetbakery.com/,"
    )
    results = run_import(factory, write_firm(tmp_path / "firm", **{"clients.csv": clients}))
    assert [str(e) for r in results for e in r.errors] == []
    with factory() as session:
        assert client_for_address(session, "ap@maplestreetbakery.com")[0].client_code == "K01"


@pytest.mark.parametrize(
    ("status", "open_"),
    [
        ("discovery", True),
        ("Closed - won", False),
        ("Inactive", False),
        ("Terminated by client", False),
        ("abgeschlossen", False),
        ("Cerrado", False),
        ("Clôturé le 3 mars", False),
        ("closedown pending", True),  # a first word that is not one of them
        ("Fermé", False),
        ("closing scheduled", True),
    ],
)
def test_a_matter_status_says_whether_it_is_over(status: str, open_: bool) -> None:
    from rules.directory import matter_is_open

    assert matter_is_open(status) is open_


def test_a_client_id_in_another_case_is_the_same_client(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    contacts = FIRM["contacts.csv"].replace(",K01\n", ",k01\n")
    matters = FIRM["matters.csv"].replace(",K02,", ",k02,")
    results = run_import(
        factory, write_firm(tmp_path / "firm", **{"contacts.csv": contacts, "matters.csv": matters})
    )
    assert [str(e) for r in results for e in r.errors] == []
    with factory() as session:
        codes = {m.matter_number: m.client.client_code for m in session.scalars(select(Matter))}
        assert codes["EX-2026-0102"] == "K02"


def test_a_header_is_read_as_people_write_it_and_a_stray_column_is_named(
    factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    matters = (
        "Matter Number,Client-ID,Title,Responsible Attorney,Status,Practice Group\n"
        "EX-2026-0101,K01,Wage claim,omar.haddad@examplefirm.law,discovery,employment\n"
    )
    results = run_import(factory, write_firm(tmp_path / "firm", **{"matters.csv": matters}))
    found = next(r for r in results if r.file == "matters.csv")
    assert (found.rows, found.errors) == (1, [])  # next step, dates, keywords: left out
    assert found.notes == [
        "matters.csv:1: practice_group: column not read (not one of matter_number, client_id, "
        "title, responsible_attorney, status, next_step, next_date, opened, keywords, updated)"
    ]


def test_a_column_named_twice_is_refused(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    contacts = "email,name,client_id,Client ID\nowner@maplestreetbakery.com,Teresa,K01,K01\n"
    results = run_import(factory, write_firm(tmp_path / "firm", **{"contacts.csv": contacts}))
    assert [str(e) for r in results for e in r.errors] == [
        "contacts.csv:1: client_id: column appears twice in the header"
    ]


def test_the_columns_that_may_be_empty_may_be_left_out(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    firm = {
        "clients.csv": "client_id,name\nK01,Maple Street Bakery LLC\nK02,Paulina Reyes\n",
        "contacts.csv": "email,client_id\nowner@maplestreetbakery.com,K01\n",
        "matters.csv": "matter_number,client_id,title\nEX-2026-0101,K01,Wage claim\n",
        "invoices.csv": "invoice_number,matter_number,amount,balance\n"
        "EX-INV-7001,EX-2026-0101,2400.00,2400.00\n",
    }
    results = run_import(factory, write_firm(tmp_path / "firm", **firm))
    assert [(r.file, r.errors) for r in results if r.errors] == []
    with factory() as session:
        matter = session.scalars(select(Matter)).one()
        assert (matter.status, matter.next_date, matter.responsible_attorney) == ("", None, None)
