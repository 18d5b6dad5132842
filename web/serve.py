"""Serving the UI with waitress (a production WSGI server), the outbox worker beside it.

One process serves with threads; Python runs one thread at a time, so by default
one process a core is pre-forked (`--workers N` to choose); they share the listening
socket (the parent only supervises, and runs the outbox worker when asked). Any WSGI server can also
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
from collections.abc import Callable
from typing import Any

from inbox.cores import usable_cores
from inbox.settings import Settings
from web import create_app

log = logging.getLogger(__name__)
WSGIApp = Callable[..., Any]


def default_workers() -> int:
    """One server process for each core this process may run on."""
    return usable_cores()


def _listen(host: str, port: int) -> socket.socket:
    listener = socket.create_server((host, port), backlog=1024, reuse_port=False)
    listener.setblocking(False)
    return listener


def _serve_here(
    settings: Settings, listener: socket.socket, threads: int, wrap: Callable[[WSGIApp], WSGIApp]
) -> None:
    from waitress import create_server

    server = create_server(
        wrap(create_app(settings)), sockets=[listener], threads=threads, ident="inbox-router"
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _fork_worker(
    settings: Settings, listener: socket.socket, threads: int, wrap: Callable[[WSGIApp], WSGIApp]
) -> int:
    pid = os.fork()
    if pid == 0:  # the worker: its own app, engine and connections, made after the fork
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        try:
            _serve_here(settings, listener, threads, wrap)
        finally:
            os._exit(0)
    return pid


def _start_sender(settings: Settings, stop: threading.Event) -> threading.Thread:
    from inbox.db import make_engine, session_factory
    from inbox.outgoing.worker import OutboxWorker, run_in_thread

    return run_in_thread(OutboxWorker(session_factory(make_engine(settings)), settings), stop)


def _unwrapped(app: WSGIApp) -> WSGIApp:
    return app


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    threads: int = 8,
    workers: int | None = None,
    wrap: Callable[[WSGIApp], WSGIApp] = _unwrapped,
) -> None:
    """`workers`: processes (None: one a core). `wrap`: WSGI middleware around each
    process's app (the web benchmark's timing)."""
    workers = default_workers() if workers is None else workers
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("inbox").setLevel(logging.INFO)
    if workers > 1 and not settings.secret_key:
        # One key for all workers, or a login made in one would be refused by another.
        log.warning("INBOX_ROUTER_SECRET_KEY is not set: logins end when the server restarts")
        settings = settings.with_changes(secret_key=secrets.token_hex(32))
    listener = _listen(host, port)
    forked = range(workers) if workers > 1 else range(0)
    children = [_fork_worker(settings, listener, threads, wrap) for _ in forked]
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
            _serve_here(settings, listener, threads, wrap)
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
