"""Logins: creating users and checking passwords, for the CLI and the web UI alike.

Passwords are hashed with werkzeug's scrypt (salted, slow on purpose); the clear
password is never stored or logged. An attorney's login is linked to the attorney
of the firm directory with the same address, so "my escalations" finds theirs.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from inbox.models import ROLES, Attorney, User

MIN_PASSWORD_LENGTH = 10
# Compared against when the address is unknown, so a wrong address costs the same
# time as a wrong password and does not reveal which addresses have logins.
_DUMMY_HASH = generate_password_hash("inbox-router-dummy-password")


class AccountError(ValueError):
    """The account cannot be created or changed; the text says why."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def end_sessions(user: User) -> None:
    """Every session of this user stops working at its next request (logout, new password)."""
    user.session_generation = (user.session_generation or 0) + 1


def set_password(user: User, password: str) -> None:
    """A new password also ends the user's sessions: whoever held one must log in again."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)
    end_sessions(user)


def add_user(
    session: Session, email: str, role: str, password: str, name: str = ""
) -> tuple[User, bool]:
    """Create the login, or update role, name and password of an existing one.

    Returns the user and whether it was created."""
    email = normalize_email(email)
    if "@" not in email or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    user = find_user(session, email)
    created = user is None
    if user is None:
        user = User(email=email, role=role, name=name, password_hash="")
        session.add(user)
    user.role = role
    user.active = True
    if name:
        user.name = name
    set_password(user, password)
    attorney = session.scalar(select(Attorney).where(func.lower(Attorney.email) == email))
    user.attorney = attorney
    if attorney is not None and not user.name:
        user.name = attorney.name
    session.flush()
    return user, created


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this address and password, else None (in constant-ish time)."""
    user = find_user(session, email)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


MAX_SIGNATURE = 2000


def set_signature(user: User, text: str) -> None:
    """The plain text put under the replies this person writes (at most 20 lines)."""
    text = text.replace("\r\n", "\n").strip("\n")
    if len(text) > MAX_SIGNATURE or text.count("\n") >= 20:
        raise AccountError(f"Signature: at most 20 lines and {MAX_SIGNATURE} characters")
    user.signature = "\n".join(line.rstrip() for line in text.split("\n"))
