"""Saved replies kept in the database: the firm's (the admin keeps them) and each
person's own. Who may change which is decided here; no Flask here.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from inbox.audit import audit
from inbox.models import Snippet, User
from rules.snippets import SnippetError, check_snippet


def usable(session: Session, user: User) -> list[Snippet]:
    """The firm's saved replies, then the person's own, each by title."""
    return list(
        session.scalars(
            select(Snippet)
            .where(or_(Snippet.owner_id.is_(None), Snippet.owner_id == user.id))
            .order_by(Snippet.owner_id.is_not(None), Snippet.title, Snippet.id)
        )
    )


def may_change(user: User, snippet: Snippet) -> bool:
    """A person's own snippet is theirs; the firm's are the admin's."""
    if snippet.owner_id is None:
        return user.role == "admin"
    return snippet.owner_id == user.id


def usable_one(session: Session, user: User, snippet_id: int | None) -> Snippet:
    """One snippet the person may use, or SnippetError."""
    found = session.get(Snippet, snippet_id) if snippet_id is not None else None
    if found is None or found.owner_id not in (None, user.id):
        raise SnippetError("choose one of the saved replies")
    return found


def save(
    session: Session, user: User, title: str, body: str, *, firm: bool, snippet_id: int | None
) -> Snippet:
    """Create (no id) or change a snippet after checking its text; SnippetError says why not."""
    title, body = check_snippet(title, body)
    if snippet_id is None:
        if firm and user.role != "admin":
            raise SnippetError("only an admin keeps the firm's saved replies")
        snippet = Snippet(owner_id=None if firm else user.id, title=title, body=body)
        session.add(snippet)
    else:
        snippet = _changeable(session, user, snippet_id)
        snippet.title, snippet.body = title, body
    session.flush()
    audit(session, "snippet_saved", user=user, snippet_id=snippet.id, firm=snippet.owner_id is None)
    return snippet


def delete(session: Session, user: User, snippet_id: int) -> None:
    snippet = _changeable(session, user, snippet_id)
    session.delete(snippet)
    session.flush()
    audit(session, "snippet_deleted", user=user, snippet_id=snippet_id, title=snippet.title)


def _changeable(session: Session, user: User, snippet_id: int) -> Snippet:
    snippet = session.get(Snippet, snippet_id)
    if snippet is None or not may_change(user, snippet):
        raise SnippetError("that saved reply is not one you may change")
    return snippet
