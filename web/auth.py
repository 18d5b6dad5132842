"""Login, logout and roles.

Every page needs a login (the blueprints call `login_required` or `roles`); failed
logins are written to the audit log, which is also what the rate limit counts, so
it holds across processes and restarts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from inbox.accounts import authenticate, normalize_email
from inbox.audit import audit
from inbox.models import AuditEvent, User
from web import database

blueprint = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)


class LoginUser(UserMixin):
    """What Flask-Login keeps of a user: the row, looked up again on every request."""

    def __init__(self, record: User) -> None:
        self.record = record
        self.id = record.id
        self.email = record.email
        self.name = record.name or record.email
        self.role = record.role

    def can(self, *roles: str) -> bool:
        return self.role in roles or self.role == "admin"


def _load_user(user_id: str) -> LoginUser | None:
    if not user_id.isdigit():
        return None
    record = database.session().get(User, int(user_id))
    return LoginUser(record) if record is not None and record.active else None


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see this page."
    manager.session_protection = "strong"
    manager.user_loader(_load_user)


def login_required(view: F) -> F:
    return roles("va", "attorney", "admin")(view)


def roles(*allowed: str) -> Callable[[F], F]:
    """Only these roles may open the view (admin may open every view)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                # full_path ends in "?" when there is no query string; drop it.
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not current_user.can(*allowed):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def me() -> User:
    """The logged-in user's row, for the domain functions."""
    return current_user.record


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


def _recent_failures(email: str, address: str) -> tuple[int, int]:
    since = dt.datetime.now(dt.UTC) - FAILURE_WINDOW
    rows = database.session().execute(
        select(AuditEvent.actor, AuditEvent.detail).where(
            AuditEvent.action == "login_failed",
            AuditEvent.at >= since,
            or_(AuditEvent.actor == email, AuditEvent.actor == f"ip:{address}"),
        )
    )
    per_account = per_address = 0
    for actor, detail in rows:
        per_account += actor == email
        per_address += (detail or {}).get("ip") == address
    return per_account, per_address


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirect)."""
    # Browsers read "/\\host" as "//host": refuse backslashes along with other hosts.
    if (
        target
        and target.startswith("/")
        and not urlsplit(target).netloc
        and "\\" not in target
        and not target.startswith("//")
    ):
        return target.rstrip("?") or "/"
    return url_for("auth.home")  # each role's own start page (an attorney's escalations)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        session = database.session()
        email = normalize_email(form.email.data or "")
        address = request.remote_addr or "unknown"
        per_account, per_address = _recent_failures(email, address)
        if per_account >= MAX_FAILURES_PER_ACCOUNT or per_address >= MAX_FAILURES_PER_ADDRESS:
            flash("Too many failed logins. Wait 15 minutes and try again.", "error")
            return render_template("login.html", form=form), 429
        user = authenticate(session, email, form.password.data or "")
        if user is None:
            session.add(AuditEvent(actor=email, action="login_failed", detail={"ip": address}))
            session.commit()
            flash("Wrong e-mail or password.", "error")
            return render_template("login.html", form=form), 401
        user.last_login_at = dt.datetime.now(dt.UTC)
        audit(session, "login", user=user, ip=address)
        session.commit()
        login_user(LoginUser(user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        session = database.session()
        audit(session, "logout", user=me())
        session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/")
def home() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    # Each role lands on its own work: the attorney's escalations, the admin's setup.
    if current_user.role == "attorney":
        return redirect(url_for("queues.queue", name="mine"))
    if current_user.role == "admin":
        return redirect(url_for("admin.index"))
    return redirect(url_for("queues.queue", name="triage"))
