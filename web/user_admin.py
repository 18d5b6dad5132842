"""Managing logins from the admin pages: add, change role, deactivate, reset a password.

No Flask here: each function takes the session and the admin doing it, applies one
change, writes it to the audit log and leaves the commit to the caller. Passwords are
checked and hashed by inbox/accounts.py, the same code the CLI uses.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.accounts import AccountError, add_user, find_user, set_password
from inbox.audit import audit
from inbox.models import ROLES, User
from web import login_throttle


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.email)))


def add(session: Session, admin: User, email: str, name: str, role: str, password: str) -> User:
    """A new login; an address that already has one is refused (use reset instead)."""
    if find_user(session, email) is not None:
        raise AccountError(f"{email.strip()} already has a login")
    user, _ = add_user(session, email, role, password, name.strip())
    audit(session, "user_added", user=admin, email=user.email, role=role)
    return user


def change_role(session: Session, admin: User, user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if user.id == admin.id and role != "admin":
        raise AccountError("you cannot take the admin role from yourself")
    if user.role == role:
        return
    audit(session, "user_role_changed", user=admin, email=user.email, old=user.role, new=role)
    user.role = role


def set_active(session: Session, admin: User, user: User, active: bool) -> None:
    if user.id == admin.id and not active:
        raise AccountError("you cannot deactivate yourself")
    if user.active == active:
        return
    user.active = active
    audit(
        session, "user_reactivated" if active else "user_deactivated", user=admin, email=user.email
    )


def reset_password(session: Session, admin: User, user: User, password: str) -> None:
    set_password(user, password)
    audit(session, "user_password_reset", user=admin, email=user.email)


def unlock(session: Session, admin: User, user: User) -> int:
    """Forget the failed logins that make this account wait; how many were forgotten."""
    forgotten = login_throttle.unlock(session, user.email)
    audit(session, "user_unlocked", user=admin, email=user.email, failures=forgotten)
    return forgotten
