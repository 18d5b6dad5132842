"""PostgreSQL: a word's prefix searched as the few known stems it begins, not as `:*`.

A prefix in a tsquery ("lease" as 'leas':*) makes the GIN index gather and merge every
entry it begins, 3-4 times the cost of the same stems named (at 100,000 messages,
"lease": 14 ms instead of 4, in each query of a search). `search_words` holds every
stem of every message (migration 0013's trigger adds them, none is removed), so the
stems it holds beginning with the prefix find exactly the messages the prefix finds.
When more than EXPANDED_AT_MOST do, or a word is not one stem, the prefix stays.

The query to match with is built here from the stems (cast, not stemmed again); the
ranking keeps the query as typed (web/search.py), so the order is unchanged.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

from web.search_query import Alternative

EXPANDED_AT_MOST = 8  # stems beginning a prefix; past this, the prefix is cheaper
_CACHE = "search_prefixes"  # session.info: (words) -> the query, for this request only

_STEMS = text(
    "SELECT w, tsvector_to_array(to_tsvector('inbox_search'::regconfig, w)) "
    "FROM unnest(:words) AS w"
).bindparams(bindparam("words", type_=ARRAY(Text)))
# search_words (word text_pattern_ops) finds them by their start (migration 0018).
_BEGINNING = text(
    "SELECT p, array(SELECT word FROM search_words WHERE word LIKE p || '%' "
    "ORDER BY word LIMIT :most) FROM unnest(:prefixes) AS p"
).bindparams(bindparam("prefixes", type_=ARRAY(Text)))


def matching_query(session: Session, terms: list[list[Alternative]]) -> str | None:
    """A tsquery text (for a cast) finding what `terms` find, each prefix named as its
    stems; None when nothing is gained (no prefix, or one begins too many stems)."""
    if not any(open_end for term in terms for _, open_end in term):
        return None
    key = repr(terms)
    cache = session.info.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = _built(session, terms)
    return cache[key]


def _built(session: Session, terms: list[list[Alternative]]) -> str | None:
    words = sorted({w for term in terms for words, _ in term for w in words})
    stems = {w: list(found) for w, found in session.execute(_STEMS, {"words": words})}
    if any(len(found) != 1 for found in stems.values()):
        return None  # a word the parser reads as more or fewer than one stem: as typed
    prefixes = sorted({stems[words[-1]][0] for term in terms for words, o in term if o})
    beginning = dict(
        session.execute(_BEGINNING, {"prefixes": prefixes, "most": EXPANDED_AT_MOST + 1}).all()
    )
    if any(not 0 < len(found) <= EXPANDED_AT_MOST for found in beginning.values()):
        return None

    def alternative(words: tuple[str, ...], open_end: bool) -> str:
        named = [_quoted(stems[w][0]) for w in words]
        if open_end:
            named[-1] = "(" + " | ".join(_quoted(s) for s in beginning[stems[words[-1]][0]]) + ")"
        return "(" + " <-> ".join(named) + ")"

    return " & ".join("(" + " | ".join(alternative(w, o) for w, o in term) + ")" for term in terms)


def _quoted(stem: str) -> str:
    """A lexeme in tsquery syntax (a stem is letters and digits; quotes kept safe)."""
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"
