"""The approver's name above the firm's in a reply's sign-off."""

from __future__ import annotations

from inbox.mail.signoff import sign_html, sign_text

FIRM = "Harbor & Vale LLP"


def test_the_name_goes_above_the_firm_once() -> None:
    body = "Dear Ana,\n\nAll set.\n\nKind regards,\nHarbor & Vale LLP\n"
    signed = sign_text(body, "Dana Reyes", FIRM)
    assert signed.endswith("Kind regards,\nDana Reyes\nHarbor & Vale LLP\n")
    assert sign_text(signed, "Dana Reyes", FIRM) == signed


def test_a_body_whose_sign_off_was_rewritten_is_left_alone() -> None:
    body = "Thanks, Harbor & Vale LLP is here to help.\n\nBest,\nDana\n"
    assert sign_text(body, "Dana Reyes", FIRM) == body


def test_the_html_part_is_signed_with_the_name_escaped() -> None:
    html = "<p>Hi</p>\n<p>Kind regards,<br>Harbor &amp; Vale LLP</p>"
    assert sign_html(html, "Dana <Reyes>", FIRM) == (
        "<p>Hi</p>\n<p>Kind regards,<br>Dana &lt;Reyes&gt;<br>\nHarbor &amp; Vale LLP</p>"
    )
    assert sign_html("<p>no sign-off</p>", "Dana", FIRM) == "<p>no sign-off</p>"
