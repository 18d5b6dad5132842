"""PostgreSQL: a word's prefix searched as the few known stems it begins, not as `:*`.

A prefix in a tsquery ("lease" as 'leas':*) makes the GIN index gather and merge every
entry it begins, 3-4 times the cost of the same stems named (at 100,000 messages,
"lease": 14 ms instead of 4, in each query of a search). `search_words` holds every
stem of every message (migration 0013's trigger adds them, none is removed), so the
stems it holds beginning with the prefix find exactly the messages the prefix finds
(looked up through pg_trgm's index on it). When more than EXPANDED_AT_MOST do, a word
is not one stem, or pg_trgm is not installed, the prefix stays.

The query to match with is built here from the stems (cast, not stemmed again); the
ranking keeps the query as typed (web/search.py), so the order is unchanged.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

from web.search_query import Alternative
from web.search_words import pg_trgm

EXPANDED_AT_MOST = 8  # stems beginning a prefix; past this, the prefix is cheaper
_CACHE = "search_prefixes"  # session.info: word -> (stems, stems its stem begins)

# Each word's stems, and the known stems beginning with its first (found through
# pg_trgm's index on search_words, migration 0013): one round trip for every word.
_STEMS = text(
    "SELECT w, stem.s, array(SELECT word FROM search_words WHERE word LIKE stem.s[1] || '%' "
    "ORDER BY word LIMIT :most) FROM unnest(:words) AS w, LATERAL (SELECT "
    "tsvector_to_array(to_tsvector('inbox_search'::regconfig, w)) AS s) AS stem"
).bindparams(bindparam("words", type_=ARRAY(Text)))


def matching_query(session: Session, terms: list[list[Alternative]]) -> str | None:
    """A tsquery text (for a cast) finding what `terms` find, each prefix named as its
    stems; None when nothing is gained (no prefix, one begins too many stems, or no
    pg_trgm to find them by)."""
    if not any(open_end for term in terms for _, open_end in term) or not pg_trgm(session):
        return None
    known = _known(session, terms)
    if any(len(known[w][0]) != 1 for term in terms for words, _ in term for w in words):
        return None  # a word the parser reads as more or fewer than one stem: as typed
    if any(
        not 0 < len(known[words[-1]][1]) <= EXPANDED_AT_MOST
        for term in terms
        for words, open_end in term
        if open_end
    ):
        return None

    def alternative(words: tuple[str, ...], open_end: bool) -> str:
        named = [_quoted(known[w][0][0]) for w in words]
        if open_end:
            named[-1] = "(" + " | ".join(_quoted(s) for s in known[words[-1]][1]) + ")"
        return "(" + " <-> ".join(named) + ")"

    return " & ".join("(" + " | ".join(alternative(w, o) for w, o in term) + ")" for term in terms)


def finds_nothing(session: Session, terms: list[list[Alternative]]) -> bool:
    """Whether the words surely find no message: a term each of whose alternatives has
    a word (read as one stem) that begins no stem of `search_words`, which holds every
    stem of every message. Told from the lookup the prefixes make anyway, where asking
    the messages took four statements ("mediaton": the planner's estimate, the count
    and ranking between turning the table scan off and on again), before the typo is
    looked up. False when it cannot tell (no pg_trgm to find the stems by)."""
    if not pg_trgm(session):
        return False
    known = _known(session, terms)

    def unknown(word: str) -> bool:
        stems, beginning = known[word]
        return len(stems) == 1 and not beginning

    return any(all(any(unknown(w) for w in words) for words, _ in term) for term in terms)


def _known(
    session: Session, terms: list[list[Alternative]]
) -> dict[str, tuple[list[str], list[str]]]:
    """Each word of `terms`: its stems, and the known stems its first begins (at most
    EXPANDED_AT_MOST + 1), looked up once a session for all the words not known yet."""
    known: dict[str, tuple[list[str], list[str]]] = session.info.setdefault(_CACHE, {})
    if words := sorted({w for term in terms for words, _ in term for w in words} - known.keys()):
        found = session.execute(_STEMS, {"words": words, "most": EXPANDED_AT_MOST + 1})
        known.update((w, (list(stems), list(beginning))) for w, stems, beginning in found)
    return known


def _quoted(stem: str) -> str:
    """A lexeme in tsquery syntax (a stem is letters and digits; quotes kept safe)."""
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"
