"""Serving the UI with waitress (a production WSGI server), the outbox worker beside it.

For a larger setup run the WSGI app from web/wsgi.py under gunicorn or waitress and
the outbox worker as its own process (`inbox-router send`).
"""

from __future__ import annotations

import logging
import threading

from inbox.settings import Settings
from web import create_app


def serve(settings: Settings, host: str, port: int, *, threads: int = 8) -> None:
    from waitress import create_server

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("inbox").setLevel(logging.INFO)
    app = create_app(settings)
    stop = threading.Event()
    sender = None
    if settings.send_in_serve:
        from inbox.sender import OutboxWorker, run_in_thread

        sender = run_in_thread(OutboxWorker(app.extensions["inbox_router"].factory, settings), stop)
    server = create_server(app, host=host, port=port, threads=threads, ident="inbox-router")
    print(f"inbox-router: serving http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        stop.set()
        if sender is not None:
            sender.join(timeout=60)
