"""Which invoices a billing mail asks about, and what each billing intent's draft says.

A client asking "did our check for $1,200 arrive?" wants that one invoice, not a list
of everything open. The invoices asked about are found, in order, by their number in
the mail, by an amount the mail states (an invoice's amount or balance, to the cent),
or by the matter the mail is about; failing all three, a question about the account
(balance, how to pay) covers the open invoices, and a question about one invoice (a
dispute, a payment) goes to a person to ask which.

Pure: the router hands in the records it read; a question the records cannot answer
raises MissingData with the reason, and the message goes to triage with it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from inbox.models import Client, Invoice, Matter, Payment, TrustBalance
from rules.drafting import MissingData, long_date, money

# Matter sources that come from what the mail says (not "the client's only open matter").
MATTER_SOURCES_FROM_MAIL = frozenset(
    {"number", "thread", "invoice", "attorney", "keywords", "title", "next-step"}
)
# Intents about the account as a whole: with no invoice named, the open ones answer them.
ACCOUNT_INTENTS = frozenset({"balance", "payment_method", "payment_plan", "invoice_copy"})
W9_DOCUMENT = "w9.pdf"  # where import-directory stores the firm's W-9
DISPUTED = frozenset({"disputed", "dispute", "on hold", "in dispute"})

_AMOUNT = re.compile(
    r"(?:[$€£]\s?|usd\s?|eur\s?)?(?<![\w.,])(\d{1,3}(?:[,.' ]\d{3})+|\d+)(?:([.,])(\d{2}))?(?![\d])"
    r"(?:\s?(?:usd|eur|dollars?|euros?|dólares|€|\$))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BillingRecords:
    """What the firm's records hold for one client, as routing read them."""

    client: Client
    invoices: Sequence[Invoice]
    payments: Sequence[Payment] = ()
    trust: Sequence[TrustBalance] = ()
    payments_on_file: bool = False  # the firm imported payments.csv at all
    documents: frozenset[str] = frozenset()  # firm documents on file, by name


# "invoice 5201", "invoices 5201 and 5203", "Rechnungen Nr. 5201, 5203", "facturas 5201 y
# 5203": an invoice word, singular or plural, then one number or a list of them.
_INVOICE_LIST = re.compile(
    r"(?<!\w)(?:invoices?|invs?|rechnung(?:en)?|facturas?|factures?)\.?\s*"
    r"(?:nos?\.?|numbers?|nrn?\.?|n[º°o]s?\.?|#)?\s*"
    r"(#?\s*\d{3,}(?:\s*(?:,|/|&|and|or|y|o|und|oder|et|ou)\s*#?\s*\d{3,})*)(?!\d)",
    re.IGNORECASE,
)


def invoices_named(text: str, invoices: Sequence[Invoice]) -> list[Invoice]:
    """The client's invoices the text names, in full ('AK-INV-5201') or by the digits
    the number ends with ('invoice 5201', '#5201', 'Rechnung Nr. 5201', 'invoices 5201
    and 5203')."""
    listed = {
        int(digits)
        for match in _INVOICE_LIST.finditer(text)
        for digits in re.findall(r"\d{3,}", match.group(1))
    }
    named = []
    for invoice in invoices:
        number = invoice.invoice_number
        digits = re.search(r"\d{3,}$", number)
        ending = int(digits.group(0)) if digits else None
        if ending in listed:
            named.append(invoice)
            continue
        short = rf"|#0*{ending}(?!\d)" if ending is not None else ""
        if re.search(rf"(?<!\w){re.escape(number)}(?!\w){short}", text, re.I):
            named.append(invoice)
    return named


def amounts_in(text: str) -> set[Decimal]:
    """Money amounts the text states: '$1,200', '1.200,50 €', '3150.25'."""
    found = set()
    for match in _AMOUNT.finditer(text):
        whole, _, cents = match.groups()
        digits = re.sub(r"[,.' ]", "", whole)
        try:
            found.add(Decimal(f"{digits}.{cents or '00'}"))
        except InvalidOperation:
            continue
    return found


def asked_invoices(
    text: str, invoices: Sequence[Invoice], matter: Matter | None, matter_source: str
) -> tuple[list[Invoice], str]:
    """(the invoices the mail asks about, how they were found: number / amount / matter),
    or ([], "") when it names none."""
    named = invoices_named(text, invoices)
    if named:
        return named, "number"
    amounts = amounts_in(text)
    by_amount = [i for i in invoices if amounts & {i.amount, i.balance} and i.amount > 0]
    if by_amount:
        return by_amount, "amount"
    if matter is not None and matter_source in MATTER_SOURCES_FROM_MAIL:
        of_matter = [i for i in invoices if i.matter_id == matter.id]
        open_of_matter = [i for i in of_matter if i.balance > 0]
        if open_of_matter or of_matter:
            return open_of_matter or of_matter, "matter"
    return [], ""


