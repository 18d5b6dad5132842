"""The words of a mail as the matter resolver compares them: stems, legal concepts,
greetings, negations.

Kept apart from the scoring so the vocabulary can grow without touching the weights.
The concepts (rules/legal_concepts.py) are generic legal vocabulary in two levels: a
client says "the landlord" for a lease matter, "my will" for an estate plan, and "the
citizenship interview" for the naturalization rather than the green card.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

from rules.legal_concepts import ACROSS, AREAS, NOT_CONCEPTS

NEGATION = "not about"

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
_STOP = frozenset(
    """
    a about above after again all also am an and any are as at be been before being
    between both but by can could did do does doing done each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me
    more most my no nor not now of off on once only or other our ours out over own same
    she should so some such than that the their theirs them then there these they this
    those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yes please thanks thank hi hello dear regards
    best cheers kind sincerely hey team firm law office question questions update
    updates status matter matters case cases file files issue issues thing things
    stuff item quick follow following re fw fwd new week today tomorrow yesterday
    month year time call email mail letter note know let get got going want need
    like still just already back see send sent attached attachment per via etc
    mr mrs ms dr v vs inc llc ltd corp co company group
    one two three four five six seven eight nine ten first second third
    """.split()
)


def fold(text: str) -> str:
    """Lower case without accents: 'Müller' and 'muller' are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_PHRASE_WILL = re.compile(r"\b(?:my|the|our|his|her|their|a|new|updated)\s+wills?\b", re.I)


# How the text may write a phrase's characters: a space also a hyphen or line break, a
# hyphen or apostrophe optional ('I-485' = 'I485', "workers' comp" = 'workers comp').
_WRITTEN_AS = {" ": r"[\s-]+", "-": r"[\s-]?", "'": "'?", "&": r"\s?&\s?"}


