"""Engine and session factory, made from Settings; schema migration with Alembic.

No module-level engine: callers build one per entry point and pass sessions down.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Base
from inbox.settings import Settings

T = TypeVar("T", bound=Executable)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(settings: Settings) -> Engine:
    url = normalize_url(settings.db_url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _prepare_if_marked)
    return engine


# PostgreSQL: psycopg prepares a statement on a connection once it ran there
# PREPARE_AFTER times (its own default), and the server then keeps its plan, where it
# would parse and plan it again on each run. After five runs the server may keep one
# generic plan for every value: right for a lookup by key, not for a search whose best
# plan depends on its words. An engine with the execution option ONLY_MARKED (the web
# app's) prepares only the statements marked PREPARED (`prepared(statement)`): the
# message page's, each looked up by key (15 statements: ~12 ms in the process at
# 100,000 messages, 8 prepared).
PREPARED = "prepared"
ONLY_MARKED = "prepare_only_marked"
PREPARE_AFTER = 5


def prepared(statement: T) -> T:
    """`statement` marked to be prepared (see PREPARED): a lookup by key."""
    return statement.execution_options(**{PREPARED: True})


def _prepare_if_marked(_conn, cursor, _statement, _parameters, context, _many) -> None:  # type: ignore[no-untyped-def]
    options = context.execution_options if context is not None else {}
    wanted = options.get(PREPARED, False) or not options.get(ONLY_MARKED, False)
    cursor.connection.prepare_threshold = PREPARE_AFTER if wanted else None


# SQLite reads the database through a memory map of up to this many bytes: the pages
# are the operating system's cache, shared by every connection and process, where each
# connection's own 2 MB cache read them again with a system call and a copy (at 100,000
# messages the word index alone is far larger; the web benchmark's search pages under 4
# clients: p95 ~20% lower).
SQLITE_MMAP_BYTES = 1 << 30


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """WAL lets the poller write while the web UI reads; foreign keys keep links honest."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the newest revision; return that revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or ""


def schema_is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def reset_database(engine: Engine) -> None:
    """Drop every table of ours (`demo --reset`, `sample --reset`): the next migrate starts anew."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        # The search indexes and their words, and the metrics' version, are no models of
        # ours (migrations 0004, 0013, 0017, 0019, 0020, 0021, 0022, 0024).
        if engine.dialect.name == "sqlite":
            for table in (
                "messages_fts",
                "messages_words",
                "messages_subject_words",
                "messages_senders",
                "search_senders_grams",
                "search_senders",
                "search_words",
                "search_words_pending",
                "search_word_trigrams",
                "search_stems",
                "metrics_version",
            ):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        else:
            connection.exec_driver_sql("DROP TABLE IF EXISTS search_words")
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS search_words_add()")
            connection.exec_driver_sql("DROP TABLE IF EXISTS metrics_version")
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS metrics_version_bump()")
            connection.exec_driver_sql("DROP TEXT SEARCH CONFIGURATION IF EXISTS inbox_search")
            connection.exec_driver_sql("DROP TEXT SEARCH DICTIONARY IF EXISTS inbox_search_stem")
