"""Property-based: mutated and truncated mail never makes the parser raise (but MalformedMessage)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbox.mail.keys import dedupe_key
from inbox.mail.parse import MalformedMessage, parse_message

SEED_MESSAGES = [
    b"From: =?UTF-8?Q?Jos=C3=A9?= <j@example.com>\r\nTo: clients@firm.law\r\n"
    b"Subject: =?utf-8?B?w7xiZXI=?=\r\nDate: Tue, 3 Mar 2026 09:14:00 +0100\r\n"
    b"Message-ID: <x@y>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    b"--XX\r\nContent-Type: multipart/alternative; boundary=YY\r\n\r\n"
    b"--YY\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nHola =E9t=E9\r\n"
    b"--YY\r\nContent-Type: text/html\r\n\r\n<p onclick=x>hi<script>a</script>\r\n--YY--\r\n"
    b"--XX\r\nContent-Type: application/pdf; name*=UTF-8''a%C3%A9.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
    b"--XX\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b\r\nSubject: inner\r\n\r\nbody\r\n"
    b"--XX--\r\n",
    b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered\nContent-Type: multipart/report; "
    b"report-type=delivery-status; boundary=r\n\n--r\nContent-Type: text/plain\n\nfail\n"
    b"--r\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n--r--\n",
]


def check(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except MalformedMessage:
        return
    dedupe_key(parsed, raw)
    assert isinstance(parsed.text, str) and isinstance(parsed.new_text, str)
    assert parsed.message_id.startswith("<")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEED_MESSAGES)))
    for _ in range(draw(st.integers(0, 12))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = draw(
                st.sampled_from(
                    [
                        b"=?",
                        b"?=",
                        b"--XX",
                        b"\r\n\r\n",
                        b"\x00",
                        b"\xff\xfe",
                        b"charset=",
                        b";",
                        b'"',
                        b"=\r\n",
                        b"<",
                        b">",
                    ]
                )
            )
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 40))]
        elif op == "dup":
            raw[at:at] = raw[at : at + draw(st.integers(1, 200))]
    return bytes(raw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_messages_never_crash_the_parser(raw: bytes) -> None:
    check(raw)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SEED_MESSAGES), st.integers(0, 2000))
def test_truncated_messages_never_crash_the_parser(seed: bytes, cut: int) -> None:
    check(seed[:cut])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_parser(raw: bytes) -> None:
    check(raw)


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=80),
    st.text(max_size=300),
    st.sampled_from(["utf-8", "latin-1", "x-bogus", "utf-7", "base64", "", "us-ascii"]),
)
def test_arbitrary_header_and_body_text(subject: str, body: str, charset: str) -> None:
    raw = (
        f"From: a@example.com\nSubject: {subject}\nContent-Type: text/plain; charset={charset}\n\n{body}"
    ).encode("utf-8", "surrogatepass")
    check(raw)
