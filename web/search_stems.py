"""SQLite: a long prefix searched as the few stems it begins, not as `*`.

FTS5 reads a prefix from its prefix index when it is one to three letters long
(migration 0019); a longer one has every term it begins merged into one list before
the first match is read, at each query ("regards" at 100,000 messages: ~7 ms a query,
where the stem "regard" alone takes 0.1 ms; a search past the cap asks several).
`search_stems` holds every term of the word index (migration 0022; inbox/vocabulary.py
adds those of the mail stored since), so the stems it holds beginning with the word's
own stem find exactly the messages the prefix finds. It is complete only when no
message waits in `search_words_pending`; else, or when more than EXPANDED_AT_MOST
stems begin it, or a word is not one stem, the prefix stays as typed.

The expression to match with is built here; the ranking (bm25) keeps the search as
typed (web/search.py), so the order is unchanged, but for a prefix that begins one stem
alone, which is that stem's phrase (ranking_expression). This mirrors
web/search_prefixes.py, PostgreSQL's.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from inbox.vocabulary import stems_of
from web.search_query import Alternative, fts5_match

PREFIX_INDEX = 3  # the longest prefix FTS5 reads from its prefix index (migration 0019)
EXPANDED_AT_MOST = 8  # stems beginning a prefix; past this, the prefix as typed
_CACHE = "search_stems"  # session.info: word -> its stem and the stems it begins
# What the tokenizer makes of a word never changes: kept for the process (a search
# would otherwise make and fill a small index of its own to ask, ~1 ms).
_STEM_OF: dict[str, str | None] = {}
STEMS_KEPT = 10_000  # words; past it the memo starts again
_PENDING = text("SELECT 1 FROM search_words_pending LIMIT 1")
_BEGINNING = text(
    "SELECT stem FROM search_stems WHERE stem >= :first AND stem < :first || x'F48FBFBF' "
    "ORDER BY stem LIMIT :most"
)


def matching_expression(session: Session, terms: list[list[Alternative]]) -> str:
    """An FTS5 MATCH expression finding what fts5_match(terms) finds, each prefix
    longer than the prefix index named as the stems it begins (when that can be told)."""
    return _named(session, terms, EXPANDED_AT_MOST)


def ranking_expression(session: Session, terms: list[list[Alternative]]) -> str:
    """fts5_match(terms) for bm25, each prefix longer than the prefix index that begins
    one stem alone named as that stem: the same phrases in the same order, each finding
    the same words in every message, so bm25 scores each message as the prefix would,
    to the last bit. FTS5 merges every term a long prefix begins at each query, and
    again when bm25 counts the phrase's matches ("regards" at 100,000 messages: ~2 ms
    each time, where the stem "regard" reads its own list). A prefix of several stems
    stays as typed: as several phrases, bm25 would score them each apart."""
    return _named(session, terms, 1)


def _named(session: Session, terms: list[list[Alternative]], most: int) -> str:
    """fts5_match(terms), each long prefix that begins at most `most` stems named as them."""
    long = sorted({w[-1] for term in terms for w, open_end in term if open_end})
    long = [w for w in long if len(w) > PREFIX_INDEX]
    if not long or session.connection().dialect.name != "sqlite":
        return fts5_match(terms)
    known: dict[str, list[str] | None] = session.info.setdefault(_CACHE, {})
    if todo := [w for w in long if w not in known]:
        known.update(_stems_beginning(session.connection(), todo))
    parts = []
    for term in terms:
        alternatives = []
        for words, open_end in term:
            stems = known.get(words[-1]) if open_end else None
            if stems is None or len(stems) > most:
                alternatives.append(_phrase(words, open_end))
            else:
                alternatives += [_phrase((*words[:-1], stem), False) for stem in stems]
        parts.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(parts)


def _phrase(words: tuple[str, ...], open_end: bool) -> str:
    """As fts5_match writes an alternative: quoted words, the last perhaps a prefix."""
    return '"' + " ".join(words) + '"' + ("*" if open_end else "")


def _stems_beginning(connection: Connection, words: list[str]) -> dict[str, list[str] | None]:
    """Each word's stems, each as a word the tokenizer makes it of (None: keep the
    prefix as typed)."""
    if connection.execute(_PENDING).first() is not None:  # some mail's terms not known yet
        return {w: None for w in words}
    found: dict[str, list[str] | None] = {}
    for word, stem in zip(words, _stems(connection, words), strict=True):
        if stem is None or len(stem) <= PREFIX_INDEX:  # the prefix index serves it
            found[word] = None
            continue
        stems = list(connection.scalars(_BEGINNING, {"first": stem, "most": EXPANDED_AT_MOST + 1}))
        stems = [s for s in stems if s.startswith(stem)]
        # The word's own stem is asked as the word (the tokenizer stems a stem again,
        # and may shorten it: "lease" is "leas", "leas" is "lea").
        found[word] = [word if s == stem else s for s in stems]
        if not 0 < len(stems) <= EXPANDED_AT_MOST:
            found[word] = None
    # Any other stem is asked as a word: kept only if the tokenizer leaves it as it is.
    named = sorted({s for w, stems in found.items() if stems for s in stems if s != w})
    unchanged = {s for s, again in zip(named, _stems(connection, named), strict=True) if s == again}
    return {
        w: stems if stems is not None and set(stems) - {w} <= unchanged else None
        for w, stems in found.items()
    }


def _stems(connection: Connection, words: list[str]) -> list[str | None]:
    """stems_of, remembered for the process."""
    if todo := [w for w in words if w not in _STEM_OF]:
        if len(_STEM_OF) + len(todo) > STEMS_KEPT:
            _STEM_OF.clear()
        _STEM_OF.update(zip(todo, stems_of(connection, todo), strict=True))
    return [_STEM_OF.get(w) for w in words]
