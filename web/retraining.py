"""Retraining the classifier from the admin page, in a background thread.

Training takes about a minute, so a request only starts it: one job at a time per
app process, running `retrain_with_corrections` (what `inbox-router train
--include-corrections` runs) in its own session, and the page shows "running since"
and then the result. The start and the result are in the audit log. No Flask here.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from classifier.commands import retrain_with_corrections
from classifier.persistence import ModelFileError, read_bundle
from classifier.registry import active_model_path
from inbox.audit import audit
from inbox.models import Classification, ModelVersion, User
from inbox.settings import PROJECT_ROOT, Settings
from web.display import shown_path

log = logging.getLogger(__name__)
Train = Callable[[Session, Settings, Callable[[str], None]], Any]


class RetrainBusy(RuntimeError):
    """A retraining is already running."""


@dataclass(frozen=True)
class JobStatus:
    running: bool = False
    started_at: dt.datetime | None = None
    started_by: str | None = None
    finished_at: dt.datetime | None = None
    version: str | None = None
    promoted: bool | None = None
    reason: str | None = None
    error: str | None = None
    log: tuple[str, ...] = ()


def _default_train(session: Session, settings: Settings, out: Callable[[str], None]) -> Any:
    return retrain_with_corrections(session, settings, out)


class RetrainJob:
    """At most one retraining at a time; its status is kept for the page."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        train: Train = _default_train,
        on_promoted: Callable[[], None] | None = None,
    ) -> None:
        self.factory, self.settings, self.train = factory, settings, train
        self.on_promoted = on_promoted
        self._lock = threading.Lock()
        self._status = JobStatus()
        self._thread: threading.Thread | None = None

    def status(self) -> JobStatus:
        with self._lock:
            return self._status

    def start(self, user: User) -> None:
        with self._lock:
            if self._status.running:
                raise RetrainBusy(f"a retraining is running since {self._status.started_at:%H:%M}")
            self._status = JobStatus(
                running=True, started_at=dt.datetime.now(dt.UTC), started_by=user.email
            )
            self._thread = threading.Thread(
                target=self._run, args=(user.id,), name="retrain", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> JobStatus:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()

    def _say(self, line: str) -> None:
        with self._lock:
            self._status = replace(self._status, log=(*self._status.log, line)[-20:])

    def _run(self, user_id: int) -> None:
        outcome: dict[str, Any] = {}
        try:
            with self.factory() as session:
                result = self.train(session, self.settings, self._say)
                outcome = {
                    "version": result.version,
                    "promoted": result.promoted,
                    "reason": result.reason,
                }
                audit(session, "retrain_finished", user=session.get(User, user_id), **outcome)
                session.commit()
        except Exception as exc:  # the thread must always report, whatever failed
            log.exception("retraining failed")
            outcome = {"error": f"{type(exc).__name__}: {exc}"}
            try:
                with self.factory() as session:
                    audit(session, "retrain_failed", user=session.get(User, user_id), **outcome)
                    session.commit()
            except Exception:
                log.exception("could not audit the failed retraining")
        with self._lock:
            self._status = replace(
                self._status, running=False, finished_at=dt.datetime.now(dt.UTC), **outcome
            )
        if outcome.get("promoted") and self.on_promoted is not None:
            self.on_promoted()


def start_retraining(session: Session, job: RetrainJob, admin: User) -> None:
    job.start(admin)
    audit(session, "retrain_started", user=admin)


@dataclass(frozen=True)
class ClassifierInfo:
    path: str
    metadata: dict[str, Any]
    error: str | None
    versions: list[ModelVersion]
    corrections: int


def pending_corrections(session: Session) -> int:
    """Messages with a human label (what the next retraining adds to the corpus)."""
    return (
        session.scalar(
            select(func.count(func.distinct(Classification.message_id))).where(
                Classification.source == "human"
            )
        )
        or 0
    )


def classifier_info(session: Session, settings: Settings) -> ClassifierInfo:
    path = active_model_path(session, settings)
    # Shown relative to the configured folders: no absolute server path on the page.
    shown = shown_path(path, (settings.models_dir, PROJECT_ROOT, Path.cwd()))
    try:
        metadata, error = read_bundle(path).metadata, None
    except ModelFileError as exc:
        metadata, error = {}, str(exc).replace(str(path), shown)
    versions = list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))
    return ClassifierInfo(shown, metadata, error, versions, pending_corrections(session))
