"""What the app holds once (settings, engine, router) and the session of a request.

A request gets one session, opened on first use and closed when the request ends;
views commit explicitly after their one domain call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from classifier.registry import active_model_path
from inbox.settings import Settings
from rules.route import Router


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    _router: Router | None = None
    _rules_stamp: tuple[int, int] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def router(self) -> Router:
        """The active model and the rules, loaded on first need and kept for the process;
        loaded again when the rules file changes (saved from the admin page, maybe by
        another worker process)."""
        stamp = _file_stamp(self.settings.rules_path)
        with self._lock:
            if self._router is None or stamp != self._rules_stamp:
                with self.factory() as db_session:
                    model = active_model_path(db_session, self.settings)
                self._router = Router.from_settings(self.settings, model)
                self._rules_stamp = stamp
            return self._router

    def forget_router(self) -> None:
        """A new model was promoted: the next request loads it."""
        with self._lock:
            self._router = None


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def state() -> AppState:
    return current_app.extensions["inbox_router"]


def settings() -> Settings:
    return state().settings


def session() -> Session:
    if "db_session" not in g:
        g.db_session = state().factory()
    return g.db_session


def _close(exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        if exc is None and _wrote_nothing(db_session):
            # PostgreSQL: the same as a rollback, but psycopg forgets the connection's
            # prepared statements on every rollback (inbox/db.py): a page's statements
            # would never stay prepared from one request to the next.
            db_session.commit()
    except SQLAlchemyError:  # e.g. a transaction a view left failed: close rolls it back
        pass
    finally:
        db_session.close()


def _wrote_nothing(db_session: Session) -> bool:
    """PostgreSQL: the request's open transaction has written nothing, and the session
    holds no change to flush (a transaction id is given at the first write)."""
    if not db_session.in_transaction() or db_session.new or db_session.dirty or db_session.deleted:
        return False
    connection = db_session.connection()
    if connection.dialect.name != "postgresql":
        return False
    return connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is None


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close)
