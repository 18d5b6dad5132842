"""Login, logout and roles.

Every page needs a login (the blueprints call `login_required` or `roles`); failed
logins are written to the audit log and to the throttle's table (web/login_throttle.py),
so the limits hold across processes and restarts. A session remembers the user's
session generation; logout and password changes move it on, which ends every session
of that user, copied cookies included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from inbox.accounts import authenticate, end_sessions, normalize_email
from inbox.audit import audit
from inbox.db import PREPARED
from inbox.models import AuditEvent, User
from web import database, login_throttle

blueprint = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])

GENERATION_KEY = "_generation"
DEVICE_COOKIE = "inbox_router_device"
DEVICE_MAX_AGE = 365 * 24 * 3600


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
    """The session's user, unless deactivated or the session is of an older generation."""
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    record = database.session().get(User, int(user_id), execution_options={PREPARED: True})
    if record is None or not record.active:
        return None
    if session.get(GENERATION_KEY) != record.session_generation:
        return None
    return LoginUser(record)


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


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="inbox-router-known-device")


def _known_device(email: str) -> bool:
    """Whether this browser has logged in to this account before (its signed cookie)."""
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    if not cookie:
        return False
    try:
        return _device_signer().loads(cookie, max_age=DEVICE_MAX_AGE) == email
    except BadSignature:
        return False


def _remember_device(response: Response, email: str) -> Response:
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer().dumps(email),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _too_many(form: LoginForm, wait: login_throttle.Wait) -> tuple[str, int]:
    whose = "this account" if wait.reason == "account" else "your network address"
    flash(
        f"Too many failed logins for {whose}. Try again in {wait.seconds} seconds "
        "(an admin can unlock an account).",
        "error",
    )
    return render_template("login.html", form=form), 429


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
        db = database.session()
        email = normalize_email(form.email.data or "")
        address = request.remote_addr or "unknown"
        now = dt.datetime.now(dt.UTC)
        wait = login_throttle.wait_before_attempt(db, email, address, now, _known_device(email))
        if wait.seconds:
            return _too_many(form, wait)
        user = authenticate(db, email, form.password.data or "")
        if user is None:
            db.add(AuditEvent(actor=email, action="login_failed", detail={"ip": address}))
            login_throttle.record_failure(db, email, address, now)
            db.commit()
            flash("Wrong e-mail or password.", "error")
            return render_template("login.html", form=form), 401
        user.last_login_at = now
        login_throttle.unlock(db, email)
        audit(db, "login", user=user, ip=address)
        db.commit()
        login_user(LoginUser(user))
        session[GENERATION_KEY] = user.session_generation
        return _remember_device(redirect(_safe_next(request.args.get("next"))), email)
    return render_template("login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    """Ends every session of the user, not just this browser's (a copied cookie too)."""
    if current_user.is_authenticated:
        db = database.session()
        user = me()
        end_sessions(user)
        audit(db, "logout", user=user)
        db.commit()
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
