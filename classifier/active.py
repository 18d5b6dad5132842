"""Which model file is active: a query, kept apart from the registry so that finding
the path does not import scikit-learn (the poller's process never needs it)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import ModelVersion
from inbox.settings import Settings

__all__ = ["active_model_path"]


def active_model_path(session: Session | None, settings: Settings) -> Path:
    """The active version's file, or the model shipped with the project."""
    if session is not None:
        path = session.scalar(select(ModelVersion.path).where(ModelVersion.active.is_(True)))
        if path:
            return Path(path)
    return settings.model_path
