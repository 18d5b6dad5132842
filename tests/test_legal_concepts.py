"""Two levels of legal concepts (rules/legal_concepts.py) in the matter resolver, on
facts alone: a specific concept tells two matters of one client in one practice area
apart, the area alone still finds the only matter in it, an area word shared by two
matters decides nothing, and a word of one area never links a matter of another."""

from __future__ import annotations

from collections import defaultdict

import pytest

from rules.legal_concepts import AREAS
from rules.matter_resolver import MailFacts, MatterFacts, resolve
from rules.matter_words import concepts, fold


def open_matters(*titles: str) -> list[MatterFacts]:
    return [MatterFacts(f"M-{i}", title, True) for i, title in enumerate(titles, 1)]


ORTEGA = open_matters(
    "Family-based green card (adjustment of status)",
    "Naturalization (N-400) for Tomás Ortega",
    "Purchase of 14 Cedar Lane",
)

ESTATES = open_matters(
    "Estate plan - will and revocable trust", "Probate of Ruth Whitfield's estate"
)
FAMILY = open_matters(
    "Divorce - Kowalski", "Parenting plan modification", "Child support enforcement"
)
STAFF = open_matters("EEOC charge - R. Gomez", "Severance negotiation - VP", "Non-compete review")
HOMES = open_matters("Home purchase - 12 Oak Street", "Quiet title - lot 7 boundary")
RENTALS = open_matters("Eviction - Unit 4B", "Security deposit dispute - Unit 7C", "Lease renewal")

# (client's matters, mail, the matter it is about): two or three matters of one area.
TOLD_APART = {
    "immigration: citizenship is the naturalization": (
        ORTEGA,
        "Any news on the citizenship interview?",
        "M-2",
    ),
    "immigration: a form number is the green card": (
        ORTEGA,
        "did the i485 receipt notice come yet",
        "M-1",
    ),
    "immigration: in Spanish": (ORTEGA, "¿Ya hay fecha para la ciudadanía?", "M-2"),
    "estate: letters testamentary are the probate": (
        ESTATES,
        "Has the court issued my letters testamentary yet?",
        "M-2",
    ),
    "estate: my will is the estate plan": (
        ESTATES,
        "Can we move the signing of my will to Friday?",
        "M-1",
    ),
    "family: visitation is the custody": (
        FAMILY,
        "did marks lawyer send back the visitation schedule??",
        "M-2",
    ),
    "family: alimony is the divorce": (
        FAMILY,
        "When will the judge rule on alimony?",
        "M-1",
    ),
    "family: in Spanish, the support": (
        FAMILY,
        "Otra vez no pagó la pensión alimenticia",
        "M-3",
    ),
    "employment: a position statement is the EEOC charge": (
        STAFF,
        "Has our position statement gone in?",
        "M-1",
    ),
    "employment: a no-poach clause is the non-compete": (
        STAFF,
        "Can new hires sign a no-poach clause instead?",
        "M-3",
    ),
    "IP: counterfeits are the infringement, not the registration": (
        open_matters(
            "NORTHWIND PRO trademark application",
            "Trademark infringement - Harbor Gear",
            "Breach of supply contract",
        ),
        "The counterfeit listings are back on Amazon.",
        "M-2",
    ),
    "real estate: a closing disclosure is the purchase": (
        HOMES,
        "Has escrow sent the closing disclosure?",
        "M-1",
    ),
    "real estate: an easement is the title dispute": (
        HOMES,
        "Did the neighbor answer about the easement?",
        "M-2",
    ),
    "landlord-tenant: a writ is the eviction": (
        RENTALS,
        "Has the writ of restitution been issued?",
        "M-1",
    ),
    "landlord-tenant: an option to renew is the renewal": (
        RENTALS,
        "Is the option to renew in the redline?",
        "M-3",
    ),
    "tax: a deficiency notice is the audit": (
        open_matters("IRS audit of 2023", "2025 tax return preparation"),
        "We got a notice of deficiency in the mail",
        "M-1",
    ),
    "business: a term sheet is the financing": (
        open_matters("Series A financing", "Acquisition of Beta Tools"),
        "Is the term sheet final?",
        "M-1",
    ),
    "criminal: a breath test is the DUI": (
        open_matters("DUI - March arrest", "Expungement of 2015 conviction"),
        "When do we get the breathalyzer results?",
        "M-1",
    ),
    "debt: a notice of default is the foreclosure": (
        open_matters("Chapter 13 bankruptcy", "Foreclosure defense - 9 Elm Street"),
        "The bank sent another notice of default",
        "M-2",
    ),
    "injury: the other driver is the car accident": (
        open_matters("Car accident on I-5", "Slip and fall at Fresh Mart"),
        "The uninsured motorist adjuster called me",
        "M-1",
    ),
}


