"""The review UI: a Flask app factory, one blueprint a feature.

`create_app(settings)` builds everything the app needs once (engine, session
factory, the router with its model) and keeps it on the app, never at module level,
so tests can run several apps side by side. Views validate, call one domain
function (rules/review.py, inbox/outgoing/outbox.py), commit and redirect.
"""

from __future__ import annotations

import logging
import secrets
from functools import partial
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from inbox.db import ONLY_MARKED, make_engine, session_factory
from inbox.mail.filetypes import megabytes
from inbox.settings import Settings
from web import (
    account,
    admin,
    auth,
    bulk_actions,
    compose,
    database,
    messages,
    metrics,
    no_reply,
    outbox_page,
    presence,
    queues,
    security,
    snippets,
    undo,
)
from web.display import (
    label_badge,
    local_time,
    money,
    past_due,
    plural,
    reason_beside_rules,
    time_tag,
)
from web.ids import IdConverter

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    secret = settings.secret_key
    if not secret:
        log.warning(
            "INBOX_ROUTER_SECRET_KEY is not set: using a random key, so logins end "
            "when the process restarts"
        )
        secret = secrets.token_hex(32)
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login session
        # Form text beside the files a reply may carry (web/compose.py checks each file).
        MAX_CONTENT_LENGTH=max(2 * 1024 * 1024, settings.max_attachment_bytes + 1024 * 1024),
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added
    # Only the statements marked so are prepared (inbox/db.py), kept from one request to
    # the next by ending a read-only one with a commit (web/database.py).
    engine = make_engine(settings).execution_options(**{ONLY_MARKED: True})
    app.extensions["inbox_router"] = database.AppState(
        settings=settings, engine=engine, factory=session_factory(engine)
    )
    zone = ZoneInfo(settings.timezone)
    app.add_template_filter(partial(local_time, zone=zone), "local")
    app.add_template_global(label_badge)
    app.add_template_global(partial(time_tag, zone=zone), "when")
    app.add_template_global(plural)
    app.add_template_global(money)
    app.add_template_global(partial(past_due, zone=zone), "past_due")
    app.add_template_global(reason_beside_rules)
    CSRFProtect(app)
    database.init_app(app)
    if settings.trusted_proxies:  # the client's address, not the proxy's, for the throttle
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    security.init_app(app, https=settings.base_url.startswith("https://"))
    auth.init_app(app)
    for blueprint in (
        auth.blueprint,
        queues.blueprint,
        messages.blueprint,
        compose.blueprint,
        snippets.blueprint,
        account.blueprint,
        no_reply.blueprint,
        bulk_actions.blueprint,
        presence.blueprint,
        admin.blueprint,
        metrics.blueprint,
        outbox_page.blueprint,
        undo.blueprint,
    ):
        app.register_blueprint(blueprint)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    return app


ERROR_TEXTS = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your role does not allow this page or action."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Not allowed", "This address does not take that kind of request."),
    413: (
        "Too large",
        "What was sent is too large: the files on one reply may total at most {limit}. "
        "Nothing was saved; go back and attach fewer or smaller files.",
    ),
    429: ("Slow down", "Too many requests; wait a moment."),
    500: ("Something went wrong", "The error is logged; nothing was half-saved."),
}


def _error_page(error: HTTPException) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    title, text = ERROR_TEXTS.get(code, ("Error", ""))
    text = text.format(limit=megabytes(database.settings().max_attachment_bytes))
    return render_template("error.html", code=code, title=title, text=text), code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    text = "The form was missing its security token or it expired. Reload the page and try again."
    return render_template("error.html", code=400, title="Form refused", text=text), 400
