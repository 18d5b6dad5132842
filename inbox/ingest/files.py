"""`inbox-router ingest`: files, folders and mbox files through the same runner as IMAP."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from inbox.ingest.pipeline import build_stages
from inbox.ingest.runner import IngestSummary, ingest_many
from inbox.ingest.sources import count_messages, expand, iter_raw
from inbox.settings import Settings


def ingest_paths(
    factory: sessionmaker[Session], settings: Settings, paths: list[Path]
) -> IngestSummary:
    """Ingest every message under `paths`; a progress bar on large batches (on a TTY)."""
    files = expand(paths)
    total = count_messages(files)
    show_bar = total >= settings.ingest_progress_min and sys.stderr.isatty()
    items = ((item.origin, item.raw, item.error) for item in iter_raw(files))
    with tqdm(total=total, unit="msg", disable=not show_bar, file=sys.stderr) as bar:
        return ingest_many(
            factory,
            items,
            stages=build_stages(settings, factory),
            progress=lambda: bar.update(1),
            limits=settings.mail_limits(),
        )
