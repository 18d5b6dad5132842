"""The audit log as the admin page reads it: newest first, filtered, 50 a page. No Flask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from inbox.models import AuditEvent
from web.ids import parse_id, parse_page

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    message: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> AuditFilters:
        message = (args.get("message") or "").strip()
        page = (args.get("page") or "").strip()
        return cls(
            actor=(args.get("actor") or "").strip()[:320],
            action=(args.get("action") or "").strip()[:50],
            message=parse_id(message),
            page=parse_page(page),
        )

    def as_args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "actor": self.actor or None,
            "action": self.action or None,
            "message": self.message,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    actions: list[str]


def _filtered(query: Select[Any], filters: AuditFilters) -> Select[Any]:
    if filters.actor:
        query = query.where(AuditEvent.actor == filters.actor.lower())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.message is not None:
        query = query.where(AuditEvent.message_id == filters.message)
    return query


def audit_page(session: Session, filters: AuditFilters) -> AuditPage:
    total = session.scalar(_filtered(select(func.count()).select_from(AuditEvent), filters)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    events = session.scalars(
        _filtered(select(AuditEvent), filters)
        .order_by(AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return AuditPage(list(events), total, page, pages, list(actions))
