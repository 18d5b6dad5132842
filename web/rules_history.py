"""Editing the rules file from the admin page: the validator first, a diff, versions kept
in the database, rollback.

A version is saved only if the router's own loader accepts it (rules_check.py), and it
is written atomically so a process reading the file never sees half of it. Every save
(an edit or a rollback) is a new version; the first one also keeps the file as it was,
so the original is always one rollback away. No Flask here.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.audit import audit
from inbox.models import RulesVersion, User
from web.rules_check import RulesCheck, check_rules


class RulesSaveError(ValueError):
    """The rules were not saved; `check` holds the validator's line when it refused them."""

    def __init__(self, text: str, check: RulesCheck | None = None) -> None:
        super().__init__(text)
        self.check = check


def normalized(text: str) -> str:
    """What the browser sends (CRLF line ends), as the file keeps it."""
    text = text.replace("\r\n", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def diff(current: str, proposed: str, path: Path) -> list[str]:
    """The change as unified-diff lines, for a person to read before saving."""
    return list(
        difflib.unified_diff(
            current.splitlines(),
            proposed.splitlines(),
            fromfile=f"{path.name} (in use)",
            tofile=f"{path.name} (proposed)",
            lineterm="",
        )
    )


def versions(session: Session) -> list[RulesVersion]:
    """The saved versions, newest first."""
    return list(session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc())))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RulesSaveError(f"not saved: cannot write {path}: {exc.strerror or exc}") from None


def save_rules(
    session: Session,
    admin: User,
    path: Path,
    templates_dir: Path,
    text: str,
    *,
    restored_from: int | None = None,
) -> RulesVersion:
    """Validate, keep the version, write the file. Refused text changes nothing."""
    text = normalized(text)
    check = check_rules(text, templates_dir)
    if not check.ok:
        raise RulesSaveError(f"not saved: {check.message}", check)
    try:
        current = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesSaveError(f"not saved: cannot read {path}: {exc.strerror or exc}") from None
    if current == text:
        raise RulesSaveError("not saved: this is the file already in use")
    if not session.scalar(select(func.count()).select_from(RulesVersion)):
        session.add(RulesVersion(kind="original", sha256=sha256(current), text=current))
    version = RulesVersion(
        user_id=admin.id,
        kind="rollback" if restored_from is not None else "edit",
        restored_from=restored_from,
        sha256=sha256(text),
        text=text,
    )
    session.add(version)
    session.flush()  # the version is in the transaction before the file changes
    _write_atomically(path, text)
    audit(
        session,
        "rules_saved",
        user=admin,
        version=version.id,
        kind=version.kind,
        restored_from=restored_from,
        sha256=version.sha256,
    )
    return version


def roll_back(
    session: Session, admin: User, path: Path, templates_dir: Path, version_id: int
) -> RulesVersion:
    """Make an earlier version the file in use again (as a new version, so history stays)."""
    earlier = session.get(RulesVersion, version_id)
    if earlier is None:
        raise RulesSaveError(f"no rules version {version_id}")
    return save_rules(session, admin, path, templates_dir, earlier.text, restored_from=earlier.id)
