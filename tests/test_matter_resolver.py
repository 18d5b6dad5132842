"""The matter resolver (rules/matter_resolver.py) on facts alone: no database, no mail
parsing. One invented client with three open matters and a closed one."""

from __future__ import annotations

from rules.matter_resolver import MailFacts, MatterFacts, resolve
from rules.matter_words import addressed_names, concepts, negated_spans

LEASE = MatterFacts(
    "XY-2026-0001", "Shop lease renewal", True, "ines.moreau@firm.example", "Inès Moreau"
)
SUPPLY = MatterFacts(
    "XY-2026-0002", "Supply agreement dispute", True, "paul.brandt@firm.example", "Paul Brandt"
)
MARK = MatterFacts(
    "XY-2026-0003",
    "Trademark application",
    True,
    "paul.brandt@firm.example",
    "Paul Brandt",
    keywords=("Bluebell", "Elm Road"),
)
OLD = MatterFacts("XY-2024-0009", "Security deposit claim", False, "ines.moreau@firm.example")
ALL = [LEASE, SUPPLY, MARK, OLD]


def test_a_number_decides_whatever_else_the_mail_says() -> None:
    found = resolve(ALL, MailFacts(new_text="Hi Inès, the trademark?", numbers=(OLD.number,)))
    assert (found.matter, found.source, found.confidence) == (OLD.number, "number", 1.0)


def test_a_greeting_names_the_attorney_and_so_the_matter() -> None:
    found = resolve(ALL, MailFacts(new_text="Hi Inès,\n\nWhere are we?"))
    assert (found.matter, found.source) == (LEASE.number, "attorney")
    assert found.explain(LEASE.number) == "addressed to its attorney"


def test_a_formal_greeting_by_last_name_counts_too() -> None:
    found = resolve(ALL, MailFacts(new_text="Dear Ms. Moreau,\nany news?"))
    assert found.matter == LEASE.number


def test_a_bare_first_name_line_is_a_greeting() -> None:
    assert addressed_names("Ines,\n\nplease call me")[0] == {"ines"}


def test_an_attorney_with_two_candidates_narrows_but_does_not_decide() -> None:
    found = resolve(ALL, MailFacts(new_text="Paul,\nany news?"))
    assert found.matter is None
    assert [c.number for c in found.candidates] == [SUPPLY.number, MARK.number]
    assert found.addressed_attorneys == ["paul.brandt@firm.example"]


def test_the_attorney_and_a_shared_word_together_decide() -> None:
    found = resolve(ALL, MailFacts(new_text="Hi Paul,\nthe agreement: is it signed?"))
    assert found.matter == SUPPLY.number


def test_a_copied_attorney_counts_like_a_greeting() -> None:
    found = resolve(ALL, MailFacts(new_text="Any news?", addressed=("Ines.Moreau@firm.example",)))
    assert (found.matter, found.explain(LEASE.number)) == (LEASE.number, "its attorney copied")


def test_one_distinctive_word_is_enough() -> None:
    found = resolve(ALL, MailFacts(subject="our trademark"))
    assert (found.matter, found.source) == (MARK.number, "title")
    assert "'trademark' in the text" in found.explain(MARK.number)


def test_a_synonym_of_a_title_word_counts() -> None:
    assert resolve(ALL, MailFacts(new_text="Did the landlord reply?")).matter == LEASE.number
    assert "=lease" in concepts("the tenancy")


def test_a_keyword_from_the_directory_counts() -> None:
    found = resolve(ALL, MailFacts(new_text="Any news about Bluebell?"))
    assert (found.matter, found.source) == (MARK.number, "keywords")
    assert found.explain(MARK.number) == "'Bluebell' in the text"


def test_stems_meet() -> None:
    assert "renewal" in concepts("renewals") and "dispute" in concepts("disputes")


def test_a_negated_matter_is_lowered() -> None:
    found = resolve(ALL, MailFacts(new_text="This isn't about the trademark. Any news?"))
    assert found.matter is None
    assert MARK.number not in [c.number for c in found.candidates]
    assert negated_spans("not the lease, the other one") == [" lease"]


