"""search and metrics at scale: each queue in its order, answered late, word indexes

- `ix_messages_answered_late`: the messages answered after their deadline, by it (a
  partial index). The metrics page counts each day's; the index of every deadline
  (ix_messages_sla_response) had them read among all the day's answered ones (25,000
  in the 30 days at 100,000 messages, to find none late).

- `ix_messages_state_order`: each state's messages in the queues' order (web/queries.py
  QUEUE_ORDER), with label and client (SQLite: at its end; PostgreSQL: INCLUDE). A
  queue of one state is read in order from its own range, one of several (Triage,
  Sent) state by state and merged (web/queue_order.py): in ix_messages_queue_order the
  first triage message came after 54,000 of other queues at 100,000 messages, each
  skipped, and on PostgreSQL each read from the table when a search tests its words
  (a triage search for "invoice": 90 ms; state by state: 4 ms).
- `messages_words` (0013) again, with FTS5's prefix index for the first one, two and
  three letters of every word. A bare word is searched as a prefix ("th" finds "the",
  "their"...): without it FTS5 merges every word beginning with it at each search
  ("re", "th" at 100,000 messages: 35 ms; "the" 16 ms), with it one list is read
  (2-3 ms). The index grows by about 130 MB at 100,000 messages; it is rebuilt in ~9 s.
- `messages_subject_words`: the subjects' words alone, as PostgreSQL has them
  (ix_messages_subject_words, 0013). Past the count's cap, subject matches come first
  (web/search.py); asked of `messages_words` with a column filter, FTS5 reads every
  message holding the word, wherever it is ("the": 98,000 for none in a subject).
PostgreSQL names a prefix's stems (web/search_prefixes.py): nothing changes there.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER: list[object] = [  # 0005's, the queues' order
    sa.text("(sla_due_at IS NULL)"),
    "sla_due_at",
    sa.text("priority DESC"),
    "received_at",
    "id",
]
COLUMNS = ("subject", "from_name", "from_addr", "text_body")  # 0013's, in its order
TOKENIZE = "porter unicode61 remove_diacritics 2"
PREFIXES = "1 2 3"
SUBJECTS = "messages_subject_words"


def _fts5(name: str, columns: Sequence[str], prefix: str | None) -> None:
    """An FTS5 index of `columns` of the messages, filled from them."""
    op.execute(f"DROP TABLE IF EXISTS {name}")
    option = f", prefix='{prefix}'" if prefix else ""
    op.execute(
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(columns)}, content='messages', "
        f"content_rowid='id', tokenize='{TOKENIZE}'{option})"
    )
    op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


def upgrade() -> None:
    late = sa.text("first_response_at > sla_due_at")
    op.create_index(
        "ix_messages_answered_late",
        "messages",
        ["sla_due_at"],
        sqlite_where=late,
        postgresql_where=late,
    )
    if op.get_bind().dialect.name != "sqlite":
        op.create_index(
            "ix_messages_state_order",
            "messages",
            ["state", *ORDER],
            postgresql_include=["label", "client_id"],
        )
        op.execute("ANALYZE messages")
        return
    op.create_index("ix_messages_state_order", "messages", ["state", *ORDER, "label", "client_id"])
    _fts5("messages_words", COLUMNS, PREFIXES)  # its triggers (on messages) stay
    _fts5(SUBJECTS, ("subject",), PREFIXES)
    op.execute(
        f"CREATE TRIGGER {SUBJECTS}_insert AFTER INSERT ON messages BEGIN "
        f"INSERT INTO {SUBJECTS}(rowid, subject) VALUES (new.id, new.subject); END"
    )
    op.execute(
        f"CREATE TRIGGER {SUBJECTS}_delete AFTER DELETE ON messages BEGIN "
        f"INSERT INTO {SUBJECTS}({SUBJECTS}, rowid, subject) "
        f"VALUES ('delete', old.id, old.subject); END"
    )
    op.execute(
        f"CREATE TRIGGER {SUBJECTS}_update AFTER UPDATE OF subject ON messages BEGIN "
        f"INSERT INTO {SUBJECTS}({SUBJECTS}, rowid, subject) "
        f"VALUES ('delete', old.id, old.subject); "
        f"INSERT INTO {SUBJECTS}(rowid, subject) VALUES (new.id, new.subject); END"
    )
    op.execute("ANALYZE messages")  # the planner's choice of the new index needs it


def downgrade() -> None:
    op.drop_index("ix_messages_answered_late", table_name="messages")
    op.drop_index("ix_messages_state_order", table_name="messages")
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {SUBJECTS}_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {SUBJECTS}")
    _fts5("messages_words", COLUMNS, None)