def is_disputed(invoice: Invoice) -> bool:
    return invoice.status.strip().lower() in DISPUTED


def invoice_row(invoice: Invoice, today: dt.date) -> dict[str, Any]:
    """An invoice as a client may read it: a disputed one is never called past due."""
    if invoice.issued is None or invoice.due is None:
        raise MissingData(f"invoice {invoice.invoice_number} has no issue or due date")
    return {
        "number": invoice.invoice_number,
        "matter_title": invoice.matter.title if invoice.matter else None,
        "issued": long_date(invoice.issued),
        "due": long_date(invoice.due),
        "amount": money(invoice.amount),
        "balance": money(invoice.balance),
        "paid": invoice.balance <= 0,
        "disputed": is_disputed(invoice),
        "overdue": invoice.balance > 0 and invoice.due < today and not is_disputed(invoice),
    }


def _by_due(invoices: Sequence[Invoice]) -> list[Invoice]:
    return sorted(invoices, key=lambda i: (i.due or dt.date.max, i.invoice_number))


def billing_data(
    firm_name: str,
    contact_name: str | None,
    client: Client,
    invoices: Sequence[Invoice],
    payment_instructions: str,
    today: dt.date,
) -> dict[str, Any]:
    """The general billing draft's data (a rules file's own `client/billing_query`): the
    open invoices as `invoice_row` writes them, so a disputed one is never past due."""
    open_invoices = [i for i in invoices if i.balance > 0]
    return {
        "firm_name": firm_name,
        "contact_name": contact_name,
        "client_name": client.name,
        "invoices": [invoice_row(i, today) for i in _by_due(open_invoices)],
        "total_outstanding": money(sum((i.balance for i in open_invoices), Decimal(0))),
        "payment_instructions": payment_instructions,
    }


def billing_intent_data(
    intent: str,
    text: str,
    records: BillingRecords,
    matter: Matter | None,
    matter_source: str,
    today: dt.date,
    payment_instructions: str,
) -> dict[str, Any]:
    """The data of the billing draft for `intent` (the name after 'billing.'), with
    `invoices` (what it states) and `warnings` (what a person confirms before sending).
    Raises MissingData when the records cannot answer."""
    asked, how = asked_invoices(text, records.invoices, matter, matter_source)
    open_invoices = [i for i in records.invoices if i.balance > 0]
    if not asked and intent in ACCOUNT_INTENTS:
        asked = open_invoices
    chosen = _by_due(asked)
    data: dict[str, Any] = {
        "client_name": records.client.name,
        "invoices": [invoice_row(i, today) for i in chosen],
        "asked_by": how,
        # every invoice listed has a balance: else a list is not "open on your account"
        "all_open": all(i.balance > 0 for i in chosen),
        "total_outstanding": money(sum((i.balance for i in chosen), Decimal(0))),
        "warnings": [],
    }
    answer = _ANSWERS.get(intent)
    if answer is None:
        raise MissingData(_CANNOT.get(intent, f"no template answers billing.{intent}"))
    answer(data, chosen, records, matter, today, payment_instructions)
    return data


def _balance(data: dict[str, Any], chosen: list[Invoice], *rest: Any) -> None:
    payment_instructions = rest[-1]
    if any(is_disputed(i) for i in chosen):
        data["warnings"].append("an invoice listed is disputed: its attorney confirms first")
    if any(i.balance > 0 for i in chosen):
        data["payment_instructions"] = _instructions(payment_instructions)


def _payment_method(data: dict[str, Any], chosen: list[Invoice], *rest: Any) -> None:
    data["payment_instructions"] = _instructions(rest[-1])


def _instructions(text: str) -> str:
    if not text.strip():
        raise MissingData(
            "the firm has no payment instructions configured (INBOX_ROUTER_PAYMENT_INSTRUCTIONS)"
        )
    return text


