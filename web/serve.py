"""Serving the UI with gunicorn, embedded, the outbox worker beside it.

Python runs one thread at a time per process, so by default gunicorn runs one worker
process a core (`--workers N` to choose), each with `--threads` request threads (its
gthread worker) and its own app, engine and connections, built after the fork. The
arbiter (gunicorn's supervising process) runs the outbox worker when asked. Any WSGI
server can also run `web.wsgi:app`, with `inbox-router send` as its own process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.process
import os
import secrets
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.http import wsgi as gunicorn_wsgi

from inbox.cores import usable_cores
from inbox.db import make_engine, session_factory
from inbox.outgoing.worker import OutboxWorker, run_until_signalled
from inbox.settings import Settings
from web import create_app

log = logging.getLogger(__name__)
WSGIApp = Callable[..., Any]
GRACEFUL_SECONDS = 10  # an in-flight page at SIGTERM finishes well within this
# Python collects its youngest objects after this many more were made than freed (its
# default: 700, more than once a page; see _settle_memory).
YOUNG_COLLECTION_AFTER = 3_000


def default_workers() -> int:
    """One server process for each core this process may run on."""
    return usable_cores()


def _unwrapped(app: WSGIApp) -> WSGIApp:
    return app


def _send_until_signalled(settings: Settings) -> None:
    """The outbox worker's own process: SIGTERM lets the current mail finish."""
    run_until_signalled(OutboxWorker(session_factory(make_engine(settings)), settings))


class _Sender:
    """The outbox worker beside the server: one for the whole server, not one a worker.

    A process of its own, spawned (not forked) from the arbiter: a thread in the arbiter
    would be running at every later fork of a worker, and forking a process that runs
    threads can leave a lock held in the child for good."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.process = spawn.Process(
            target=_send_until_signalled, args=(self.settings,), name="inbox-router-outbox"
        )
        self.process.start()

    def end(self, _arbiter: Arbiter) -> None:
        """gunicorn's on_exit: after the workers have stopped."""
        if self.process is None or not self.process.is_alive():
            return
        self.process.terminate()  # SIGTERM: the mail being sent finishes first
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class _Server(BaseApplication):
    """gunicorn's documented custom application: options set here, not from its command
    line or a config file; the app is built in each worker (no preload), so no engine
    or connection crosses a fork."""

    def __init__(
        self, settings: Settings, wrap: Callable[[WSGIApp], WSGIApp], options: dict[str, Any]
    ) -> None:
        self.settings = settings
        self.wrap = wrap
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        _hide_server_name()

    def load(self) -> WSGIApp:
        app = self.wrap(create_app(self.settings))
        _settle_memory()
        return app


def _settle_memory() -> None:
    """In each worker, once its app is built: what is alive now (modules, the models'
    metadata, the app; ~200,000 objects) lives as long as the process, so Python's
    garbage collector is told to leave it be (gc.freeze), and collects the young
    objects less often. A full collection went through all of them: 130-570 ms during
    which no thread of the worker ran, about once every few hundred pages, and the
    young collections, more than one a page, took ~0.2-0.6 ms a page between them."""
    gc.collect()  # what the build left as garbage is freed, not kept for good
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])


def _hide_server_name() -> None:
    """gunicorn names itself in every response's Server header and has no setting for
    it; the name (and so which flaws to try) is none of a visitor's business. Its
    responses read the module's SERVER when they are made, in each worker."""
    gunicorn_wsgi.SERVER = "-"


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _when_ready(banner: str, sender: _Sender | None) -> Callable[[Arbiter], None]:
    """gunicorn's when_ready: the arbiter listens; runs once, before the workers fork."""

    def ready(_arbiter: Arbiter) -> None:
        if sender is not None:
            sender.start()
        print(banner, flush=True)

    return ready


def _exit_code(stopped: SystemExit) -> int:
    """gunicorn exits with an int or None (0); anything else as Python would: 1."""
    if stopped.code is None:
        return 0
    return stopped.code if isinstance(stopped.code, int) else 1


def _run(server: _Server) -> None:
    """Run until stopped. gunicorn ends a worker process with SystemExit, which must not
    unwind through the caller's code (its `finally` blocks) in that process."""
    arbiter = os.getpid()
    try:
        server.run()
    except SystemExit as stopped:
        if os.getpid() != arbiter:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(_exit_code(stopped))
        if _exit_code(stopped):
            raise


def _shared_key(settings: Settings) -> Settings:
    """One key made here for all workers (and any the arbiter starts again), or a login
    made in one would be refused by another."""
    if settings.secret_key:
        return settings
    log.warning("INBOX_ROUTER_SECRET_KEY is not set: logins end when the server restarts")
    return settings.with_changes(secret_key=secrets.token_hex(32))


def _options(
    host: str, port: int, workers: int, threads: int, sender: _Sender | None
) -> dict[str, Any]:
    """gunicorn's settings: quiet but for warnings and errors, no access log."""
    shape = f"{workers} processes x {threads} threads" if workers > 1 else f"{threads} threads"
    banner = f"inbox-router: serving http://{host}:{port}/ ({shape}; Ctrl-C stops)"
    options: dict[str, Any] = {
        "bind": [_bind(host, port)],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "graceful_timeout": GRACEFUL_SECONDS,
        "loglevel": "warning",
        "proc_name": "inbox-router",
        "control_socket_disable": True,  # one shared default path; two servers would clash
        "when_ready": _when_ready(banner, sender),
    }
    if sender is not None:
        options["on_exit"] = sender.end
    return options


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
    process's app (the web benchmark's timing). Returns when the server is stopped."""
    workers = default_workers() if workers is None else workers
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("inbox").setLevel(logging.INFO)
    settings = _shared_key(settings)
    sender = _Sender(settings) if settings.send_in_serve else None
    _run(_Server(settings, wrap, _options(host, port, workers, threads, sender)))
