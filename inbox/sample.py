"""The embedded default: the sample firm and mailbox, loaded through the real pipeline."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from inbox.ingest.files import ingest_paths
from inbox.settings import PROJECT_ROOT, Settings
from rules.directory_import import import_directory

SAMPLE_FIRM = PROJECT_ROOT / "rules" / "sample_firm"
SAMPLE_MAILBOX = PROJECT_ROOT / "inbox" / "sample_mailbox"


def load_sample(
    settings: Settings, factory: sessionmaker[Session], out: Callable[[str], None] = print
) -> None:
    """The sample firm and mailbox through the real pipeline (idempotent)."""
    with factory() as session, session.begin():
        results = import_directory(session, SAMPLE_FIRM)
    for result in results:
        out(f"{result.file}: {result.rows} rows")
    out(ingest_paths(factory, settings, [SAMPLE_MAILBOX]).line())
