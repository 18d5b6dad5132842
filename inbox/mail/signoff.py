"""The approving person's name above the firm's in a reply's sign-off.

Templated drafts end with the firm's name ("Kind regards,\\nHarbor & Vale LLP"); the
client should also see who answered. The name is added when a person approves the
draft (the draft itself is written before anyone is known), only where the sign-off
still reads as the template wrote it, and never twice.
"""

from __future__ import annotations

from markupsafe import escape

_LAST_LINES = 4  # the sign-off is among the last lines; a firm name higher up is text


def sign_text(body: str, signer: str, firm: str) -> str:
    """Put `signer` on the line above the firm's name that closes the text."""
    lines = body.rstrip("\n").split("\n")
    for index in range(len(lines) - 1, max(-1, len(lines) - 1 - _LAST_LINES), -1):
        if lines[index].strip() == firm.strip():
            if any(line.strip() == signer.strip() for line in lines[max(0, index - 2) : index]):
                return body
            lines.insert(index, signer)
            return "\n".join(lines) + "\n"
    return body


def sign_html(body: str, signer: str, firm: str) -> str:
    """The same in the HTML part: the firm's name after a line break, near the end."""
    firm_html, signer_html = str(escape(firm)), str(escape(signer))
    at = body.rfind(firm_html)
    if at < 0 or len(body) - at > len(firm_html) + 40:
        return body
    before = body[:at].rstrip()
    if not before.endswith(("<br>", "<br/>", "<br />")) or signer_html in before[-200:]:
        return body
    return f"{body[:at]}{signer_html}<br>\n{body[at:]}"
