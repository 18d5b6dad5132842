"""Saved replies (snippets): their fields, checked when saved and filled on a message.

A snippet is user-written template text, so it renders like the mail templates: in
the bounded sandbox (rules/template_sandbox.py), with StrictUndefined, and a value
the message does not have (no matter identified, say) stops it with a sentence naming
the field, never "Dear ,". Only the fields below exist; a snippet naming another is
refused when it is saved. Mail content is data here too, never template source.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.exceptions import UndefinedError

from inbox.models import Message, User
from rules.drafting import first_name, long_date
from rules.template_sandbox import BoundedSandbox, render_bounded

MAX_SNIPPET = 20_000
# Each field a snippet may use, with what it holds (shown on the snippets page).
FIELDS: dict[str, str] = {
    "contact_name": "the sender's first name",
    "sender_name": "the sender's name as their mail gives it",
    "sender_email": "the sender's address",
    "client_name": "the client's name",
    "matter_number": "the matter's number",
    "matter_title": "the matter's title",
    "attorney_name": "the matter's responsible attorney",
    "subject": "the mail's subject",
    "firm_name": "the firm's name",
    "my_name": "your name",
    "today": "today's date, written out",
}


class SnippetError(ValueError):
    """The snippet cannot be saved or filled in; the text says why."""


@lru_cache(maxsize=1)
def _environment() -> BoundedSandbox:
    return BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def check_snippet(title: str, body: str) -> tuple[str, str]:
    """The title and text to store, or SnippetError: empty, too long, a syntax error, or
    a field that does not exist."""
    title, body = title.strip(), body.replace("\r\n", "\n").strip("\n")
    if not title or "\n" in title or len(title) > 200:
        raise SnippetError("Title: one line of 1 to 200 characters")
    if not body.strip():
        raise SnippetError("Text: the saved reply is empty")
    if len(body) > MAX_SNIPPET:
        raise SnippetError(f"Text: longer than {MAX_SNIPPET:,} characters")
    try:
        names = meta.find_undeclared_variables(_environment().parse(body))
    except TemplateSyntaxError as exc:
        raise SnippetError(f"Text: syntax error on line {exc.lineno}: {exc.message}") from None
    unknown = sorted(names - FIELDS.keys())
    if unknown:
        listed = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        raise SnippetError(f"Text: no such field {listed}; the fields are listed below the form")
    return title, body + "\n"


def snippet_fields(message: Message, user: User, firm_name: str, today: dt.date) -> dict[str, Any]:
    """What a snippet may read about this message, from the records (values we do not
    have are left out, so a snippet that needs them stops)."""
    matter, client = message.matter, message.client
    attorney = matter.responsible_attorney if matter is not None else None
    values = {
        "contact_name": first_name(message.contact, message.from_name or ""),
        "sender_name": (message.from_name or "").strip(),
        "sender_email": message.from_addr,
        "client_name": client.name if client is not None else None,
        "matter_number": matter.matter_number if matter is not None else None,
        "matter_title": matter.title if matter is not None else None,
        "attorney_name": attorney.name if attorney is not None else None,
        "subject": message.subject,
        "firm_name": firm_name,
        "my_name": (user.name or "").strip(),
        "today": long_date(today),
    }
    return {name: value for name, value in values.items() if value}


def render_snippet(body: str, fields: dict[str, Any]) -> str:
    """The snippet filled in for one message, or SnippetError naming what is missing."""
    try:
        template = _environment().from_string(body)
        return render_bounded(template, fields).rstrip() + "\n"
    except UndefinedError as exc:
        name = str(exc.message or exc).split("'")[1] if "'" in str(exc) else str(exc)
        what = FIELDS.get(name, name)
        raise SnippetError(
            f"the saved reply needs {{{{ {name} }}}} ({what}), which this message does not "
            "have: write that part yourself"
        ) from None
    except TemplateError as exc:
        raise SnippetError(f"the saved reply cannot be filled in: {exc}") from None