@pytest.mark.parametrize("case", TOLD_APART)
def test_a_specific_concept_tells_two_matters_of_one_area_apart(case: str) -> None:
    matters, text, expected = TOLD_APART[case]
    found = resolve(matters, MailFacts(new_text=text))
    assert (found.matter, found.source) == (expected, "title"), found.candidates


def test_an_area_word_finds_the_only_matter_of_its_area() -> None:
    matters = open_matters("Naturalization (N-400)", "Office lease renewal")
    found = resolve(matters, MailFacts(new_text="Any news from USCIS on my immigration case?"))
    assert (found.matter, found.source) == ("M-1", "title")
    family = open_matters("Custody modification", "Home purchase - 12 Oak Street")
    assert resolve(family, MailFacts(new_text="When is family court?")).matter == "M-1"


def test_an_area_word_two_matters_share_decides_nothing() -> None:
    found = resolve(ORTEGA, MailFacts(new_text="Any news on my immigration case?"))
    assert (found.matter, found.confidence) == (None, 0.0)
    scores = {c.number: c.score for c in found.candidates}
    assert scores["M-1"] == scores["M-2"] > scores.get("M-3", 0.0)


def test_a_word_of_one_area_links_no_matter_of_another() -> None:
    """'work permit' once read as zoning (a permit), 'real estate' as an estate."""
    visa = open_matters("Zoning variance for the new clinic", "H-1B for Dr. Rao")
    assert resolve(visa, MailFacts(new_text="Has the work permit arrived?")).matter == "M-2"
    house = open_matters("Probate of mother's will", "Home purchase - 12 Oak Street")
    found = resolve(house, MailFacts(new_text="When is the real estate closing?"))
    assert found.matter == "M-2" and found.explain("M-1") == ""


def test_one_word_counts_once_whatever_levels_it_matches() -> None:
    """'trademark' is its title word, its concept and its area (IP): one word, one piece
    of evidence."""
    found = resolve(
        open_matters("Trademark application", "Lease renewal"), MailFacts(new_text="trademark?")
    )
    assert found.candidates[0].kinds == {"title": 2.0}
    assert found.candidates[0].evidence == ["'trademark' in the text"]


def test_a_closed_matter_does_not_dilute_the_open_ones() -> None:
    """The old storage lease is closed: 'the landlord' tells as much as if it were gone."""
    matters = [
        MatterFacts("M-1", "Shop lease renewal", True),
        MatterFacts("M-2", "Storage unit lease", False),
        MatterFacts("M-3", "Trademark application", True),
    ]
    found = resolve(matters, MailFacts(new_text="Did the landlord answer?"))
    assert found.matter == "M-1" and found.candidates[0].kinds == {"title": 2.0}


def areas_of(text: str) -> set[str]:
    return {term for term in concepts(text) if term.startswith("=")}