def _payment_confirmation(
    data: dict[str, Any], chosen: list[Invoice], records: BillingRecords, *rest: Any
) -> None:
    if not chosen:
        raise MissingData("payment confirmation: the mail names no invoice or amount to check")
    ids = {i.id for i in chosen}
    payments = sorted((p for p in records.payments if p.invoice_id in ids), key=lambda p: p.paid_on)
    paid_ids = {p.invoice_id for p in payments}
    # An open invoice with no payment recorded against it: the draft says so plainly
    # (a payment can take days to reach the records) and a person checks with accounts
    # before it goes out, rather than the client getting no answer at all.
    unrecorded = [i.invoice_number for i in chosen if i.balance > 0 and i.id not in paid_ids]
    if unrecorded:
        data["not_recorded"] = unrecorded
        where = "" if records.payments_on_file else " (no payments.csv imported)"
        data["warnings"].append(
            f"no payment recorded for {', '.join(unrecorded)}{where}: "
            "check with accounts before sending"
        )
    numbers = {i.id: i.invoice_number for i in chosen}
    data["payments"] = [
        {
            "invoice": numbers[p.invoice_id],
            "date": long_date(p.paid_on),
            "amount": money(p.amount),
            "method": p.method,
            "reference": p.reference,
        }
        for p in payments
    ]


def _dispute(
    data: dict[str, Any],
    chosen: list[Invoice],
    records: BillingRecords,
    matter: Matter | None,
    *rest: Any,
) -> None:
    if not chosen:
        raise MissingData("billing dispute: the mail names no invoice; a person asks which")
    lawyers = {
        i.matter.responsible_attorney.email: i.matter.responsible_attorney.name
        for i in chosen
        if i.matter is not None and i.matter.responsible_attorney is not None
    }
    data["attorney_names"] = ", ".join(n or e for e, n in lawyers.items()) or None
    who = ", ".join(lawyers) or "the responsible attorney"
    data["warnings"].append(f"disputed invoice: {who} reviews it before this is sent")
    for row in data["invoices"]:
        row["overdue"] = False  # a questioned invoice is never called past due


def _payment_plan(data: dict[str, Any], chosen: list[Invoice], *rest: Any) -> None:
    if not chosen:
        raise MissingData("payment plan: no open invoice on record to plan")
    data["warnings"].append(
        "payment plan request: a person agrees the terms; the draft only acknowledges it"
    )


def _retainer(
    data: dict[str, Any],
    chosen: list[Invoice],
    records: BillingRecords,
    matter: Matter | None,
    *rest: Any,
) -> None:
    balances = list(records.trust)
    if matter is not None:
        balances = [t for t in balances if t.matter_id in (matter.id, None)] or balances
    if not balances:
        raise MissingData("retainer or trust: no trust balance on record (import trust.csv)")
    data["invoices"] = []  # the answer is the trust balance, not the invoices
    data["trust"] = [
        {
            "matter_title": t.matter.title if t.matter else None,
            "balance": money(t.balance),
            "as_of": long_date(t.as_of),
        }
        for t in balances
    ]


def invoice_document(number: str) -> str:
    return f"invoices/{number}.pdf"


def _invoice_copy(
    data: dict[str, Any], chosen: list[Invoice], records: BillingRecords, *rest: Any
) -> None:
    if not chosen:
        raise MissingData("invoice copy: the mail names no invoice and none is open")
    on_file = [
        i.invoice_number for i in chosen if invoice_document(i.invoice_number) in records.documents
    ]
    data["attachments"] = [invoice_document(n) for n in on_file]
    for row in data["invoices"]:
        row["attached"] = row["number"] in on_file
    missing = [i.invoice_number for i in chosen if i.invoice_number not in on_file]
    if missing:
        data["warnings"].append(
            "no PDF on file for " + ", ".join(missing) + " (the directory's invoices/ folder): "
            "the draft restates the invoice; attach the PDF or say it will follow"
        )


def _tax_form(
    data: dict[str, Any], chosen: list[Invoice], records: BillingRecords, *rest: Any
) -> None:
    if W9_DOCUMENT not in records.documents:
        raise MissingData(
            "tax form: no W-9 on file (w9.pdf in the firm directory); a person sends it"
        )
    data["invoices"] = []
    data["attachments"] = [W9_DOCUMENT]


_ANSWERS = {
    "invoice_copy": _invoice_copy,
    "tax_form": _tax_form,
    "balance": _balance,
    "payment_method": _payment_method,
    "payment_confirmation": _payment_confirmation,
    "dispute_or_error": _dispute,
    "payment_plan": _payment_plan,
    "retainer_or_trust": _retainer,
}
# Intents whose answer is a file or a figure the records here do not hold.
_CANNOT = {
    "rates": "rates: the records hold no rate card; a person answers",
}
