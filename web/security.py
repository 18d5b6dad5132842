"""Response headers that make the browser a second line of defence.

Pages allow only the app's own scripts and styles; the frame that shows a client's
HTML mail gets its own, stricter policy (no scripts at all, no remote images). The
headers are set twice over: by Flask on every response it makes, and by a WSGI
wrapper around the whole app for anything that escapes Flask (an error inside an
error handler), which would otherwise reach the browser as the server's bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, request

log = logging.getLogger(__name__)

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# Mail HTML: inline styles are kept by the sanitizer, so allow them; nothing else loads.
MAIL_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; "
    "script-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "
    "sandbox"
)
# The app uses none of these browser features; nothing it shows may either.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), midi=(), display-capture=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> dict[str, str]:
    """Every response's headers but the content policy's variants and caching."""
    headers = {
        "Content-Security-Policy": PAGE_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "SAMEORIGIN",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _headers(response: Response, https: bool) -> Response:
    for name, value in security_headers(https).items():
        response.headers.setdefault(name, value)
    # Everything but the static files may hold client data: never cached, error pages too.
    if not (request.endpoint or "").startswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_LAST_RESORT = (
    b"<!doctype html><title>Something went wrong</title><h1>Something went wrong</h1>"
    b"<p>The error is logged; nothing was half-saved.</p>"
)


class HardenedWSGI:
    """Adds the security headers to whatever leaves the app and answers an exception
    that escaped Flask with a plain 500 page that carries them too."""

    def __init__(self, app: WSGIApp, https: bool) -> None:
        self.app = app
        self.headers = {**security_headers(https), "Cache-Control": "no-store"}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(
                (name, value) for name, value in self.headers.items() if name.lower() not in present
            )
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        except Exception:
            log.exception("request failed outside the app's error handling")
            headers = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(_LAST_RESORT))),
                *self.headers.items(),
            ]
            # Flask calls start_response only once a response is made, so none was.
            start_response("500 Internal Server Error", headers)
            return [_LAST_RESORT]


def init_app(app: Flask, https: bool) -> None:
    app.after_request(lambda response: _headers(response, https))
    app.wsgi_app = HardenedWSGI(app.wsgi_app, https)  # type: ignore[method-assign]