def test_the_ways_a_mail_writes_a_concept() -> None:
    for written in ("I-485", "i485", "I 485", "the I-485s"):
        assert areas_of(written) == {"=permanent_residence", "=immigration"}, written
    for written in ("non-compete", "noncompete", "non compete", "Non-Competes"):
        assert "=noncompete" in areas_of(written), written
    assert concepts("my green\ncard")["=permanent_residence"] == "green card"  # as shown
    assert areas_of("Einbürgerung") == areas_of("einburgerung") == areas_of("citizenship")
    assert areas_of("workers' comp") == areas_of("worker's comp") == areas_of("workers comp")


@pytest.mark.parametrize(
    "text",
    [
        "claim",
        "the hearing",
        "application",
        "petition",
        "filing",
        "settlement",
        "appeal",
        "permit",
        "complaint",
        "termination",
        "audit",
        "my spouse",
        "beneficiary",
        "renewal",
        "deposit",
        "unpaid",
        "overdue",
        "please apply my trust account balance",
        "charge it to my Visa card",
        "brand new",
        "I trust you are well",
        "our in-house counsel",
        "deleted it by accident",
    ],
)
def test_words_several_areas_use_name_no_concept(text: str) -> None:
    assert areas_of(text) == set()


def test_a_phrase_carries_the_agreement_its_words_name() -> None:
    assert areas_of("the distribution agreement") == {"=distribution", "=business", "=contract"}
    assert areas_of("real estate") == {"=property"}


def test_each_word_names_one_area_but_a_few_shared_on_purpose() -> None:
    where: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, set[str]] = defaultdict(set)
    for area, inside in AREAS.items():
        for kind, words in inside.items():
            kinds[kind].add(area)
            for word in words:
                where[fold(word)].add(area)
    assert {kind for kind, areas in kinds.items() if len(areas) > 1} == set()
    assert not set(kinds) - set(AREAS) & set(AREAS)
    shared = {word for word, areas in where.items() if len(areas) > 1}
    assert shared == {"domestic violence", "estate tax", "gift tax"}


def test_a_phrase_is_one_piece_of_evidence_not_one_a_word() -> None:
    """'green card' is two words of the title and a concept, but the client named it
    once: it weighs as much as 'citizenship' does for the naturalization."""
    found = resolve(
        open_matters("Green card (EB-2)", "Naturalization"),
        MailFacts(new_text="About the green card and the citizenship: any news?"),
    )
    by_number = {c.number: c for c in found.candidates}
    assert by_number["M-1"].kinds == {"title": 2.0}
    assert by_number["M-1"].evidence == ["'green card' in the text"]
    assert by_number["M-2"].kinds == {"title": 2.0}
    assert found.matter is None


def test_an_area_tells_less_where_another_matter_has_the_specific_concept() -> None:
    """'security deposit' is the deposit claim's concept; for the renewal it is only
    the lease area, and counts half. 'The landlord' (the area alone) counts whole."""
    matters = [
        MatterFacts("M-1", "Security deposit claim", False),  # closed: it dilutes nothing
        MatterFacts("M-2", "Shop lease renewal", True),
    ]
    deposit = resolve(matters, MailFacts(new_text="Any news on the security deposit?"))
    assert deposit.matter == "M-1"
    assert {c.number: c.score for c in deposit.candidates} == {"M-1": 2.0, "M-2": 1.0}
    landlord = resolve(
        open_matters("Shop lease renewal", "Trademark application"),
        MailFacts(new_text="Did the landlord answer?"),
    )
    assert landlord.matter == "M-1" and landlord.candidates[0].score == 2.0


def test_number_words_are_not_evidence() -> None:
    """A next step of 'two managers' is not named by a mail that says 'two'."""
    matters = [
        MatterFacts(
            "M-1", "Wrongful termination claim", True, next_step="Depositions of two managers"
        ),
        MatterFacts("M-2", "Series B financing", True),
    ]
    found = resolve(matters, MailFacts(new_text="The two of us have a question."))
    assert all(c.score == 0 for c in found.candidates)
