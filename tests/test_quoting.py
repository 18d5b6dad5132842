"""New text apart from quoted history and signature, on the shapes real clients send."""

from __future__ import annotations

import pytest

from inbox.mail.quoting import split_new_text

CASES = [
    (
        "gmail reply",
        "Has it been filed yet?\n\nOn Tue, Mar 3, 2026 at 9:14 AM Dana Whitfield "
        "<dana@harborvale.law> wrote:\n> Your invoice HV-INV-1042 is attached.\n> Dana",
        "Has it been filed yet?",
    ),
    (
        "gmail reply with the attribution wrapped over two lines",
        "Thanks, when is the hearing?\n\nOn Tue, Mar 3, 2026 at 9:14 AM Dana\n"
        "Whitfield <dana@harborvale.law> wrote:\n> Invoice attached",
        "Thanks, when is the hearing?",
    ),
    (
        "outlook reply",
        "Can we withhold rent?\n\nFrom: Dana Whitfield <dana@harborvale.law>\n"
        "Sent: Monday, March 2, 2026 4:01 PM\nTo: Sam\nSubject: Invoice\n\nPlease pay.",
        "Can we withhold rent?",
    ),
    (
        "outlook original message",
        "ok\n-----Original Message-----\nFrom: x\nquestion about billing",
        "ok",
    ),
    (
        "forward with a line on top",
        "What do we do about this?\n\n---------- Forwarded message ---------\n"
        "From: Landlord <l@example.com>\nNotice to quit.",
        "What do we do about this?",
    ),
    (
        "german reply",
        "Gibt es Neuigkeiten?\n\nAm 3. März 2026 um 09:14 schrieb Dana <d@x.de>:\n> alt",
        "Gibt es Neuigkeiten?",
    ),
    (
        "spanish reply",
        "¿Ya firmaron?\n\nEl mar, 3 mar 2026 a las 9:14, Dana (<d@x.es>) escribió:\n> viejo",
        "¿Ya firmaron?",
    ),
    ("signature dashes", "Any news on the visa?\n\n-- \nMaria Lopez\nCEO", "Any news on the visa?"),
    ("phone signature", "did the judge sign it\n\nSent from my iPhone", "did the judge sign it"),
    (
        "inline reply keeps the answers",
        "> When can you meet?\nThursday works.\n> Which office?\nDowntown.",
        "Thursday works.\nDowntown.",
    ),
    (
        "no quote at all, a sign-off",
        "Hello,\n\nPlease send invoice 4471 again.\n\nThanks",
        "Hello,\n\nPlease send invoice 4471 again.",
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_split_new_text(case: str, text: str, expected: str) -> None:
    assert split_new_text(text) == expected


def test_a_sentence_starting_with_on_is_not_an_attribution() -> None:
    text = "On Monday the landlord changed the locks.\nCan he do that?"
    assert split_new_text(text) == text


def test_a_reply_written_between_the_quoted_lines_is_kept() -> None:
    """ "Answers below.": the client answers each quoted point, and asks the real question
    under the last one. The quoted lines go; the answers and the question stay."""
    text = (
        "Answers below.\n\n"
        "On Tue, Apr 21, 2026 at 11:05 AM Nadia Haddad <nh@firm.example> wrote:\n"
        "> 1. Please confirm the retainer is okay.\n\n"
        "Yes, I'll pay it tonight.\n\n"
        "> 2. Can you send me the letter from the principal?\n\n"
        "Attached.\n\n"
        "> Let me know if you have other questions.\n\n"
        "Actually yes. Can the school expel him for a post made at home?\n"
    )
    new = split_new_text(text)
    assert "Can the school expel him" in new and "Yes, I'll pay it tonight." in new
    assert "Answers below." in new
    assert ">" not in new and "wrote:" not in new and "principal" not in new


def test_a_signature_under_a_quote_is_not_an_inline_reply() -> None:
    """Words only after the last quoted line are a sign-off, not answers."""
    text = (
        "Any news on the closing?\n\n"
        "On Mon, Mar 2, 2026 at 9:00 AM Ana <ana@firm.example> wrote:\n"
        "> The buyer's lender is reviewing the file.\n"
        "> We expect the date next week.\n\n"
        "Kenji Watanabe\nUmi Sushi Bar\n"
    )
    assert split_new_text(text) == "Any news on the closing?"
