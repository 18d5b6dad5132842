"""Billing drafts answer the invoices asked about, per intent, from the records alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from inbox.models import Attorney, Client, Invoice, Matter, Payment, TrustBalance
from inbox.settings import Settings
from rules.billing import (
    BillingRecords,
    amounts_in,
    asked_invoices,
    billing_data,
    billing_intent_data,
    invoices_named,
)
from rules.drafting import MissingData, render

TODAY = dt.date(2026, 11, 20)
TEMPLATES = Settings().templates_dir
LAWYER = Attorney(id=1, email="ines@firm.example", name="Ines Ortega")
CLIENT = Client(id=1, client_code="C1", name="Greenway Dental")
LEASE = Matter(id=1, matter_number="M-1", title="Lease renewal", responsible_attorney=LAWYER)
SALE = Matter(id=2, matter_number="M-2", title="Practice sale", responsible_attorney=LAWYER)


def invoice(
    pk: int, number: str, matter: Matter, amount: str, balance: str, **kw: object
) -> Invoice:
    return Invoice(
        id=pk,
        invoice_number=number,
        matter=matter,
        matter_id=matter.id,
        issued=kw.get("issued", dt.date(2026, 9, 1)),
        due=kw.get("due", dt.date(2026, 10, 1)),
        amount=Decimal(amount),
        balance=Decimal(balance),
        status=str(kw.get("status", "open")),
    )


INVOICES = [
    invoice(1, "AK-INV-5201", LEASE, "1200.00", "1200.00"),
    invoice(2, "AK-INV-5202", SALE, "3150.25", "0.00", status="paid"),
    invoice(3, "AK-INV-5203", SALE, "980.00", "980.00", status="disputed"),
]


def data(intent: str, text: str, records: BillingRecords | None = None, **kw: object) -> dict:
    return billing_intent_data(
        intent,
        text,
        records or BillingRecords(CLIENT, INVOICES),
        kw.get("matter"),  # type: ignore[arg-type]
        str(kw.get("source", "none")),
        TODAY,
        str(kw.get("instructions", "Pay by card on the invoice link.")),
    )


def numbers(d: dict) -> list[str]:
    return [row["number"] for row in d["invoices"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("did our $1,200 check arrive", {Decimal("1200.00")}),
        ("Betrag 3.150,25 €", {Decimal("3150.25")}),
        ("amount 3150.25", {Decimal("3150.25")}),
    ],
)
def test_amounts_in_text(text: str, expected: set[Decimal]) -> None:
    assert expected <= amounts_in(text)


def test_invoices_asked_by_number_then_amount_then_matter() -> None:
    assert asked_invoices("about invoice 5203 please", INVOICES, None, "none") == (
        [INVOICES[2]],
        "number",
    )
    assert asked_invoices("we sent $3,150.25 last week", INVOICES, None, "none") == (
        [INVOICES[1]],
        "amount",
    )
    found, how = asked_invoices("the lease bill", INVOICES, LEASE, "title")
    assert (found, how) == ([INVOICES[0]], "matter")
    # The client's only open matter is no sign of what the mail asks about.
    assert asked_invoices("what do we owe", INVOICES, LEASE, "only-open") == ([], "")


def test_balance_lists_only_the_invoice_asked_about() -> None:
    assert numbers(data("balance", "what is left on AK-INV-5201?")) == ["AK-INV-5201"]


def test_balance_without_an_invoice_named_lists_the_open_ones() -> None:
    assert numbers(data("balance", "what do we owe?")) == ["AK-INV-5201", "AK-INV-5203"]


def test_a_disputed_invoice_is_never_past_due_and_goes_to_its_attorney() -> None:
    d = data("dispute_or_error", "invoice 5203 is wrong")
    assert numbers(d) == ["AK-INV-5203"]
    assert d["invoices"][0]["overdue"] is False
    assert any("ines@firm.example" in w for w in d["warnings"])
    assert data("balance", "balance?")["invoices"][1]["overdue"] is False


def test_a_dispute_naming_no_invoice_goes_to_a_person() -> None:
    with pytest.raises(MissingData, match="names no invoice"):
        data("dispute_or_error", "your bill is wrong")


def test_payment_confirmation_of_an_open_invoice_says_none_is_recorded_yet() -> None:
    d = data("payment_confirmation", "did our check for invoice 5201 arrive?")
    assert numbers(d) == ["AK-INV-5201"] and d["not_recorded"] == ["AK-INV-5201"]
    assert d["payments"] == []
    assert any(
        "no payments.csv imported" in w and "check with accounts" in w for w in d["warnings"]
    )


def test_payment_confirmation_names_no_warning_for_a_recorded_payment() -> None:
    d = data("payment_confirmation", "did you get our payment for invoice 5202")
    assert "not_recorded" not in d and d["warnings"] == []


def test_payment_confirmation_states_the_recorded_payment() -> None:
    paid = Payment(
        invoice_id=1,
        paid_on=dt.date(2026, 11, 3),
        amount=Decimal("1200"),
        method="check",
        reference="1042",
    )
    records = BillingRecords(CLIENT, INVOICES, [paid], payments_on_file=True)
    d = data("payment_confirmation", "did our check for $1,200 arrive?", records)
    assert d["payments"][0]["invoice"] == "AK-INV-5201"
    assert d["payments"][0]["date"] == "November 3, 2026"


def test_payment_confirmation_of_an_invoice_recorded_as_paid() -> None:
    d = data("payment_confirmation", "did you get our payment for invoice 5202")
    assert numbers(d) == ["AK-INV-5202"] and d["invoices"][0]["paid"]


def test_retainer_answers_from_trust_balances_only() -> None:
    with pytest.raises(MissingData, match=r"trust\.csv"):
        data("retainer_or_trust", "how much of my retainer is left?")
    trust = TrustBalance(client_id=1, matter_id=None, balance=Decimal("3200"), as_of=TODAY)
    d = data("retainer_or_trust", "retainer left?", BillingRecords(CLIENT, INVOICES, trust=[trust]))
    assert d["trust"][0]["balance"] == "$3,200.00" and d["invoices"] == []


def test_payment_method_never_invents_bank_details() -> None:
    with pytest.raises(MissingData, match="payment instructions"):
        data("payment_method", "ACH details?", instructions="")


@pytest.mark.parametrize("intent", ["tax_form", "rates"])
def test_questions_the_records_cannot_answer_go_to_a_person(intent: str) -> None:
    with pytest.raises(MissingData):
        data(intent, "please")


def test_an_invoice_copy_attaches_the_pdf_on_file_and_flags_one_that_is_not() -> None:
    on_file = BillingRecords(CLIENT, INVOICES, documents=frozenset({"invoices/AK-INV-5201.pdf"}))
    d = data("invoice_copy", "please resend invoices 5201 and 5203", on_file)
    assert d["attachments"] == ["invoices/AK-INV-5201.pdf"]
    assert [r["attached"] for r in d["invoices"]] == [True, False]
    assert any("AK-INV-5203" in w and "no PDF" in w for w in d["warnings"])


def test_a_w9_is_attached_when_the_firm_keeps_one() -> None:
    records = BillingRecords(CLIENT, INVOICES, documents=frozenset({"w9.pdf"}))
    assert data("tax_form", "W-9 please", records)["attachments"] == ["w9.pdf"]


PAST_DUE_WORDS = ("past due", "overdue", "vencida", "überfällig", "en retard")
LISTING_INTENTS = (
    "balance",
    "invoice_copy",
    "payment_confirmation",
    "dispute_or_error",
    "payment_method",
    "payment_plan",
)


@pytest.mark.parametrize("language", ["", "es/", "de/", "fr/"])
@pytest.mark.parametrize("intent", ["query", *LISTING_INTENTS])
def test_no_template_calls_a_disputed_invoice_past_due(intent: str, language: str) -> None:
    """The disputed invoice is weeks past its due date with a balance: every template
    that lists invoices, in every language, says it is under review, never past due."""
    disputed = INVOICES[2]
    assert disputed.due < TODAY and disputed.balance > 0
    if intent == "query":
        d = billing_data("Firm", "Ana", CLIENT, INVOICES, "Pay by card.", TODAY)
    else:
        paid = Payment(invoice_id=3, paid_on=TODAY, amount=Decimal(1), method="ach", reference="")
        records = BillingRecords(CLIENT, INVOICES, [paid], payments_on_file=True)
        d = {"firm_name": "Firm", **data(intent, "about invoice AK-INV-5203", records)}
    assert [row["number"] for row in d["invoices"] if row["disputed"]] == ["AK-INV-5203"]
    assert not any(row["overdue"] for row in d["invoices"] if row["disputed"])
    rendered = render(TEMPLATES, f"client/{language}billing_{intent}", "Re: x", d)
    for text in (rendered.body_text, rendered.body_html):
        row = next(line for line in text.splitlines() if "AK-INV-5203" in line)
        assert not any(word in row.lower() for word in PAST_DUE_WORDS), row


CONFIRMATION, DISPUTE = "payment_confirmation", "dispute_or_error"


@pytest.mark.parametrize(
    ("intent", "language", "one", "several"),
    [
        (CONFIRMATION, "", "for invoice AK-INV-5201.", "for invoices AK-INV-5201, AK-INV-5203."),
        (
            CONFIRMATION,
            "de/",
            "Für Rechnung AK-INV-5201 ist",
            "Für die Rechnungen AK-INV-5201, AK-INV-5203 ist",
        ),
        (
            CONFIRMATION,
            "es/",
            "de la factura AK-INV-5201.",
            "de las facturas AK-INV-5201, AK-INV-5203.",
        ),
        (
            CONFIRMATION,
            "fr/",
            "pour la facture AK-INV-5201.",
            "pour les factures AK-INV-5201, AK-INV-5203.",
        ),
        (CONFIRMATION, "", "the invoice stands now", "the invoices stand now"),
        (CONFIRMATION, "de/", "Stand der Rechnung:", "Stand der Rechnungen:"),
        (CONFIRMATION, "es/", "actual de la factura:", "actual de las facturas:"),
        (CONFIRMATION, "fr/", "Où en est la facture", "Où en sont les factures"),
        (DISPUTE, "", "the invoice below", "the invoices below"),
        (DISPUTE, "de/", "zur folgenden Rechnung", "zu den folgenden Rechnungen"),
        (DISPUTE, "es/", "la factura siguiente", "las facturas siguientes"),
        (DISPUTE, "fr/", "la facture ci-dessous", "les factures ci-dessous"),
    ],
)
def test_a_draft_names_one_invoice_or_several(
    intent: str, language: str, one: str, several: str
) -> None:
    """The sentences a client reads agree with how many invoices they name, in each
    language: a payment not recorded, where the invoices stand, a dispute passed on."""
    for asked, expected in (("AK-INV-5201", one), ("AK-INV-5201 and AK-INV-5203", several)):
        d = {"firm_name": "Firm", **data(intent, f"did our check for {asked} arrive?")}
        rendered = render(TEMPLATES, f"client/{language}billing_{intent}", "Re: x", d)
        assert expected in rendered.body_text and expected in rendered.body_html


@pytest.mark.parametrize(
    "text",
    [
        "did you get invoices 5201 and 5203?",
        "invoices 5201, 5203",
        "invoice #5201 & #5203",
        "Rechnungen Nr. 5201 und 5203",
        "las facturas 5201 y 5203",
    ],
)
def test_a_list_of_invoice_numbers_names_each(text: str) -> None:
    assert [i.invoice_number for i in invoices_named(text, INVOICES)] == [
        "AK-INV-5201",
        "AK-INV-5203",
    ]


OPEN_WORDS = (
    "open on your account",
    "offene",
    "factura pendiente",
    "facturas pendientes",
    "en attente",
)


@pytest.mark.parametrize("language", ["", "es/", "de/", "fr/"])
@pytest.mark.parametrize("intent", ["payment_method", "payment_plan"])
def test_a_paid_invoice_is_never_listed_as_open(intent: str, language: str) -> None:
    """Asked how to pay the sale's fees (its one invoice paid in full): the draft states
    where that invoice stands, and does not call it open; with an open one, as before."""
    paid_only = BillingRecords(CLIENT, [INVOICES[1]])
    paid = {
        "firm_name": "Firm",
        **data(intent, "how can my dad pay the sale?", paid_only, matter=SALE, source="title"),
    }
    assert numbers(paid) == ["AK-INV-5202"] and not paid["all_open"]
    rendered = render(TEMPLATES, f"client/{language}billing_{intent}", "Re: x", paid)
    for text in (rendered.body_text, rendered.body_html):
        assert "AK-INV-5202" in text
        assert not any(word in text.lower() for word in OPEN_WORDS), text
    owed = {"firm_name": "Firm", **data(intent, "how do I pay?")}
    assert owed["all_open"]
    rendered = render(TEMPLATES, f"client/{language}billing_{intent}", "Re: x", owed)
    assert any(word in rendered.body_text.lower() for word in OPEN_WORDS)


@pytest.mark.parametrize(
    ("language", "one", "several"),
    [
        ("", "This invoice is open:", "These invoices are open:"),
        ("de/", "Diese Rechnung ist offen:", "Diese Rechnungen sind offen:"),
        ("es/", "Esta factura está pendiente:", "Estas facturas están pendientes:"),
        ("fr/", "Cette facture est en attente", "Ces factures sont en attente"),
    ],
)
def test_the_general_billing_draft_names_one_open_invoice_in_the_singular(
    language: str, one: str, several: str
) -> None:
    for invoices, expected in ((INVOICES[:1], one), (INVOICES, several)):
        d = billing_data("Firm", "Ana", CLIENT, invoices, "Pay by card.", TODAY)
        rendered = render(TEMPLATES, f"client/{language}billing_query", "Re: x", d)
        assert expected in rendered.body_text and expected in rendered.body_html