def _alternatives(phrases: Iterable[str]) -> str:
    """One regex for all the phrases, as a tree of shared beginnings: the engine reads
    each character once instead of trying a thousand phrases at each place. Where one
    phrase continues another, the longer is tried first."""
    tree: dict[str, dict] = {}
    for phrase in phrases:
        node = tree
        for char in phrase:
            unit = char if char.isalnum() else _WRITTEN_AS.get(char) or re.escape(char)
            node = node.setdefault(unit, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        ways = [unit + branch(child) for unit, child in sorted(node.items()) if unit]
        if not ways:
            return ""
        body = ways[0] if len(ways) == 1 else "(?:" + "|".join(ways) + ")"
        if "" not in node:
            return body
        return f"(?:{body})?" if len(ways) == 1 else f"{body}?"

    return branch(tree)


def _key(written: str) -> str:
    return re.sub(r"[\W_]+", "", written)


@functools.cache
def _vocabulary() -> dict[str, tuple[str, ...]]:
    """Each phrase (by its key) and the terms it names: its concept, its area, and the
    cross-cutting concepts its own words carry ('lease agreement' is a contract too).
    Built on first use, like the pattern: a command that reads no mail pays nothing."""
    across = {
        f"={group}": re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")
        for group, words in ACROSS.items()
    }
    named: dict[str, dict[str, None]] = {_key(fold(p)): {} for p in NOT_CONCEPTS}
    for area, kinds in AREAS.items():
        for kind, words in kinds.items():
            levels = [f"={area}"] if kind == area else [f"={kind}", f"={area}"]
            for word in map(fold, words):
                carried = [term for term, pattern in across.items() if pattern.search(word)]
                named.setdefault(_key(word), {}).update(dict.fromkeys(levels + carried))
    for group, words in ACROSS.items():
        for word in map(fold, words):
            named.setdefault(_key(word), {})[f"={group}"] = None
    return {key: tuple(terms) for key, terms in named.items()}


@functools.cache
def _concept_pattern() -> re.Pattern[str]:
    """Every phrase at once (compiled on first use: some 40 ms, once a process)."""
    written = [
        fold(w)
        for words in (*(w for kinds in AREAS.values() for w in kinds.values()), *ACROSS.values())
        for w in words
    ]
    every = _alternatives([*written, *map(fold, NOT_CONCEPTS)])
    return re.compile(r"(?<!\w)" + every + r"(?:e?s)?(?!\w)")


# The area each specific concept belongs to: '=naturalization' -> '=immigration'.
AREA_OF: dict[str, str] = {
    f"={kind}": f"={area}" for area, kinds in AREAS.items() for kind in kinds if kind != area
}
# The areas' own terms: a word naming only an area tells less than a specific concept.
AREA_TERMS = frozenset(f"={area}" for area in AREAS)


def _terms(written: str) -> tuple[str, ...]:
    """The terms of a phrase found in the text, plural or not."""
    key, names = _key(written), _vocabulary()
    for candidate in (key, key[:-1], key[:-2]):
        if candidate in names:
            return names[candidate]
    return ()


def _stem(word: str) -> str:
    """Light suffix stripping: enough that 'filings' meets 'filing' and 'leases' 'lease'."""
    for suffix, keep in (
        ("ations", "ate"),
        ("ation", "ate"),
        ("ments", ""),
        ("ment", ""),
        ("ings", ""),
        ("ing", ""),
        ("ies", "y"),
        ("ses", "s"),
        ("es", "e"),
        ("ed", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: len(word) - len(suffix)] + keep
    return word


def concepts(text: str) -> dict[str, str]:
    """Each matching term of the text (a stem; '=concept' and '=area' for a legal
    concept, '=area' alone for a word naming only the area), with the word it was read
    from."""
    return read_terms(text)[0]


def read_terms(text: str) -> tuple[dict[str, str], dict[str, int]]:
    """`concepts`, and for each term the piece of text it was read from: the terms of one
    phrase ('green card': the concept, its area, 'green' and 'card') share a piece, so the
    resolver counts the phrase once, not once a word."""
    source = text.replace("’", "'")
    folded = fold(source)
    found: dict[str, str] = {}
    piece: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for hit in _concept_pattern().finditer(folded):
        shown = " ".join(hit.group(0).split())  # a phrase may run over a line break
        spans.append(hit.span())
        for term in _terms(hit.group(0)):
            if term not in found:
                found[term], piece[term] = shown, len(spans)
    hit = _PHRASE_WILL.search(folded)
    if hit:
        spans.append(hit.span())
        for term in _terms("estate plan"):
            if term not in found:
                found[term], piece[term] = hit.group(0), len(spans)
    inside = _phrase_of(source, folded, spans)
    for token in _TOKEN.finditer(source):
        word = fold(token.group(0)).split("'")[0]
        if len(word) < 3 or word in _STOP or word.isdigit():
            continue
        term = _stem(word)
        if term not in found:
            found[term] = token.group(0)
            piece[term] = inside(token.start()) or -token.start() - 1
    return found, piece


def _phrase_of(source: str, folded: str, spans: list[tuple[int, int]]) -> Callable[[int], int]:
    """Which phrase (its 1-based number in `spans`, 0 for none) holds a position of the
    source text. Folding keeps positions unless it changed the text's length (a
    ligature); then each character is folded on its own to map them."""
    owner = [0] * (len(folded) + 1)
    for number, (start, end) in enumerate(spans, 1):
        owner[start:end] = [number] * (end - start)
    if len(folded) == len(source):
        return owner.__getitem__
    at, length = [], 0
    for char in source:
        at.append(length)
        length += len(fold(char))
    return lambda position: owner[at[position]]


# "this isn't about the franchise", "not the lease, the other one", "unrelated to X"
_NEGATED = re.compile(
    r"\b(?:(?:not|isn'?t|aren'?t|wasn'?t|no longer)\s+(?:about|regarding|concerning|"
    r"related to|re|for|the|our|my)|nothing to do with|unrelated to|separate from|"
    r"other than|apart from|besides)\b([^.,;:!?\n]{0,60})",
    re.I,
)


def negated_spans(text: str) -> list[str]:
    """The words a negation governs, up to the end of its clause."""
    return [m.group(1) for m in _NEGATED.finditer(fold(text).replace("’", "'"))]


_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hola|buenos dias|"
    r"estimad[oa]|querid[oa]|hallo|liebe[rs]?|sehr geehrte[rn]?|guten (?:tag|morgen))"
    r"\s+(?:(?:mr|mrs|ms|miss|dr|herr|frau|sr|sra|senor|senora|don|dona)\.?\s+)?"
    r"([^\W\d_]+)",
    re.I,
)
_BARE_NAME = re.compile(r"^\s*([^\W\d_]+)\s*[,!:]?\s*$")
_TITLED = re.compile(r"\b(?:mr|mrs|ms|dr|attorney|counsel|herr|frau|sr|sra)\.?\s+([^\W\d_]+)", re.I)
_FULL_NAME = re.compile(r"\b([A-Z][^\W\d_]+)\s+([A-Z][^\W\d_]+)\b")


def addressed_names(new_text: str) -> tuple[set[str], set[str]]:
    """(names the mail greets, names it mentions), folded: 'Hi Ruth,' -> {'ruth'}."""
    greeted: set[str] = set()
    lines = [line for line in new_text.splitlines() if line.strip()][:2]
    if lines:
        hit = _GREETING.match(lines[0]) or _BARE_NAME.match(lines[0])
        if hit:
            greeted.add(fold(hit.group(1)))
    mentioned = {fold(m.group(1)) for m in _TITLED.finditer(new_text)}
    mentioned |= {fold(f"{a} {b}") for a, b in _FULL_NAME.findall(new_text)}
    return greeted, mentioned
