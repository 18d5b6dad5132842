"""Editing the mail templates from the admin page, with a preview on a real message.

The preview renders the edited text in the router's own sandbox (rules/drafting.py
render_source) with the data the router would build for the chosen message
(Router.draft_data / notice_data / acknowledgement_data). Any error, a syntax error,
an undefined value or something the sandbox refuses, comes back as text, never as an
exception. A template is saved only if it renders on the preview message; the
previous version stays beside it as NAME.j2.bak-<timestamp>. No Flask here.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.audit import audit
from inbox.mail.parse import parse_message
from inbox.models import Attorney, Message, User
from rules.drafting import MissingData, render_source
from rules.identify import identify
from rules.localize import untranslated
from rules.route import Router

FOLDERS = ("client", "client/es", "client/de", "client/fr", "attorney")
PARTS = (".txt.j2", ".html.j2")
MAX_SOURCE = 100_000


class TemplateEditError(ValueError):
    """The template cannot be previewed or saved; the text says why."""


@dataclass(frozen=True)
class Preview:
    message_id: int | None
    text: str | None  # the rendered template, when it rendered
    error: str | None  # why it did not


def list_templates(templates_dir: Path) -> list[str]:
    """client/*.j2 (and its es, de, fr translations) and attorney/*.j2, relative names."""
    names = []
    for folder in FOLDERS:
        for path in sorted((templates_dir / folder).glob("*.j2")):
            if path.is_file():
                names.append(f"{folder}/{path.name}")
    return names


def template_path(templates_dir: Path, name: str) -> Path:
    """Only a listed template (no other path can be read or written)."""
    if name not in list_templates(templates_dir):
        raise TemplateEditError(f"no template {name!r}")
    return templates_dir / name


def template_key(name: str) -> str:
    """client/billing_query.txt.j2 -> client/billing_query (what the rules name)."""
    for part in PARTS:
        if name.endswith(part):
            return name[: -len(part)]
    return name.removesuffix(".j2")


LABEL_FOR = {
    "client/status_request": "status_request",
    "client/billing_query": "billing_query",
    "client/legal_ack": "legal_question",
    "attorney/escalation": "legal_question",
}
INTENT_TEMPLATES = (("client/status_", "status_request"), ("client/billing_", "billing_query"))


def answers(name: str) -> tuple[str | None, str | None]:
    """(label, intent) of the mail a template answers: client/es/status_timeline.txt.j2
    answers status_request mail asking status.timeline; the general ones no intent."""
    key = untranslated(template_key(name))
    if key in LABEL_FOR:
        return LABEL_FOR[key], None
    for prefix, label in INTENT_TEMPLATES:
        if key.startswith(prefix):
            return label, f"{label.split('_')[0]}.{key.removeprefix(prefix)}"
    return None, None


def suggested_message(session: Session, name: str) -> int | None:
    """The newest stored message of the kind this template answers (its intent, else its
    label), else the newest."""
    query = select(Message.id).where(Message.state != "quarantined").order_by(Message.id.desc())
    label, intent = answers(name)
    tries = []
    if intent:
        tries.append(query.where(Message.label == label, Message.intent == intent))
    if label:
        tries.append(query.where(Message.label == label))
    for narrowed in tries:
        found = session.scalar(narrowed.limit(1))
        if found is not None:
            return found
    return session.scalar(query.limit(1))


def _attorney_for(message: Message, who: Any) -> Attorney:
    if message.assignee_attorney is not None:
        return message.assignee_attorney
    if who.matter is not None and who.matter.responsible_attorney is not None:
        return who.matter.responsible_attorney
    if who.client is not None and who.client.relationship_attorney is not None:
        return who.client.relationship_attorney
    return Attorney(email="attorney@example.invalid", name="(the attorney)")


def preview_data(session: Session, router: Router, name: str, message: Message) -> dict[str, Any]:
    """What the router would give this template for this message, read now."""
    if message.raw is None:
        raise MissingData(f"message {message.id} has no stored mail")
    parsed = parse_message(message.raw.content)
    who = identify(session, parsed, router.settings.matter_pattern)
    key = template_key(name)
    if key.startswith("attorney/"):
        confidence = message.confidence if message.confidence is not None else 0.0
        attorney = _attorney_for(message, who)
        return router.notice_data(parsed, confidence, who, attorney, message.sla_due_at, message.id)
    if key.endswith("_ack"):
        return router.acknowledgement_data(session, parsed, who, _attorney_for(message, who))
    return router.draft_data(session, key, parsed, who, router.clock())


def _describe(exc: Exception) -> str:
    if isinstance(exc, TemplateSyntaxError):
        return f"syntax error on line {exc.lineno}: {exc.message}"
    if isinstance(exc, SecurityError):
        return f"refused by the sandbox: {exc}"
    if isinstance(exc, UndefinedError):
        return f"undefined value: {exc}"
    return f"{type(exc).__name__}: {exc}"


def preview(
    session: Session, router: Router, name: str, source: str, message_id: int | None
) -> Preview:
    """Render `source` as template `name` on the stored message; errors become text."""
    source = source.replace("\r\n", "\n")
    if len(source) > MAX_SOURCE:
        return Preview(message_id, None, f"the template is longer than {MAX_SOURCE} characters")
    message = session.get(Message, message_id) if message_id is not None else None
    if message is None:
        return Preview(message_id, None, "choose a stored message to preview on")
    try:
        data = preview_data(session, router, name, message)
    except MissingData as exc:
        return Preview(message_id, None, f"message {message_id} has no data for it: {exc}")
    try:
        text = render_source(router.settings.templates_dir, name, source, data)
    except Exception as exc:  # any failure of user-written template code is reported
        return Preview(message_id, None, _describe(exc))
    return Preview(message_id, text, None)


def _backup_name(path: Path, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.bak-{stamp}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    return candidate


def save_template(
    session: Session,
    router: Router,
    admin: User,
    name: str,
    source: str,
    message_id: int | None,
) -> Path:
    """Write the template if it renders on the preview message; returns the backup."""
    path = template_path(router.settings.templates_dir, name)
    source = source.replace("\r\n", "\n")
    result = preview(session, router, name, source, message_id)
    if result.error is not None:
        raise TemplateEditError(f"not saved: {result.error}")
    backup = _backup_name(path, dt.datetime.now(dt.UTC))
    shutil.copy2(path, backup)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(source, encoding="utf-8")
    os.replace(tmp, path)  # atomic: the router never reads half a template
    audit(
        session,
        "template_saved",
        user=admin,
        template=name,
        backup=backup.name,
        preview_message=message_id,
    )
    return backup
