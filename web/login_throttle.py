"""How long a login attempt must wait after failures: per account and per client address.

No hard lock: each failure beyond a few free ones doubles the wait before the next
attempt (capped), counted over a sliding window. The wait per client address is
what stops password spraying over many accounts; the wait per account stops
guessing one password from many addresses. Neither applies to a browser that has
logged in to that account before (a signed "known device" cookie, web/auth.py), so a
stranger who knows a VA's address cannot keep the VA out. An admin's unlock
forgets an account's failures.
No Flask here: the session comes first, the clock is an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from inbox.models import LoginFailure

WINDOW = dt.timedelta(minutes=15)
FREE_FAILURES_PER_ACCOUNT = 5
FREE_FAILURES_PER_ADDRESS = 20
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 15 * 60


@dataclass(frozen=True)
class Wait:
    """Seconds left before another attempt may be checked, and whose failures cause it."""

    seconds: int
    reason: str  # "account" or "address"; "" when there is no wait


def wait_after(failures: int, free: int) -> int:
    """The wait after `failures` failures in the window: none for the first `free`
    ones, then 30 s doubling with each further failure, never more than 15 minutes."""
    if failures < free:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** min(failures - free, 16), MAX_WAIT_SECONDS)


def _left(session: Session, where: object, free: int, now: dt.datetime) -> int:
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            where, LoginFailure.at >= now - WINDOW
        )
    ).one()
    if not count or last is None:
        return 0
    if last.tzinfo is None:  # SQLite hands timestamps back without their zone
        last = last.replace(tzinfo=dt.UTC)
    until = last + dt.timedelta(seconds=wait_after(count, free))
    return max(0, int((until - now).total_seconds() + 0.999))


def wait_before_attempt(
    session: Session, email: str, address: str, now: dt.datetime, known_device: bool
) -> Wait:
    """How long this attempt must wait. A browser that has logged in to this account
    before does not wait: a stranger's failures, at the account or from a shared
    address (an office behind one NAT), must not keep its owner out."""
    if known_device:
        return Wait(0, "")
    by_address = _left(session, LoginFailure.address == address, FREE_FAILURES_PER_ADDRESS, now)
    if by_address:
        return Wait(by_address, "address")
    by_account = _left(session, LoginFailure.email == email, FREE_FAILURES_PER_ACCOUNT, now)
    if by_account:
        return Wait(by_account, "account")
    return Wait(0, "")


def record_failure(session: Session, email: str, address: str, now: dt.datetime) -> None:
    session.add(LoginFailure(at=now, email=email[:320], address=address[:64]))


def unlock(session: Session, email: str) -> int:
    """Forget the account's failures (an admin's action); how many were forgotten."""
    result = session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return result.rowcount or 0
