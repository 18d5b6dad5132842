"""Every word the messages hold, to find the one meant by a typo (migration 0013).

PostgreSQL keeps `search_words` itself (a trigger adds each new message's stems) and
compares with pg_trgm when it is installed. SQLite's words are kept by
inbox/vocabulary.py: ingest adds the words of the mail it stores; a lookup adds those
of at most CATCH_UP_IN_LOOKUP more messages still pending (stored outside the pipeline,
or changed), so a lookup never does a bulk load's work. The words sharing enough
trigrams with the typo are the candidates; the comparison then runs here, as
pg_trgm's similarity does.
"""

from __future__ import annotations

import math

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from inbox.vocabulary import catch_up
from web.search_query import similarity, trigrams

TYPO_SIMILARITY = 0.4  # pg_trgm's own default is 0.3: a little stricter, fewer surprises
TYPO_CHOICES = 3  # the indexed words tried in place of a word found nowhere
CATCH_UP_IN_LOOKUP = 100  # messages (~20 ms): what a lookup may do of what is pending
_has_trgm: dict[str, bool] = {}  # per database URL: the schema does not change under us


def similar_words(session: Session, word: str) -> list[str]:
    """The known words (PostgreSQL: stems) most like `word`, best first."""
    dialect = session.connection().dialect.name
    if dialect == "postgresql" and pg_trgm(session):
        rows = session.execute(
            text(
                "SELECT word, similarity(word, :w) AS s FROM search_words "
                "WHERE word % :w ORDER BY s DESC, word LIMIT :n"
            ),
            {"w": word, "n": TYPO_CHOICES},
        ).all()
        return [w for w, score in rows if score >= TYPO_SIMILARITY]
    low, high = max(1, len(word) - 3), len(word) + 3
    if dialect == "sqlite":
        catch_up(session.get_bind(), most=CATCH_UP_IN_LOOKUP)
        candidates = _sharing_trigrams(session, word, low, high)
    else:
        candidates = session.scalars(
            text("SELECT word FROM search_words WHERE length(word) BETWEEN :low AND :high"),
            {"low": low, "high": high},
        ).all()
    scored = sorted(((similarity(word, c), c) for c in candidates), key=lambda p: (-p[0], p[1]))
    return [c for score, c in scored[:TYPO_CHOICES] if score >= TYPO_SIMILARITY]


def _sharing_trigrams(session: Session, word: str, low: int, high: int) -> list[str]:
    """The known words of `low` to `high` letters that could be TYPO_SIMILARITY alike.

    Similarity is shared / (a + b - shared) for words of a and b trigrams, and shared
    <= b, so a word that alike shares at least TYPO_SIMILARITY * a of them: the words
    sharing fewer are left out unread, and no word alike enough is."""
    grams = sorted(trigrams(word))
    least = math.ceil(TYPO_SIMILARITY * len(grams) - 1e-9)
    found = session.execute(
        text(
            "SELECT word FROM search_word_trigrams WHERE trigram IN :grams "
            "GROUP BY word HAVING count(*) >= :least"
        ).bindparams(bindparam("grams", expanding=True)),
        {"grams": grams, "least": least},
    ).scalars()
    return [w for w in found if low <= len(w) <= high]


def pg_trgm(session: Session) -> bool:
    """Whether pg_trgm and its index on search_words are there (migration 0013)."""
    key = str(session.connection().engine.url)
    if key not in _has_trgm:
        found = session.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        _has_trgm[key] = found is not None
    return _has_trgm[key]
