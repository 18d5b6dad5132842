"""Filling reply and notice templates from the firm's records, safely.

One sandboxed Jinja2 environment, StrictUndefined: a value we do not have is left
out of the data, so a template that needs it fails and the message goes to triage
with the reason, never out as "Dear ,". Mail content (subject, question) is data
passed to templates, never template source, so `{{ 7*7 }}` in a subject stays text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    select_autoescape,
)
from jinja2.ext import Extension

from inbox.models import Contact, Matter
from rules.directory import matter_is_open
from rules.status_wording import StatusWording
from rules.template_sandbox import BoundedSandbox, render_bounded


class MissingData(Exception):
    """A draft cannot be made without a value we do not have; the text says which."""


@dataclass(frozen=True)
class StatusPolicy:
    """What a status draft may state: dates from `today` on, worded statuses, fresh records."""

    today: dt.date
    wording: StatusWording
    stale_days: int


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    body_text: str
    body_html: str
    data: dict[str, Any]


_TAG = r"(?:\{%(?:[^%\n]|%(?!\}))*%\}|\{#(?:[^#\n]|#(?!\}))*#\})"
_STANDALONE = re.compile(rf"^[ \t]*({_TAG}(?:[ \t]*{_TAG})*)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)


class StandaloneTags(Extension):
    """A line holding only block tags or comments renders as nothing, its newline included.

    Jinja2's `trim_blocks` would drop the newline after *every* block tag, so a line of
    text ending in `{% endif %}` would run into the next one ("Client: ...Matter: ...").
    Here a tag inside a line of text leaves the line break alone, as people editing the
    plain-text templates expect."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _STANDALONE.sub(r"\1", source)


@lru_cache(maxsize=8)
def environment(templates_dir: str) -> BoundedSandbox:
    """Built once per folder: sandboxed (with a size and time budget: every render goes
    through render_bounded), strict, autoescaping the HTML parts only."""
    return BoundedSandbox(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        extensions=[StandaloneTags],
        keep_trailing_newline=False,
        auto_reload=True,  # a template saved from the admin page is used at the next render
    )


def render_source(templates_dir: Path, name: str, source: str, data: dict[str, Any]) -> str:
    """Render edited text as if it were the file `name`, in the same sandbox as `render`.

    The text stands in for the file (so autoescaping follows its extension and it can
    include the others); nothing is cached. Raises what Jinja2 raises."""
    env = environment(str(templates_dir)).overlay(
        loader=ChoiceLoader([DictLoader({name: source}), FileSystemLoader(str(templates_dir))]),
        cache_size=0,
    )
    return render_bounded(env.get_template(name), _without_missing(data))


def render(templates_dir: Path, template: str, subject: str, data: dict[str, Any]) -> Rendered:
    env = environment(str(templates_dir))
    clean = _without_missing(data)
    try:
        text = render_bounded(env.get_template(f"{template}.txt.j2"), clean)
        html = render_bounded(env.get_template(f"{template}.html.j2"), clean)
    except TemplateError as exc:
        raise MissingData(f"template {template}: {exc.message or exc}") from None
    return Rendered(template, subject, _tidy(text), html.strip(), clean)


def _without_missing(value: Any) -> Any:
    """Drop None and empty strings at every depth, so StrictUndefined can see the gap."""
    if isinstance(value, dict):
        return {k: _without_missing(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_without_missing(v) for v in value]
    return value


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def reply_subject(subject: str) -> str:
    stripped = subject.strip()
    if stripped.lower().startswith(("re:", "aw:", "antw:")):
        return stripped
    return f"Re: {stripped}" if stripped else "Re: your message"


# -- the data each template reads -------------------------------------------------


def money(amount: Decimal, symbol: str = "$") -> str:
    return f"{symbol}{amount:,.2f}"


def long_date(day: dt.date | None) -> str | None:
    return f"{day:%B} {day.day}, {day.year}" if day else None


def first_name(contact: Contact | None, display_name: str) -> str | None:
    name = (contact.name if contact and contact.name else display_name).strip()
    if not name or "@" in name:
        return None
    if "," in name:  # "Moll, Teresa"
        name = name.split(",", 1)[1].strip() or name
    return name.split()[0]


def unworded_reason(matter: Matter, policy: StatusPolicy) -> str | None:
    """Why the draft says nothing of where the matter stands: its internal status code has
    no client wording, so the code is left out (never shown) and a person confirms."""
    if policy.wording.client_text(matter.status) is not None:
        return None
    return (
        f"matter {matter.matter_number}: status {matter.status!r} has no client wording, "
        "so the draft leaves it out (add it to the status wording file)"
    )


def stale_reason(matter: Matter, policy: StatusPolicy) -> str | None:
    """Why the record may no longer hold (a past date, or unchanged too long), or None."""
    number = matter.matter_number
    if not matter.next_step.strip() and matter_is_open(matter.status):
        return f"matter {number}: no next step on record (the draft says where it stands only)"
    if matter.next_date is not None and matter.next_date < policy.today:
        return (
            f"matter {number}: next step dated {matter.next_date.isoformat()}, before today "
            "(the draft leaves the date out)"
        )
    if matter.updated is not None and (policy.today - matter.updated).days > policy.stale_days:
        return (
            f"matter {number}: record unchanged since {matter.updated.isoformat()} "
            f"(over {policy.stale_days} days)"
        )
    return None


def matter_data(matter: Matter, policy: StatusPolicy) -> dict[str, Any]:
    """A matter as a client may read it: never an internal code (a status without client
    wording is left out), never a past date as upcoming (a date before today is left out).
    A matter with no next step on record (a closed one, most often) is told by its worded
    status alone; with neither there is nothing true to say, so no draft."""
    number = matter.matter_number
    if not matter.status.strip():
        raise MissingData(f"matter {number} has no status on record")
    status = policy.wording.client_text(matter.status)
    if not matter.next_step.strip() and status is None:
        raise MissingData(
            f"matter {number} has no next step on record and its status has no client "
            "wording: the draft would tell the client nothing"
        )
    return {
        "number": number,
        "title": matter.title,
        **({"status": status} if status is not None else {}),
        **({"next_step": matter.next_step} if matter.next_step.strip() else {}),
        **({"next_date": long_date(matter.next_date)} if _upcoming(matter, policy) else {}),
    }


def _upcoming(matter: Matter, policy: StatusPolicy) -> bool:
    return matter.next_date is not None and matter.next_date >= policy.today


def status_data(
    firm_name: str, contact_name: str | None, matters: list[Matter], policy: StatusPolicy
) -> dict[str, Any]:
    """The status draft's data; `warnings` name what the attorney should confirm before the
    VA sends it (a past next-step date, a record unchanged too long)."""
    if not matters:
        raise MissingData("no open matter to report on")
    return {
        "firm_name": firm_name,
        "contact_name": contact_name,
        "matters": [matter_data(m, policy) for m in matters],
        "warnings": [
            w for m in matters for w in (unworded_reason(m, policy), stale_reason(m, policy)) if w
        ],
    }


def stated_facts(rendered: Rendered) -> dict[str, list[str]]:
    """The matter and invoice numbers a draft states: the records it vouches for."""
    text = rendered.body_text
    return {
        kind: [row["number"] for row in rendered.data.get(kind, []) if row["number"] in text]
        for kind in ("matters", "invoices")
    }
