"""The outgoing mail, built by a pure function: headers that thread, parts, loop guards."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage

import pytest

from inbox.mail.build import MAX_REFERENCES, OutgoingMail, html_from_text, render, thread_headers

WHEN = dt.datetime(2026, 11, 23, 15, 4, 5, tzinfo=dt.UTC)


def mail(**changes: object) -> OutgoingMail:
    base: dict[str, object] = {
        "message_id": "<reply-1@harborvale.law>",
        "from_addr": "Harbor & Vale LLP <clients@harborvale.law>",
        "to": ("ana@acme.example",),
        "date": WHEN,
        "subject": "Re: Where is my lease review?",
        "body_text": "Dear Ana,\n\nThe review went out on Friday.\n\nHarbor & Vale",
        "in_reply_to": "<q-2@acme.example>",
        "references": ("<q-1@acme.example>", "<q-2@acme.example>"),
    }
    base.update(changes)
    return OutgoingMail(**base)  # type: ignore[arg-type]


def parsed(value: OutgoingMail) -> EmailMessage:
    message = email.message_from_bytes(render(value), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_reply_carries_the_threading_headers_and_keeps_its_message_id() -> None:
    message = parsed(mail())
    assert message["Message-ID"] == "<reply-1@harborvale.law>"
    assert message["In-Reply-To"] == "<q-2@acme.example>"
    assert message["References"].split() == ["<q-1@acme.example>", "<q-2@acme.example>"]
    assert message["Subject"] == "Re: Where is my lease review?"
    assert message["From"] == "Harbor & Vale LLP <clients@harborvale.law>"
    assert message["To"] == "ana@acme.example"
    assert email.utils.parsedate_to_datetime(message["Date"]) == WHEN


def test_rendering_twice_gives_the_same_bytes_so_retries_send_one_mail() -> None:
    assert render(mail()) == render(mail())


def test_thread_headers_append_the_original_to_its_references() -> None:
    assert thread_headers("<b@x>", ["<a@x>"]) == ("<b@x>", ("<a@x>", "<b@x>"))
    assert thread_headers("<b@x>", []) == ("<b@x>", ("<b@x>",))
    assert thread_headers("<b@x>", ["<a@x>", "<b@x>"]) == ("<b@x>", ("<a@x>", "<b@x>"))


def test_a_synthetic_message_id_is_never_referred_to() -> None:
    assert thread_headers("<made-up@local>", ["<a@x>"], synthetic=True) == (None, ("<a@x>",))
    assert thread_headers("<made-up@local>", [], synthetic=True) == (None, ())


def test_long_reference_chains_keep_the_root_and_the_latest() -> None:
    chain = [f"<m{i}@x>" for i in range(50)]
    _, refs = thread_headers("<last@x>", chain)
    assert len(refs) == MAX_REFERENCES
    assert refs[0] == "<m0@x>"
    assert refs[-1] == "<last@x>"
    assert refs[-2] == "<m49@x>"


@pytest.mark.parametrize("kind_auto", [True, False])
def test_auto_submitted_only_on_notices_and_acknowledgements(kind_auto: bool) -> None:
    message = parsed(mail(auto_submitted=kind_auto))
    if kind_auto:
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
    else:
        assert message["Auto-Submitted"] is None
        assert message["X-Auto-Response-Suppress"] is None


def test_text_and_html_parts_as_multipart_alternative() -> None:
    message = parsed(mail(body_html="<p>Dear Ana,</p><p>The review went out.</p>"))
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert plain is not None and html_part is not None
    assert "The review went out on Friday." in plain.get_content()
    assert "<p>The review went out.</p>" in html_part.get_content()
    assert html_part["MIME-Version"] is None  # only the top carries it


def test_a_text_only_draft_gets_an_escaped_html_part() -> None:
    message = parsed(mail(body_text="Fees < $500 & due\n\nThanks", body_html=None))
    html_part = message.get_body(("html",))
    assert html_part is not None
    assert "Fees &lt; $500 &amp; due" in html_part.get_content()
    assert html_from_text("a\nb\n\nc").count("<p>") == 2


def test_non_ascii_text_and_names_survive_any_relay() -> None:
    value = mail(
        subject="Re: Zählerstand — Frist",
        body_text="Grüße aus der Kanzlei\n" + "x" * 1200,
        from_addr="Jürgen Vale <jv@harborvale.law>",
        cc=("Zoë <zoe@acme.example>",),
    )
    raw = render(value)
    assert raw.isascii()  # 7bit-clean: no 8BITMIME or SMTPUTF8 needed
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    message = parsed(value)
    assert message["Subject"] == "Re: Zählerstand — Frist"
    assert message["From"].addresses[0].display_name == "Jürgen Vale"
    plain = message.get_body(("plain",))
    assert plain is not None and "Grüße aus der Kanzlei" in plain.get_content()


def test_lines_end_in_crlf_for_smtp() -> None:
    raw = render(mail())
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_reply_to_and_cc_and_envelope_recipients() -> None:
    value = mail(
        to=("Ana <ana@acme.example>",),
        cc=("bo@acme.example", "ANA@acme.example"),
        reply_to="clients@harborvale.law",
    )
    message = parsed(value)
    assert message["Reply-To"] == "clients@harborvale.law"
    assert message["Cc"] == "bo@acme.example, ANA@acme.example"
    assert value.recipients == ("ana@acme.example", "bo@acme.example", "ANA@acme.example")
    assert value.sender == "clients@harborvale.law"


def test_a_line_break_in_a_subject_becomes_a_space_never_a_header() -> None:
    message = parsed(mail(subject="Hello\r\nBcc: everyone@example.com"))
    assert message["Subject"] == "Hello Bcc: everyone@example.com"
    assert message["Bcc"] is None


def test_a_malformed_address_is_refused() -> None:
    with pytest.raises(ValueError):
        render(mail(to=("ana@acme.example\r\nBcc: everyone@example.com",)))
    with pytest.raises(ValueError):
        render(mail(cc=("not an address",)))


def test_naive_dates_from_sqlite_are_read_as_utc() -> None:
    message = parsed(mail(date=WHEN.replace(tzinfo=None)))
    assert message["Date"].endswith("+0000")
