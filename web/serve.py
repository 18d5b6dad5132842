"""Serving the UI with waitress (a production WSGI server), the outbox worker beside it.

One process serves with threads; Python runs one thread at a time, so `--workers N`
pre-forks N processes that share the listening socket and use N cores (the parent
only supervises, and runs the outbox worker when asked). Any WSGI server can also
run `web.wsgi:app` (e.g. gunicorn), with `inbox-router send` as its own process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import threading
from typing import Any

from inbox.settings import Settings
from web import create_app

log = logging.getLogger(__name__)


def _listen(host: str, port: int) -> socket.socket:
    listener = socket.create_server((host, port), backlog=1024, reuse_port=False)
    listener.setblocking(False)
    return listener


def _serve_here(settings: Settings, listener: socket.socket, threads: int) -> None:
    from waitress import create_server

    server = create_server(
        create_app(settings), sockets=[listener], threads=threads, ident="inbox-router"
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _fork_worker(settings: Settings, listener: socket.socket, threads: int) -> int:
    pid = os.fork()
    if pid == 0:  # the worker: its own app, engine and connections, made after the fork
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        try:
            _serve_here(settings, listener, threads)
        finally:
            os._exit(0)
    return pid


def _start_sender(settings: Settings, stop: threading.Event) -> threading.Thread:
    from inbox.db import make_engine, session_factory
    from inbox.sender import OutboxWorker, run_in_thread

    return run_in_thread(OutboxWorker(session_factory(make_engine(settings)), settings), stop)


def serve(settings: Settings, host: str, port: int, *, threads: int = 8, workers: int = 1) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("inbox").setLevel(logging.INFO)
    if workers > 1 and not settings.secret_key:
        # One key for all workers, or a login made in one would be refused by another.
        log.warning("INBOX_ROUTER_SECRET_KEY is not set: logins end when the server restarts")
        settings = settings.with_changes(secret_key=secrets.token_hex(32))
    listener = _listen(host, port)
    children = (
        [_fork_worker(settings, listener, threads) for _ in range(workers)] if workers > 1 else []
    )
    stop = threading.Event()
    sender = _start_sender(settings, stop) if settings.send_in_serve else None
    shape = f"{workers} processes x {threads} threads" if children else f"{threads} threads"
    print(f"inbox-router: serving http://{host}:{port}/ ({shape}; Ctrl-C stops)", flush=True)

    def end_children(*_: Any) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    try:
        if not children:
            _serve_here(settings, listener, threads)
            return
        signal.signal(signal.SIGTERM, end_children)
        for child in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child, 0)
    except KeyboardInterrupt:
        pass
    finally:
        end_children()
        listener.close()
        stop.set()
        if sender is not None:
            sender.join(timeout=60)
