"""Outgoing headers: no decoded value can add a header line (issue 17, items 1 and 2).

The payloads are the ones found in the attack pass: a client subject that decodes
to an encoded word, which CPython 3.11.7 / 3.12.1's email package decoded a second
time into a real CR/LF when generating the mail.
"""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.mail import headers
from inbox.mail.build import OutgoingMail, render, written_fields

WHEN = dt.datetime(2026, 11, 23, 15, 4, 5, tzinfo=dt.UTC)
INJECT_REPLY_TO = (
    "Can we sue over the warranty "
    "=?utf-8?q?x=0D=0AReply-To:_attacker@evil.example=0D=0AX-Injected:_yes?="
)
INJECT_BODY = (
    "Escalation =?utf-8?q?x=0D=0AContent-Type:_text/html=0D=0A=0D=0A"
    "<h1>Pay_the_invoice_to_IBAN_XX</h1>?="
)
OUTLOOK_ID = "<BN8PR04MB6210C3E7A0F1D2B4C9E8AF5DB6A90@BN8PR04MB6210.namprd04.prod.outlook.com>"


def mail(**changes: object) -> OutgoingMail:
    base: dict[str, object] = {
        "message_id": "<notice-1@harborvale.law>",
        "from_addr": "clients@harborvale.law",
        "to": ("dana@harborvale.law",),
        "date": WHEN,
        "subject": "Escalation",
        "body_text": "A legal question for you.",
    }
    base.update(changes)
    return OutgoingMail(**base)  # type: ignore[arg-type]


def read_back(data: bytes) -> EmailMessage:
    """As a mail program reads it (line ends as LF, like a mailbox file)."""
    message = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def squeezed(text: str) -> str:
    return "".join(headers.clean_text(text).split())


def header_block(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def test_a_subject_that_decodes_to_an_encoded_word_adds_no_header() -> None:
    data = render(mail(subject=f"Escalation: {INJECT_REPLY_TO}"))
    message = read_back(data)
    assert message["Reply-To"] is None
    assert message["X-Injected"] is None
    assert b"Reply-To" not in header_block(data)
    assert b"X-Injected" not in header_block(data)
    # The attorney sees the client's subject exactly as it was, decoded once.
    assert message["Subject"] == f"Escalation: {INJECT_REPLY_TO}"


def test_a_payload_with_a_blank_line_cannot_replace_the_body() -> None:
    data = render(mail(subject=INJECT_BODY, body_text="The notice text."))
    message = read_back(data)
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    assert plain is not None and plain.get_content() == "The notice text.\n"
    assert b"<h1>" not in data


def test_names_and_addresses_from_hostile_text_stay_in_their_header() -> None:
    data = render(
        mail(
            from_addr=headers.mailbox(f"Dana {INJECT_REPLY_TO}", "dana@harborvale.law"),
            to=(
                headers.mailbox('Mike "the client"\r\nBcc: all@evil.example', "mike@acme.example"),
            ),
        )
    )
    message = read_back(data)
    assert message["Bcc"] is None and message["Reply-To"] is None
    assert message["To"].addresses[0].display_name == 'Mike "the client" Bcc: all@evil.example'
    assert message["From"].addresses[0].addr_spec == "dana@harborvale.law"


def test_controls_and_unicode_line_breaks_become_spaces() -> None:
    data = render(mail(subject="a\x00b\rc\nd\x0be\u2028f\u0085g\x1bh"))
    assert read_back(data)["Subject"] == "a b c d e f g h"


def test_long_outlook_ids_are_written_as_msg_ids_not_encoded() -> None:
    references = tuple(f"<{i}{OUTLOOK_ID[1:]}" for i in range(5))
    data = render(mail(in_reply_to=OUTLOOK_ID, references=(*references, OUTLOOK_ID)))
    block = header_block(data)
    assert b"=?" not in block
    assert f"In-Reply-To: {OUTLOOK_ID}\r\n".encode() in block
    message = read_back(data)
    assert message["In-Reply-To"] == OUTLOOK_ID
    assert message["References"].split() == [*references, OUTLOOK_ID]
    # folded between ids, each id whole on its line
    refs = block.split(b"References: ", 1)[1].split(b"\r\n")
    assert [line.strip() for line in refs[:6]] == [r.encode() for r in (*references, OUTLOOK_ID)]


def test_an_id_that_is_not_a_msg_id_is_left_out() -> None:
    data = render(mail(in_reply_to="<a b@x>\r\nBcc: x@y.z", references=("junk", "<ok@x>")))
    message = read_back(data)
    assert message["In-Reply-To"] is None
    assert message["References"] == "<ok@x>"


def test_the_check_names_a_field_that_was_not_written() -> None:
    data = render(mail())
    forged = data.replace(b"Subject:", b"X-Injected: yes\r\nSubject:", 1)
    assert headers.unexpected_fields(data, written_fields(mail())) == []
    assert headers.unexpected_fields(forged, written_fields(mail())) == ["x-injected"]


# -- the property: whatever the decoded text, only our fields come back -------------------

HOSTILE = st.sampled_from(
    [
        INJECT_REPLY_TO,
        INJECT_BODY,
        "\r\nBcc: x@evil.example",
        "\n\nbody",
        "=?utf-8?b?DQpYLUE6IGI=?=",
        "=?",
        "?=",
        '"',
        "\\",
        "<a@b>",
        ",",
        ";",
        ":",
        "\x00",
        "\u2028",
        " " * 80,
        "x" * 120,
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), HOSTILE), max_size=6).map("".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(subject=TEXT, from_name=TEXT, to_name=TEXT, cc_name=TEXT, body=TEXT, parent=TEXT)
def test_no_generated_mail_parses_back_with_a_header_we_did_not_write(
    subject: str, from_name: str, to_name: str, cc_name: str, body: str, parent: str
) -> None:
    value = mail(
        subject=subject,
        from_addr=headers.mailbox(from_name, "dana@harborvale.law"),
        to=(headers.mailbox(to_name, "mike@acme.example"),),
        cc=(headers.mailbox(cc_name, "jo@acme.example"),),
        reply_to="clients@harborvale.law",
        body_text=body,
        in_reply_to=parent,
        references=(parent, "<root@acme.example>"),
        auto_submitted=True,
    )
    data = render(value)
    message = read_back(data)
    expected = {name.lower() for name in written_fields(value)}
    assert {key.lower() for key in message} == expected
    assert message["Subject"] == headers.clean_text(subject)
    # Python's address parser keeps the space between two encoded words of a name
    # (RFC 2047 6.2 says to drop it, as mail programs do), so names compare without spaces.
    assert squeezed(message["From"].addresses[0].display_name) == squeezed(from_name)
    assert message["To"].addresses[0].addr_spec == "mike@acme.example"
    assert squeezed(message["Cc"].addresses[0].display_name) == squeezed(cc_name)
    for part in message.iter_parts():
        assert {k.lower() for k in part} == {"content-type", "content-transfer-encoding"}
    plain = message.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().rstrip("\n") == headers.clean_body(body).rstrip("\n")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
