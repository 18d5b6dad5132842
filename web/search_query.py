"""What a search box says, read into words, phrases and operators (pure, no database).

    lien "motion to dismiss" from:delgado client:"Osei Holdings" matter:HV-2026 label:legal

Bare words must all be found, each as a word or the start of one, after stemming
("liens" finds "lien", "medi" finds "mediation"); a quoted phrase must be found as
those words in a row. Operators narrow by sender, client, matter and label. Text is
split into words at every character that is not a letter or digit, as the indexes
split it (migration 0013), so "HV-2026-0007" is the phrase "hv 2026 0007".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inbox.models import LABELS
from inbox.vocabulary import trigrams, words_of

OPERATORS = ("from", "client", "matter", "label")
_PART = re.compile(
    r'(?P<op>\w+):(?:"(?P<opq>[^"]*)"?|(?P<opv>\S*))|"(?P<phrase>[^"]*)"?|(?P<bare>\S+)'
)


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: `terms` each a run of words (one word, or a phrase's words)."""

    terms: tuple[tuple[str, ...], ...] = ()
    prefix: tuple[bool, ...] = ()  # per term: its last word may be the start of a word
    senders: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    matters: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # full label names
    problems: tuple[str, ...] = field(default=())  # shown to the user; nothing is found

    @property
    def has_words(self) -> bool:
        return bool(self.terms)

    @property
    def empty(self) -> bool:
        return not (self.terms or self.senders or self.clients or self.matters or self.labels)


def _label_named(value: str) -> str | None:
    """`legal`, `billing`, `legal_question`, `Status request`: the label meant, if one."""
    wanted = "_".join(words_of(value))
    found = [label for label in LABELS if wanted and label.startswith(wanted)]
    return found[0] if len(found) == 1 else None


def parse(text: str) -> SearchQuery:
    """Read the search box. Never fails: anything unusable becomes a `problem`."""
    terms: list[tuple[str, ...]] = []
    prefix: list[bool] = []
    found: dict[str, list[str]] = {name: [] for name in OPERATORS}
    problems: list[str] = []
    for part in _PART.finditer(text):
        op = (part.group("op") or "").lower()
        if op in OPERATORS:
            quoted = part.group("opq")
            value = (quoted if quoted is not None else part.group("opv") or "").strip()
            if not value:
                problems.append(f"{op}: needs a value, e.g. {op}:{_EXAMPLE[op]}")
            elif op == "label":
                label = _label_named(value)
                if label is None:
                    problems.append(f"label:{value} is not a label (use {', '.join(LABELS)})")
                else:
                    found[op].append(label)
            else:
                found[op].append(value)
            continue
        if part.group("phrase") is not None:
            words = words_of(part.group("phrase"))
            if words:
                terms.append(words)
                prefix.append(False)
            continue
        words = words_of(part.group(0))  # a bare word, or an unknown "word:thing"
        if words:
            terms.append(words)
            prefix.append(True)
    return SearchQuery(
        terms=tuple(terms),
        prefix=tuple(prefix),
        senders=tuple(found["from"]),
        clients=tuple(found["client"]),
        matters=tuple(found["matter"]),
        labels=tuple(found["label"]),
        problems=tuple(problems),
    )


_EXAMPLE = {"from": "delgado", "client": "osei", "matter": "HV-2026-0007", "label": "billing"}


Alternative = tuple[tuple[str, ...], bool]  # words in a row; the last may be a prefix


def alternatives(query: SearchQuery) -> list[list[Alternative]]:
    """Each term of `query` as its one alternative (a typo fix adds others)."""
    return [[(words, open_end)] for words, open_end in zip(query.terms, query.prefix, strict=True)]


def fts5_match(terms: list[list[Alternative]]) -> str:
    """An FTS5 MATCH expression: every term (any of its alternatives), each a phrase of
    quoted words. No syntax of the user's reaches FTS5: words are letters and digits."""
    return " AND ".join(
        "(" + " OR ".join('"' + " ".join(w) + '"' + ("*" if o else "") for w, o in term) + ")"
        for term in terms
    )


def tsquery(terms: list[list[Alternative]], weights: str = "") -> str:
    """The same as a PostgreSQL to_tsquery text; `weights` ("A": the subject's) limits
    where the words count."""

    def phrase(words: tuple[str, ...], open_end: bool) -> str:
        last = len(words) - 1
        marks = [(":*" if open_end and i == last else ":") + weights for i in range(len(words))]
        return " <-> ".join(w + (m if m != ":" else "") for w, m in zip(words, marks, strict=True))

    return " & ".join(
        "(" + " | ".join("(" + phrase(w, o) + ")" for w, o in term) + ")" for term in terms
    )


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams over all trigrams of the two words."""
    first, second = trigrams(a), trigrams(b)
    union = len(first | second)
    return len(first & second) / union if union else 0.0