def test_a_negation_leaving_one_open_matter_picks_it() -> None:
    two = [LEASE, MARK]
    found = resolve(two, MailFacts(new_text="Not about the trademark this time."))
    assert (found.matter, found.source) == (LEASE.number, "only-open")


def test_not_sure_is_not_a_negation() -> None:
    assert negated_spans("I'm not sure the lease is signed") == []


def test_a_closed_matter_is_chosen_only_when_the_mail_names_it() -> None:
    """Two words of its title (or a keyword) name a closed matter: the client writes
    about the old case, and its attorney should get it, not the only open matter. One
    shared word, a greeting or the contact's habits never reopen it."""
    named = resolve(ALL, MailFacts(new_text="What about the security deposit?"))
    assert (named.matter, named.source) == (OLD.number, "title")
    assert "a closed matter the mail names" in named.explain(OLD.number)
    for text in ("What about the deposit?", "Any news on the claim?"):
        found = resolve(ALL, MailFacts(new_text=text))
        assert OLD.number not in [c.number for c in found.candidates]
    paid = MailFacts(new_text="Paid the last invoice.", invoices=(("INV-7", OLD.number),))
    assert resolve(ALL, paid).matter == OLD.number


def test_a_closed_matter_named_beats_the_only_open_one() -> None:
    """A client with one open matter writes about their closed lease assignment, to
    the attorney who handled it."""
    eeoc = MatterFacts("ZZ-2026-0008", "EEOC charge (Kline)", True, "a@firm.example", "Ann Ode")
    lease = MatterFacts(
        "ZZ-2025-0009", "Office lease assignment", False, "v@firm.example", "Vic Sal"
    )
    mail = MailFacts(new_text="Hi Vic,\n\nThe landlord says the lease was never assigned?")
    assert resolve([eeoc, lease], mail).matter == lease.number
    assert resolve([eeoc, lease], MailFacts(new_text="Hi Vic, any news?")).matter == eeoc.number


def test_the_thread_outweighs_a_greeting() -> None:
    found = resolve(ALL, MailFacts(new_text="Hi Paul,\nthanks", thread_matter=LEASE.number))
    assert (found.matter, found.source) == (LEASE.number, "thread")


def test_the_contacts_last_matter_breaks_a_tie_only() -> None:
    found = resolve(ALL, MailFacts(new_text="Any news?", last_matter=MARK.number))
    assert found.matter == MARK.number
    word = resolve(ALL, MailFacts(new_text="Did the landlord reply?", last_matter=MARK.number))
    assert word.matter == LEASE.number


def test_no_evidence_leaves_every_open_matter_a_candidate() -> None:
    found = resolve(ALL, MailFacts(new_text="Any news?"))
    assert (found.matter, found.source, found.confidence) == (None, "none", 0.0)
    assert [c.number for c in found.candidates] == [LEASE.number, SUPPLY.number, MARK.number]


def test_the_only_open_matter_is_used_without_other_evidence() -> None:
    found = resolve([LEASE, OLD], MailFacts(new_text="Any news?"))
    assert (found.matter, found.source) == (LEASE.number, "only-open")


def test_will_as_a_verb_is_not_an_estate() -> None:
    assert "=estate" not in concepts("I will call you")
    assert "=estate" in concepts("Is my will signed?")


def test_an_invoice_of_the_matter_named_in_the_mail_decides_almost_like_a_number() -> None:
    found = resolve(
        ALL, MailFacts(new_text="About the trademark", invoices=(("INV-77", LEASE.number),))
    )
    assert (found.matter, found.source) == (LEASE.number, "invoice")
    assert "its invoice INV-77 in the text" in found.explain(LEASE.number)


def test_a_word_of_one_matters_next_step_counts_a_little() -> None:
    steps = [
        LEASE,
        MatterFacts(SUPPLY.number, SUPPLY.title, True, next_step="Send the demand letter"),
        MARK,
    ]
    found = resolve(steps, MailFacts(new_text="Did the demand letter go out?"))
    assert (found.matter, found.source) == (SUPPLY.number, "next-step")
