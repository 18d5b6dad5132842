"""The pure parts of compose and reply (issue 18 items 1 and 7): what an uploaded file
is (by its bytes), the size limit, a reply's text with signature and quote, saved
replies filled in the sandbox, and the MIME assembly of a reply with files."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from types import SimpleNamespace

import pytest

from inbox.mail.build import OutgoingMail, html_from_text, render
from inbox.mail.compose import quote_original, reply_text
from inbox.mail.filetypes import UploadError, check_upload, safe_filename, sniff
from rules.snippets import SnippetError, check_snippet, render_snippet, snippet_fields

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


# -- files: sniffed, never the browser's word ---------------------------------------------


def test_the_type_comes_from_the_bytes() -> None:
    assert check_upload("Lease.PDF", PDF, 10_000).content_type == "application/pdf"
    assert check_upload("scan.png", PNG, 10_000).content_type == "image/png"
    assert check_upload("notes.txt", "Grüße\n".encode(), 10_000).content_type == "text/plain"
    assert sniff(b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml word/document.xml")[0] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("invoice.pdf", PNG, r"invoice\.pdf: the name says \.pdf but the contents are image/png"),
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60, r"setup\.pdf: the file is a Windows program"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", r"run\.txt: the file is a script"),
        ("page.txt", b"<html><script>alert(1)</script>", r"page\.txt: not a file type"),
        ("logo.svg", b'<?xml version="1.0"?><svg onload="x()"/>', r"logo\.svg: not a file type"),
        ("blob.bin", bytes(range(256)), r"blob\.bin: not a file type"),
        ("empty.pdf", b"", r"empty\.pdf: the file is empty"),
    ],
)
def test_a_file_that_is_not_what_it_says_or_may_not_go_is_refused(
    name: str, content: bytes, why: str
) -> None:
    with pytest.raises(UploadError, match=why):
        check_upload(name, content, 10_000)


def test_the_size_limit_names_the_file_and_the_room_left() -> None:
    assert check_upload("a.pdf", PDF, len(PDF)).size == len(PDF)
    with pytest.raises(UploadError, match=r"a\.pdf: 1\.0 MB is over the limit .*\(1 kB left\)"):
        check_upload("a.pdf", PDF + b"x" * (1024 * 1024 - len(PDF)), 1024)


def test_a_file_name_loses_its_path_and_control_characters() -> None:
    assert safe_filename("C:\\Users\\x\\..\\evil\r\nBcc: y.pdf") == "evil  Bcc: y.pdf"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("") == "attachment"
    long = safe_filename("x" * 500 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


# -- a reply's text ------------------------------------------------------------------------


def test_a_reply_carries_the_signature_once_and_the_original_quoted() -> None:
    quote = quote_original(
        "Ana <ana@acme.example>", dt.datetime(2026, 11, 23, 10, 5), "Has it gone out?\n\nAna"
    )
    assert quote == (
        "On Mon, 23 Nov 2026 at 10:05, Ana <ana@acme.example> wrote:\n"
        "> Has it gone out?\n>\n> Ana\n"
    )
    text = reply_text("Yes, on Friday.\r\n", "Margaret Okafor\nPartner", quote)
    assert text == ("Yes, on Friday.\n\n-- \nMargaret Okafor\nPartner\n\n" + quote)
    typed = reply_text("Yes.\n\nMargaret Okafor\nPartner", "Margaret Okafor\nPartner")
    assert typed.count("Margaret Okafor") == 1
    assert reply_text("Yes.") == "Yes.\n"


def test_the_html_part_is_the_text_escaped_never_markup_someone_typed() -> None:
    page = html_from_text(reply_text("<b>bold</b> & <script>x()</script>", "M <m@x>"))
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "M &lt;m@x&gt;" in page


# -- saved replies ----------------------------------------------------------------------------


def _message(**changes: object) -> SimpleNamespace:
    attorney = SimpleNamespace(name="Margaret Okafor")
    matter = SimpleNamespace(
        matter_number="HV-2026-0007", title="Franchise agreement", responsible_attorney=attorney
    )
    values = {
        "matter": matter,
        "client": SimpleNamespace(name="Delgado Foods"),
        "contact": SimpleNamespace(name="Sam Delgado"),
        "from_name": "Sam Delgado",
        "from_addr": "sam@delgado.example",
        "subject": "where are we?",
    }
    return SimpleNamespace(**(values | changes))


def test_a_saved_reply_is_filled_with_the_messages_fields() -> None:
    _title, body = check_snippet(
        " Received ", "Dear {{ contact_name }},\n\nWe have your papers on {{ matter_number }}."
    )
    fields = snippet_fields(
        _message(), SimpleNamespace(name="Dana Reyes"), "Harbor & Vale LLP", dt.date(2026, 12, 8)
    )
    assert fields["today"] == "December 8, 2026" and fields["my_name"] == "Dana Reyes"
    assert render_snippet(body, fields) == ("Dear Sam,\n\nWe have your papers on HV-2026-0007.\n")


def test_a_field_the_message_lacks_stops_the_saved_reply_with_its_name() -> None:
    fields = snippet_fields(
        _message(matter=None), SimpleNamespace(name="Dana"), "Firm", dt.date(2026, 12, 8)
    )
    with pytest.raises(
        SnippetError, match=r"needs \{\{ matter_number \}\} \(the matter's number\), which this"
    ):
        render_snippet("On {{ matter_number }}: done.", fields)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("Dear {{ name }}", r"no such field \{\{ name \}\}"),
        ("Dear {{ contact_name ", r"syntax error on line 1"),
        ("", r"the saved reply is empty"),
    ],
)
def test_a_saved_reply_with_an_unknown_field_or_bad_syntax_is_not_saved(
    body: str, why: str
) -> None:
    with pytest.raises(SnippetError, match=why):
        check_snippet("Title", body)


def test_a_saved_reply_runs_in_the_bounded_sandbox() -> None:
    fields = {"contact_name": "Sam"}
    with pytest.raises(SnippetError, match="cannot be filled in"):
        render_snippet("{{ contact_name.__class__.__mro__ }}", fields)
    with pytest.raises(SnippetError, match="over 500,000 characters"):
        render_snippet("{{ contact_name * 10**7 }}", fields)
    # Mail content is data: a subject holding template syntax stays text.
    assert render_snippet("{{ subject }}", {"subject": "{{ 7*7 }}"}) == "{{ 7*7 }}\n"


# -- MIME: the files around the text and HTML -----------------------------------------------


def test_a_reply_with_files_is_mixed_around_the_alternative_with_its_threading_headers() -> None:
    text = reply_text("See the lease attached.", "Dana Reyes")
    mail = OutgoingMail(
        message_id="<r-1@harborvale.law>",
        from_addr="Harbor & Vale LLP <clients@harborvale.law>",
        to=("ana@acme.example",),
        cc=("ben@acme.example",),
        date=dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC),
        subject="Re: lease",
        body_text=text,
        body_html=html_from_text(text),
        in_reply_to="<q-2@acme.example>",
        references=("<q-1@acme.example>", "<q-2@acme.example>"),
        attachments=(
            ("Lease (signed).pdf", "application/pdf", PDF),
            ("scan.png", "image/png", PNG),
        ),
    )
    data = render(mail)
    assert data == render(mail)  # the same bytes on every retry
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    body, *files = parsed.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert [(f.get_filename(), f.get_content_type(), f.get_content()) for f in files] == [
        ("Lease (signed).pdf", "application/pdf", PDF),
        ("scan.png", "image/png", PNG),
    ]
    assert all(f.get_content_disposition() == "attachment" for f in files)
    assert parsed["In-Reply-To"] == "<q-2@acme.example>"
    assert parsed["References"].split() == ["<q-1@acme.example>", "<q-2@acme.example>"]
    assert parsed["Cc"] == "ben@acme.example"
