"""Sender -> client -> matter identification (rules/identify.py) without a database.

`identify` asks the directory through a `Lookups` object; here that is `FakeLookups`, an
in-memory directory of `inbox.models` objects that are constructed but never added to a
session. It answers like the real one (rules/lookups.py, inbox/addresses.py,
rules/directory.py): an exact contact address first, else the client of the longest
matching domain; matters by number in the order asked; a client's open matters ordered
by number, with `rules.directory.matter_is_open` (the real rule) deciding what is open.

`identify` itself runs one query: the thread lookup, only for a known sender with
In-Reply-To or References and no own matter number. Those tests pass `ThreadSession`, a
stub whose `scalars(statement).first()` returns a chosen matter and that keeps the
statement; every other test passes `session=None`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from inbox.mail.keys import message_id_hash
from inbox.mail.parse import ParsedMessage, parse_message
from inbox.models import Attorney, Client, Contact, Invoice, Matter
from rules.identify import Identification, identify

PATTERN = r"\b[A-Z]{1,6}-\d{4}-\d{2,6}\b"  # the default INBOX_ROUTER_MATTER_PATTERN


class FakeLookups:
    """The three questions identify asks, answered from lists; every call is recorded."""

    def __init__(self, contacts: Sequence[Contact], clients: Sequence[Client]) -> None:
        self.contacts = list(contacts)
        self.clients = list(clients)
        self.calls: list[tuple[str, object]] = []
        self.last: dict[str, Matter] = {}  # address -> the matter it last wrote about

    def client_for_address(
        self, session: object, address: str
    ) -> tuple[Client | None, Contact | None]:
        self.calls.append(("client_for_address", address))
        for contact in self.contacts:
            if contact.email.lower() == address.lower():
                return contact.client, contact
        if "@" not in address:
            return None, None
        domain = address.rpartition("@")[2].lower()
        labels = domain.split(".")
        suffixes = {".".join(labels[i:]) for i in range(len(labels) - 1)}
        matching = [c for c in self.clients if c.domain in suffixes]
        return max(matching, key=lambda c: len(c.domain or ""), default=None), None

    def matters_by_number(self, session: object, numbers: Sequence[str]) -> list[Matter]:
        self.calls.append(("matters_by_number", list(numbers)))
        by_number = {m.matter_number: m for c in self.clients for m in c.matters}
        return [by_number[n] for n in numbers if n in by_number]

    def client_matters(self, session: object, client: Client) -> list[Matter]:
        self.calls.append(("client_matters", client.client_code))
        return sorted(client.matters, key=lambda m: m.matter_number)

    def last_matter(self, session: object, address: str, client: Client) -> Matter | None:
        self.calls.append(("last_matter", address))
        return self.last.get(address.lower())

    def invoices(self, session: object, client: Client) -> list[Invoice]:
        self.calls.append(("invoices", client.client_code))
        return [i for m in client.matters for i in m.invoices]

    def asked(self, question: str) -> list[object]:
        return [argument for name, argument in self.calls if name == question]


class ThreadSession:
    """Just what the thread lookup needs: `scalars(statement).first()`."""

    def __init__(self, matter: Matter | None) -> None:
        self.matter = matter
        self.statements: list[Any] = []

    def scalars(self, statement: Any) -> SimpleNamespace:
        self.statements.append(statement)
        return SimpleNamespace(first=lambda: self.matter)


# --- a small firm, in memory -------------------------------------------------------

OKAFOR = Attorney(id=1, email="margaret.okafor@harborvale.law", name="Margaret Okafor")


def _client(pk: int, code: str, domain: str | None) -> Client:
    return Client(
        id=pk, client_code=code, name=f"{code} Ltd", domain=domain, relationship_attorney=OKAFOR
    )


def _matter(pk: int, client: Client, number: str, title: str, status: str) -> Matter:
    # client_id is set by hand: nothing is flushed, and identify compares ids.
    return Matter(
        id=pk,
        matter_number=number,
        client=client,
        client_id=client.id,
        title=title,
        status=status,
        responsible_attorney=OKAFOR,
    )


ACME = _client(1, "ACME", "acme.example")  # two open matters and a closed one
ZETA = _client(2, "ZETA", "zeta.example")  # one open matter and a closed one
DUSK = _client(3, "DUSK", "dusk.example")  # only closed matters
GMAIL_CLIENT = _client(4, "SOLO", None)  # a person with a free-mail address

ACME_SUPPLY = _matter(
    10, ACME, "HV-2026-0003", "Breach of supply contract - Coastal Hull Coatings", "discovery"
)
ACME_LEASE = _matter(11, ACME, "HV-2026-0011", "Warehouse lease renewal - Pier 9", "drafting")
ACME_OLD = _matter(12, ACME, "HV-2025-0031", "Collection of unpaid invoices", "closed")
ZETA_CARGO = _matter(20, ZETA, "HV-2026-0016", "Cargo damage claim v. Harborline", "filed")
ZETA_OLD = _matter(21, ZETA, "HV-2025-0038", "LLC operating agreement amendment", "Closed")
DUSK_OLD = _matter(30, DUSK, "HV-2025-0044", "Security deposit claim", "archived 2025")
SOLO_WILL = _matter(40, GMAIL_CLIENT, "HV-2026-0017", "Estate plan - will and trust", "drafting")

ANA = Contact(id=100, email="Ana.Ruiz@acme.example", name="Ana Ruiz", client=ACME)
ZOE = Contact(id=200, email="zoe@zeta.example", name="Zoe Lind", client=ZETA)
SAM = Contact(id=400, email="sam.solo@gmail.example", name="Sam Solo", client=GMAIL_CLIENT)


@pytest.fixture
def lookups() -> FakeLookups:
    return FakeLookups([ANA, ZOE, SAM], [ACME, ZETA, DUSK, GMAIL_CLIENT])


def mail(
    sender: str | None = "ana.ruiz@acme.example",
    subject: str = "Question",
    body: str = "Hello, how are things?",
    headers: tuple[tuple[str, str], ...] = (),
) -> ParsedMessage:
    lines = [f"From: {sender}"] if sender else []
    lines += [f"Subject: {subject}", *(f"{name}: {value}" for name, value in headers)]
    return parse_message(("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode())


def quoted(new: str, history: str) -> str:
    return f"{new}\r\n\r\nOn Tue, 3 Mar 2026, Dana Reyes wrote:\r\n> {history}\r\n"


# --- who wrote it -------------------------------------------------------------------


def test_a_contacts_address_identifies_the_contact_and_its_client(lookups: FakeLookups) -> None:
    who = identify(None, mail(sender="Ana.Ruiz@Acme.Example"), PATTERN, lookups)
    assert (who.client, who.contact) == (ACME, ANA)
    assert who.sender_known
    assert lookups.asked("client_for_address") == ["ana.ruiz@acme.example"]


def test_an_unlisted_address_at_a_clients_domain_identifies_the_client_without_a_contact(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(sender="new.person@mail.zeta.example"), PATTERN, lookups)
    assert (who.client, who.contact) == (ZETA, None)
    assert who.sender_known
    assert (who.matter, who.matter_source) == (ZETA_CARGO, "only-open")


def test_an_unknown_sender_has_no_client_and_no_matter(lookups: FakeLookups) -> None:
    who = identify(None, mail(sender="stranger@elsewhere.example"), PATTERN, lookups)
    assert who == Identification()
    assert not who.sender_known
    assert who.matter_state == "none"
    assert lookups.asked("client_matters") == []


def test_a_mail_without_a_sender_address_is_never_looked_up(lookups: FakeLookups) -> None:
    who = identify(None, mail(sender=None), PATTERN, lookups)
    assert who.client is None
    assert lookups.asked("client_for_address") == []


# --- matter numbers -----------------------------------------------------------------


def test_the_clients_matter_number_in_the_subject_identifies_the_matter(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(subject="Status of HV-2026-0011?"), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_LEASE, "number")
    assert who.matter_state == "found"
    assert who.candidates == [] and who.foreign_numbers == []
    assert lookups.asked("client_matters") == []  # a number ends the search


def test_the_clients_matter_number_in_the_new_text_identifies_the_matter(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(body="Any news on hv-2026-0003 please?"), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_SUPPLY, "number")
    assert lookups.asked("matters_by_number") == [["HV-2026-0003"]]  # upper-cased


def test_numbers_are_asked_subject_first_then_new_text_then_quoted_history_once_each(
    lookups: FakeLookups,
) -> None:
    parsed = mail(
        subject="HV-2026-0011",
        body=quoted("About HV-2026-0003 and HV-2026-0011.", "Re HV-2026-0016 and HV-2026-0003"),
    )
    who = identify(None, parsed, PATTERN, lookups)
    assert lookups.asked("matters_by_number") == [["HV-2026-0011", "HV-2026-0003", "HV-2026-0016"]]
    assert (who.matter, who.matter_source) == (ACME_LEASE, "number")  # the subject's


def test_a_number_in_the_new_text_wins_over_one_only_in_quoted_history(
    lookups: FakeLookups,
) -> None:
    body = quoted("What is the next step on HV-2026-0003?", "Your matter HV-2026-0011 ...")
    who = identify(None, mail(body=body), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_SUPPLY, "number")


def test_a_number_only_in_quoted_history_still_identifies_the_matter(
    lookups: FakeLookups,
) -> None:
    # Not ignored: identify reads parsed.text (with the history) after the new text.
    parsed = mail(body=quoted("Thanks, any update?", "Your matter HV-2026-0011 is drafting."))
    assert "HV-2026-0011" not in parsed.new_text
    who = identify(None, parsed, PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_LEASE, "number")


def test_another_clients_number_is_flagged_and_never_used(lookups: FakeLookups) -> None:
    # Zeta's open matter is named by an Acme contact; Acme has two open matters.
    who = identify(None, mail(subject="About HV-2026-0016"), PATTERN, lookups)
    assert who.foreign_numbers == ["HV-2026-0016"]
    assert who.matter is None
    assert who.candidates == [ACME_SUPPLY, ACME_LEASE]
    assert who.matter_state == "ambiguous"


def test_another_clients_number_does_not_stop_the_only_open_matter_rule(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(sender="zoe@zeta.example", subject="HV-2026-0003"), PATTERN, lookups)
    assert who.foreign_numbers == ["HV-2026-0003"]
    assert (who.matter, who.matter_source) == (ZETA_CARGO, "only-open")


def test_own_number_is_used_and_another_clients_number_beside_it_is_flagged(
    lookups: FakeLookups,
) -> None:
    parsed = mail(subject="HV-2026-0016 vs HV-2026-0011")
    who = identify(None, parsed, PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_LEASE, "number")
    assert who.foreign_numbers == ["HV-2026-0016"]


def test_an_unknown_sender_naming_a_matter_number_gets_it_flagged_not_used(
    lookups: FakeLookups,
) -> None:
    who = identify(
        None, mail(sender="x@elsewhere.example", subject="HV-2026-0003"), PATTERN, lookups
    )
    assert (who.client, who.matter) == (None, None)
    assert who.foreign_numbers == ["HV-2026-0003"]


def test_a_number_not_in_the_directory_is_neither_used_nor_flagged(lookups: FakeLookups) -> None:
    who = identify(None, mail(subject="HV-2026-9999"), PATTERN, lookups)
    assert who.foreign_numbers == []
    assert who.matter is None and who.matter_state == "ambiguous"


def test_the_clients_own_closed_matter_named_by_number_is_still_identified(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(subject="Invoice on HV-2025-0031"), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_OLD, "number")


def test_the_matter_pattern_argument_decides_what_a_number_looks_like(
    lookups: FakeLookups,
) -> None:
    """Looked up and flagged across clients: what the pattern finds. The client's own
    numbers count as written whatever the pattern (below); another client's that the
    pattern misses is neither used nor flagged."""
    parsed = mail(subject="HV-2026-0016")  # ZETA's, in ACME's mail
    who = identify(None, parsed, r"\bM\d{5}\b", lookups)
    assert lookups.asked("matters_by_number") == [[]]
    assert who.matter_source != "number" and who.foreign_numbers == []
    own = identify(None, mail(subject="HV-2026-0011"), r"\bM\d{5}\b", lookups)
    assert (own.matter, own.matter_source) == (ACME_LEASE, "number")


# --- no number: thread, only open matter, title, ambiguity --------------------------


def test_the_only_open_matter_of_the_client_is_used_closed_ones_ignored(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(sender="zoe@zeta.example"), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ZETA_CARGO, "only-open")
    assert who.candidates == []


def test_several_open_matters_without_a_clue_are_ambiguous_with_open_candidates(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(subject="Status?", body="Any update?"), PATTERN, lookups)
    assert who.matter is None
    assert who.matter_source == "none"
    assert who.candidates == [ACME_SUPPLY, ACME_LEASE]  # by number; the closed one left out
    assert who.matter_state == "ambiguous"


def test_a_client_with_only_closed_matters_has_no_matter_and_no_candidates(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(sender="someone@dusk.example"), PATTERN, lookups)
    assert who.client is DUSK
    assert (who.matter, who.candidates, who.matter_state) == (None, [], "none")


def test_a_matter_title_clearly_named_picks_one_of_several_open_matters(
    lookups: FakeLookups,
) -> None:
    parsed = mail(subject="Warehouse at Pier 9", body="Where are we with the renewal?")
    who = identify(None, parsed, PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_LEASE, "title")
    assert who.candidates == []


def test_one_distinctive_title_word_picks_the_only_matter_that_has_it(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(subject="The warehouse"), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (ACME_LEASE, "title")
    assert who.evidence[ACME_LEASE.matter_number] == ["'warehouse' in the text"]


def test_words_without_a_title_word_leave_the_matter_ambiguous(lookups: FakeLookups) -> None:
    who = identify(None, mail(subject="Where are we with it all?"), PATTERN, lookups)
    assert who.matter is None and who.matter_state == "ambiguous"


def test_two_titles_named_equally_leave_the_matter_ambiguous(lookups: FakeLookups) -> None:
    parsed = mail(subject="Coastal Hull and the Warehouse at Pier 9")
    who = identify(None, parsed, PATTERN, lookups)
    assert who.matter is None
    assert who.candidates == [ACME_SUPPLY, ACME_LEASE]


def test_title_words_only_in_quoted_history_do_not_pick_a_matter(lookups: FakeLookups) -> None:
    parsed = mail(body=quoted("Any update?", "Warehouse lease renewal at Pier 9"))
    who = identify(None, parsed, PATTERN, lookups)
    assert who.matter is None and who.matter_state == "ambiguous"


REPLY_HEADERS = (("In-Reply-To", "<b@mail.acme.example>"), ("References", "<a@harborvale.law>"))


def test_a_reply_takes_the_matter_of_its_thread_before_the_only_open_matter(
    lookups: FakeLookups,
) -> None:
    session = ThreadSession(ZETA_OLD)  # the thread query does not filter on status
    parsed = mail(sender="zoe@zeta.example", subject="Re: your letter", headers=REPLY_HEADERS)
    who = identify(session, parsed, PATTERN, lookups)  # type: ignore[arg-type]
    assert (who.matter, who.matter_source) == (ZETA_OLD, "thread")
    params = session.statements[0].compile().params
    hashes = next(v for k, v in params.items() if k.startswith("message_id_hash"))
    assert set(hashes) == {
        message_id_hash("<a@harborvale.law>"),
        message_id_hash("<b@mail.acme.example>"),
    }
    client_ids = [v for k, v in params.items() if k.startswith("client_id")]
    assert client_ids == [ZETA.id]  # only the sender's client's matters


def test_a_reply_whose_thread_has_no_matter_falls_back_to_the_open_matters(
    lookups: FakeLookups,
) -> None:
    session = ThreadSession(None)
    parsed = mail(sender="zoe@zeta.example", headers=REPLY_HEADERS)
    who = identify(session, parsed, PATTERN, lookups)  # type: ignore[arg-type]
    assert len(session.statements) == 1
    assert (who.matter, who.matter_source) == (ZETA_CARGO, "only-open")


def test_a_matter_number_wins_over_the_thread_which_is_then_not_asked(
    lookups: FakeLookups,
) -> None:
    parsed = mail(subject="Re: HV-2026-0003", headers=REPLY_HEADERS)
    who = identify(None, parsed, PATTERN, lookups)  # session=None: no query may run
    assert (who.matter, who.matter_source) == (ACME_SUPPLY, "number")


def test_an_unknown_senders_reply_is_not_looked_up_in_threads(lookups: FakeLookups) -> None:
    parsed = mail(sender="x@elsewhere.example", headers=REPLY_HEADERS)
    who = identify(None, parsed, PATTERN, lookups)  # session=None: no query may run
    assert who == Identification()


def test_a_mail_that_is_not_a_reply_never_queries_the_session(lookups: FakeLookups) -> None:
    who = identify(None, mail(sender="sam.solo@gmail.example"), PATTERN, lookups)
    assert (who.client, who.contact) == (GMAIL_CLIENT, SAM)
    assert (who.matter, who.matter_source) == (SOLO_WILL, "only-open")


# --- what the rest of the product reads ---------------------------------------------


def test_as_dict_names_client_contact_matter_candidates_and_foreign_numbers(
    lookups: FakeLookups,
) -> None:
    who = identify(None, mail(subject="HV-2026-0016 and HV-2026-0011"), PATTERN, lookups)
    assert who.as_dict() == {
        "client": "ACME",
        "contact": "Ana.Ruiz@acme.example",
        "matter": "HV-2026-0011",
        "matter_source": "number",
        "matter_confidence": 1.0,
        "candidates": [],
        "foreign_matter_numbers": ["HV-2026-0016"],
        "matter_evidence": {"HV-2026-0011": ["its number HV-2026-0011"]},
    }
    ambiguous = identify(None, mail(sender="boss@acme.example"), PATTERN, lookups)
    assert ambiguous.as_dict() == {
        "client": "ACME",
        "contact": None,
        "matter": None,
        "matter_source": "none",
        "matter_confidence": 0.0,
        "candidates": ["HV-2026-0003", "HV-2026-0011"],
        "foreign_matter_numbers": [],
        "matter_evidence": {},
    }


def test_an_invoice_of_the_client_named_by_its_digits_points_at_its_matter(
    lookups: FakeLookups,
) -> None:
    invoice = Invoice(invoice_number="HV-INV-1042", matter=ACME_LEASE)
    try:
        parsed = mail(subject="Question", body="Is invoice #1042 paid?")
        who = identify(None, parsed, PATTERN, lookups)
        assert (who.matter, who.matter_source) == (ACME_LEASE, "invoice")
        assert who.evidence[ACME_LEASE.matter_number] == ["its invoice HV-INV-1042 in the text"]
    finally:
        ACME_LEASE.invoices.remove(invoice)


# --- a firm whose matter numbers do not look like the pattern -----------------------

OWN = _client(5, "OWN", "own.example")
OWN_LEASE = _matter(50, OWN, "2026/0142", "Shop lease renewal", "negotiation")
OWN_WAGES = _matter(51, OWN, "M10234", "Unpaid wages claim", "discovery")
OWN_TAX = _matter(52, OWN, "T-88.7", "Sales tax audit", "open")


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Status of 2026/0142?", "Hello, any news?", OWN_LEASE),
        ("Question", "Any news on m10234 please?", OWN_WAGES),
        ("Question", "About matter 2026 0142: where are we?", OWN_LEASE),
        ("Question", "the audit (T-88.7) and M10234: first the audit", OWN_TAX),
    ],
)
def test_the_clients_own_numbers_count_whatever_their_shape(
    subject: str, body: str, expected: Matter
) -> None:
    lookups = FakeLookups([], [OWN])
    who = identify(None, mail("pat@own.example", subject, body), PATTERN, lookups)
    assert (who.matter, who.matter_source) == (expected, "number")


def test_a_number_is_not_found_inside_a_longer_one() -> None:
    lookups = FakeLookups([], [OWN])
    who = identify(None, mail("pat@own.example", "Ref M102345 and 12026/01420"), PATTERN, lookups)
    assert who.matter_source != "number"
