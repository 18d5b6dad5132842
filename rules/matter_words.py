"""The words of a mail as the matter resolver compares them: stems, synonyms, greetings,
negations.

Kept apart from the scoring so the vocabulary can grow without touching the weights.
The synonym groups are generic legal vocabulary: a client says "the landlord" for a
lease matter, "my will" for an estate plan.
"""

from __future__ import annotations

import re
import unicodedata

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
    """.split()
)

# Words that name the same kind of matter; each group is one term when matching.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "deposit": ("deposit", "security deposit", "escrow"),
    "purchase": ("purchase", "closing", "buying", "acquisition", "acquire", "sale"),
    "estate": (
        "estate",
        "estate plan",
        "probate",
        "testament",
        "inheritance",
        "executor",
        "beneficiary",
        "trust",
    ),
    "lease": ("lease", "landlord", "tenant", "tenancy", "rent", "renewal"),
    "employment": (
        "employment",
        "employee",
        "employer",
        "termination",
        "terminated",
        "fired",
        "dismissal",
        "discrimination",
        "harassment",
        "wrongful",
        "eeoc",
        "severance",
    ),
    "trademark": ("trademark", "brand", "logo", "tm"),
    "patent": ("patent", "invention", "inventor"),
    "copyright": ("copyright", "infringement"),
    "divorce": ("divorce", "custody", "separation", "alimony", "marital", "spouse"),
    "immigration": ("immigration", "visa", "green card", "citizenship", "naturalization"),
    "financing": ("financing", "funding", "investment", "investor", "term sheet", "round"),
    "merger": ("merger", "m&a"),
    "formation": ("formation", "incorporation", "incorporate", "bylaws", "operating agreement"),
    "contract": ("contract", "agreement"),
    "collection": ("collection", "unpaid", "debt", "owed", "overdue"),
    "injury": ("injury", "accident", "injured"),
    "bankruptcy": ("bankruptcy", "chapter 7", "chapter 11", "creditor"),
    "lawsuit": ("lawsuit", "litigation", "suit", "complaint", "sued"),
    "tax": ("tax", "irs", "audit"),
    "franchise": ("franchise", "franchisor", "franchisee", "fdd"),
    "noncompete": ("noncompete", "non-compete", "restrictive covenant"),
    "property": ("property", "real estate", "house", "deed", "title insurance"),
    "zoning": ("zoning", "permit", "variance"),
    "privacy": ("privacy", "gdpr", "data protection"),
}
_PHRASE_WILL = re.compile(r"\b(?:my|the|our|his|her|their|a|new|updated)\s+wills?\b", re.I)

_PHRASES = [
    (re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?:e?s)?(?!\w)"), group)
    for group, words in _SYNONYMS.items()
]


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


def fold(text: str) -> str:
    """Lower case without accents: 'Müller' and 'muller' are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def concepts(text: str) -> dict[str, str]:
    """Each matching term of the text (a stem, or '=group' for a synonym group), with
    the word it was read from."""
    folded = fold(text).replace("’", "'")
    found: dict[str, str] = {}
    for pattern, group in _PHRASES:
        hit = pattern.search(folded)
        if hit:
            found.setdefault(f"={group}", hit.group(0))
    hit = _PHRASE_WILL.search(folded)
    if hit:
        found.setdefault("=estate", hit.group(0))
    for token in _TOKEN.findall(text.replace("’", "'")):
        word = fold(token).split("'")[0]
        if len(word) < 3 or word in _STOP or word.isdigit():
            continue
        found.setdefault(_stem(word), token)
    return found


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
