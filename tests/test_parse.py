"""The parser on hand-made messages: one behaviour a test."""

from __future__ import annotations

import datetime as dt

import pytest

from inbox.mail.parse import MalformedMessage, parse_message


def mail(headers: str, body: str = "Hello.\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


def test_rfc2047_subject_and_sender_name_are_decoded() -> None:
    parsed = parse_message(
        mail(
            "From: =?UTF-8?Q?Jos=C3=A9_N=C3=BA=C3=B1ez?= <jose@example.com>\n"
            "Subject: =?ISO-8859-1?B?Q2l0YWNp824gZGVsIHRyaWJ1bmFs?=\n"
            "Message-ID: <a1@example.com>"
        )
    )
    assert parsed.sender is not None
    assert parsed.sender.name == "José Núñez"
    assert parsed.sender.addr == "jose@example.com"
    assert parsed.subject == "Citación del tribunal"


def test_encoded_display_name_with_comma_stays_one_address() -> None:
    parsed = parse_message(
        mail("From: =?UTF-8?Q?M=C3=BCller=2C_Anna?= <anna@example.de>\nTo: a@x.com, b@y.com")
    )
    assert parsed.sender is not None and parsed.sender.name == "Müller, Anna"
    assert [a.addr for a in parsed.to] == ["a@x.com", "b@y.com"]


def test_rfc2231_attachment_filename_is_decoded() -> None:
    raw = (
        b"From: a@example.com\nSubject: doc\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nsee attached\n"
        b"--b\nContent-Type: application/pdf\n"
        b"Content-Disposition: attachment; filename*=UTF-8''Vertr%C3%A4ge%202026.pdf\n"
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n"
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["Verträge 2026.pdf"]
    assert parsed.attachments[0].content == b"%PDF-1.4\n"
    assert parsed.attachments[0].size == 9
    assert parsed.text.strip() == "see attached"


def test_bad_date_is_tolerated_and_recorded() -> None:
    parsed = parse_message(mail("From: a@example.com\nDate: yesterday-ish at noon"))
    assert parsed.date is None


def test_date_without_zone_is_taken_as_utc() -> None:
    parsed = parse_message(mail("From: a@example.com\nDate: Tue, 3 Mar 2026 09:14:00"))
    assert parsed.date == dt.datetime(2026, 3, 3, 9, 14, tzinfo=dt.UTC)


def test_html_only_mail_gets_text_and_sanitized_html() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p onclick='x()'>Has the <b>lease</b> been signed?</p>"
        "<img src='http://tracker.example/p.gif'><a href='javascript:alert(2)'>x</a>"
        "</body></html>"
    )
    parsed = parse_message(
        mail("From: a@example.com\nContent-Type: text/html; charset=utf-8", html)
    )
    assert parsed.text == "Has the lease been signed?\nx"
    assert parsed.html is not None
    assert "<script" not in parsed.html and "onclick" not in parsed.html
    assert "javascript:" not in parsed.html
    assert "alert(1)" not in parsed.text


def test_unknown_charset_falls_back_without_crashing() -> None:
    raw = (
        b"From: a@example.com\nSubject: x\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\n\n"
        b"Caf\xc3\xa9 ol\xe9\n"
    )
    parsed = parse_message(raw)
    assert parsed.text.startswith("Caf")


def test_wrongly_declared_ascii_with_latin1_bytes_is_readable() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=us-ascii\n\nSch\xf6ne Gr\xfc\xdfe\n"
    assert parse_message(raw).text.strip() == "Schöne Grüße"


def test_eight_bit_header_bytes_are_decoded() -> None:
    raw = "From: Zoë <zoe@example.com>\nSubject: Ünterlagen\n\nhi\n".encode()
    parsed = parse_message(raw)
    assert parsed.subject == "Ünterlagen"
    assert parsed.sender is not None and parsed.sender.name == "Zoë"


def test_nested_message_is_an_attachment_and_outer_text_is_the_body() -> None:
    inner = b"From: court@example.gov\nSubject: Notice of hearing\n\nYou are summoned.\n"
    raw = (
        b"From: client@example.com\nSubject: Fwd: notice\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="o"\n\n'
        b"--o\nContent-Type: text/plain\n\nWhat does this mean for us?\n"
        b"--o\nContent-Type: message/rfc822\n\n" + inner + b"--o--\n"
    )
    parsed = parse_message(raw)
    assert parsed.new_text == "What does this mean for us?"
    assert [a.content_type for a in parsed.attachments] == ["message/rfc822"]
    assert parsed.attachments[0].filename == "Notice of hearing.eml"
    assert b"You are summoned." in parsed.attachments[0].content


def test_multipart_alternative_prefers_plain_text() -> None:
    raw = (
        b"From: a@example.com\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/alternative; boundary="a"\n\n'
        b"--a\nContent-Type: text/plain\n\nplain version\n"
        b"--a\nContent-Type: text/html\n\n<p>html version</p>\n--a--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text.strip() == "plain version"
    assert parsed.html is not None and "html version" in parsed.html


def test_missing_message_id_gets_a_stable_synthetic_one() -> None:
    raw = mail("From: a@example.com\nSubject: no id")
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id_synthetic
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@inbox-router.invalid>")


def test_threading_headers_are_normalized() -> None:
    parsed = parse_message(
        mail(
            "From: a@example.com\nMessage-ID: <c@x>\nIn-Reply-To: <b@x> (sent earlier)\n"
            "References: <a@x>\n <b@x>"
        )
    )
    assert parsed.message_id == "<c@x>"
    assert parsed.in_reply_to == "<b@x>"
    assert parsed.references == ("<a@x>", "<b@x>")


def test_obsolete_blank_before_colon_in_header_names() -> None:
    parsed = parse_message(b"Subject : Saying Hello\r\nFrom  : John <j@example.com>\r\n\r\nhi\r\n")
    assert parsed.subject == "Saying Hello"
    assert parsed.sender_addr == "j@example.com"


def test_leading_blank_line_and_bom_are_skipped() -> None:
    parsed = parse_message(b"\xef\xbb\xbf" + b" " * 40 + b"\nFrom: a@example.com\nSubject: s\n\nx")
    assert parsed.subject == "s"


@pytest.mark.parametrize(
    "raw",
    [b"", b"\n\n  \n", b"just some words, no headers\nat all\n", b"Year: 1963\n\nbody"],
)
def test_input_that_is_not_mail_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse_message(raw)


@pytest.mark.parametrize(
    ("headers", "flag"),
    [
        ("Auto-Submitted: auto-replied", "auto_submitted"),
        ("X-Autoreply: yes", "auto_submitted"),
        ("X-Auto-Response-Suppress: All", "auto_submitted"),
        ("Precedence: bulk", "bulk"),
        ("Precedence: list", "bulk"),
        ("List-Id: <news.example.org>", "bulk"),
        ("List-Unsubscribe: <mailto:u@example.org>", "bulk"),
    ],
)
def test_screening_headers(headers: str, flag: str) -> None:
    parsed = parse_message(mail(f"From: someone@example.com\nSubject: hi\n{headers}"))
    assert getattr(parsed.screening, flag)
    assert parsed.screening.machine_written


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example.com", "postmaster@example.com"],
)
def test_mailer_daemon_is_a_bounce(sender: str) -> None:
    assert parse_message(mail(f"From: {sender}\nSubject: failure")).screening.bounce


@pytest.mark.parametrize("sender", ["no-reply@bank.example", "noreply@x.com", "do-not-reply@y.org"])
def test_no_reply_sender_is_automatic(sender: str) -> None:
    assert parse_message(mail(f"From: {sender}\nSubject: hi")).screening.auto_submitted


def test_multipart_report_is_a_bounce() -> None:
    raw = (
        b"From: Mail Delivery System <mx@example.com>\nSubject: oops\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
        b"--r\nContent-Type: text/plain\n\nCould not deliver.\n"
        b"--r\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n--r--\n"
    )
    assert parse_message(raw).screening.bounce


def test_ordinary_client_mail_is_not_screened() -> None:
    parsed = parse_message(
        mail("From: Paulina <paulina@example.net>\nSubject: Out of ideas about the lease")
    )
    assert not parsed.screening.machine_written
    assert parsed.screening.reasons == ()
