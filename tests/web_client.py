"""A logged-in Flask test client, the way a browser does it (form, CSRF token, cookie)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import SAMPLE_PASSWORD

TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1) or found.group(2)


def login(app: Flask, email: str, password: str = SAMPLE_PASSWORD) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302, response.text
    return client


def post_form(client: FlaskClient, page_url: str, action_url: str, **fields: str):  # type: ignore[no-untyped-def]
    """POST a form of the page at page_url, with that page's CSRF token."""
    token = csrf_token(client.get(page_url).text)
    return client.post(action_url, data={"csrf_token": token, **fields})
