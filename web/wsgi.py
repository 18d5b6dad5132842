"""The WSGI entry point for production servers, e.g.

    INBOX_ROUTER_DB=postgresql://... INBOX_ROUTER_SECRET_KEY=... \\
        gunicorn --workers 4 --bind 127.0.0.1:8000 'web.wsgi:app'

Settings come from the INBOX_ROUTER_* environment, read once here.
"""

from __future__ import annotations

from web import create_app

app = create_app()
