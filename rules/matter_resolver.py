"""Which of a client's matters a mail is about, weighed from evidence (pure: no database).

Clients rarely write matter numbers. They greet the attorney who handles the matter,
cc them, or name it by one word that only that matter has ("the deposit", "the
trademark"). Each matter collects scored evidence, each piece a short phrase a person
can check; the best matter wins only when it clearly leads, else the mail stays
ambiguous with the leaders as candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rules.matter_words import (
    AREA_OF,
    AREA_TERMS,
    NEGATION,
    addressed_names,
    concepts,
    fold,
    negated_spans,
    read_terms,
)

# Evidence weights: a number decides; the thread nearly does; the rest add up.
_THREAD = 4.0
_INVOICE = 5.0
_GREETED = 2.5
_COPIED = 2.0
_NAMED_ATTORNEY = 1.5
_KEYWORD = 3.0
_WORD = 2.0
_NEXT_STEP = 0.5  # of a title word's weight: the status and next step name it less surely
_AREA = 0.5  # of a title word's weight: an area word where another matter has the concept
_RECENT = 1.0
_NEGATED = -4.0
_LEAD = 1.0  # how far the best must lead the next to win
_MIN = 1.0  # the least score that picks a matter


@dataclass(frozen=True)
class MatterFacts:
    """What the resolver knows of one of the client's matters."""

    number: str
    title: str
    is_open: bool
    attorney_email: str = ""
    attorney_name: str = ""
    keywords: tuple[str, ...] = ()
    next_step: str = ""  # with the status: what the client may call it ("the demand letter")


@dataclass(frozen=True)
class MailFacts:
    """What the resolver reads of the mail (identify gathers it)."""

    subject: str = ""
    new_text: str = ""
    numbers: tuple[str, ...] = ()  # the client's own matter numbers named, in order
    addressed: tuple[str, ...] = ()  # To and Cc addresses
    thread_matter: str | None = None
    last_matter: str | None = None  # what this contact last wrote about
    invoices: tuple[tuple[str, str], ...] = ()  # (invoice number, its matter) named


@dataclass
class Candidate:
    number: str
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    kinds: dict[str, float] = field(default_factory=dict)
    pieces: Counter[str] = field(default_factory=Counter)  # distinct evidence of each kind

    def add(self, kind: str, weight: float, phrase: str, words: int = 1) -> None:
        self.score += weight
        self.kinds[kind] = self.kinds.get(kind, 0.0) + weight
        if phrase not in self.evidence:
            self.evidence.append(phrase)
            self.pieces[kind] += words


@dataclass
class Resolution:
    matter: str | None
    confidence: float
    source: str  # number | thread | invoice | attorney | keywords | title | next-step | ...
    candidates: list[Candidate]
    addressed_attorneys: list[str] = field(default_factory=list)  # emails, in matter order

    def explain(self, number: str) -> str:
        found = next((c for c in self.candidates if c.number == number), None)
        return ", ".join(found.evidence) if found else ""


def resolve(matters: Sequence[MatterFacts], mail: MailFacts) -> Resolution:
    """The matter, how sure, why; ambiguous (matter None) unless one clearly leads."""
    by_number = {m.number: m for m in matters}
    named = [n for n in mail.numbers if n in by_number]
    if named:
        chosen = Candidate(named[0])
        chosen.add("number", 10.0, f"its number {named[0]} in the mail")
        return Resolution(named[0], 1.0, "number", [chosen])

    scored = {m.number: Candidate(m.number) for m in matters}
    addressed = _score_attorneys(matters, mail, scored)
    _score_words(matters, mail, scored)
    if mail.thread_matter in scored:
        scored[mail.thread_matter].add("thread", _THREAD, "an earlier mail of the thread")
    for invoice, number in mail.invoices:
        if number in scored:
            scored[number].add("invoice", _INVOICE, f"its invoice {invoice} in the text")
    for m in matters:
        if _in_play(m, mail):
            continue
        if _names_it(scored[m.number]):
            scored[m.number].evidence.append("a closed matter the mail names")
        else:
            del scored[m.number]  # closed: a greeting or a stray word does not reopen it
    if mail.last_matter in scored:
        scored[mail.last_matter].add("recent", _RECENT, "the contact's last matter")

    ranked = sorted(scored.values(), key=lambda c: -c.score)
    open_ones = [c for c in ranked if by_number[c.number].is_open]
    best = ranked[0] if ranked else None
    runner = ranked[1].score if len(ranked) > 1 else 0.0
    if best is not None and best.score >= _MIN and best.score - runner >= _LEAD:
        source = max(best.kinds, key=lambda k: best.kinds[k])
        confidence = min(0.95, 0.5 + (best.score - max(runner, 0.0)) / 10)
        return Resolution(best.number, round(confidence, 2), source, ranked, addressed)
    if len(open_ones) == 1 and open_ones[0].score >= 0 and len(ranked) == 1:
        only = open_ones[0]
        only.evidence.append("the client's only open matter")
        return Resolution(only.number, 0.7, "only-open", ranked, addressed)
    top = max((c.score for c in open_ones), default=0.0)
    leaders = [c for c in open_ones if c.score >= max(top - _LEAD, 0.0)]
    if len(leaders) == 1 and len(open_ones) > 1:
        left = leaders[0]
        left.evidence.append("the only open matter not ruled out")
        return Resolution(left.number, 0.6, "only-open", ranked, addressed)
    return Resolution(None, 0.0, "none", leaders, addressed)


def _names_it(candidate: Candidate) -> bool:
    """The mail names the matter itself: one of its invoices or keywords, or two words of
    its title."""
    found = candidate.pieces
    return found["invoice"] > 0 or found["keywords"] > 0 or found["title"] >= 2


def _score_attorneys(
    matters: Sequence[MatterFacts], mail: MailFacts, scored: dict[str, Candidate]
) -> list[str]:
    """Greeting, To/Cc and names in the text, against each matter's responsible attorney."""
    copied = {a.lower() for a in mail.addressed}
    greeted, mentioned = addressed_names(mail.new_text)
    hit: list[str] = []
    for m in matters:
        if not m.attorney_email:
            continue
        parts = [p for p in re.findall(r"[^\W\d_]+", fold(m.attorney_name)) if len(p) > 1]
        first, last = (parts[0], parts[-1]) if parts else ("", "")
        candidate = scored[m.number]
        if m.attorney_email.lower() in copied:
            candidate.add("attorney", _COPIED, "its attorney copied")
        elif parts and (first in greeted or last in greeted):
            candidate.add("attorney", _GREETED, "addressed to its attorney")
        elif parts and (f"{first} {last}" in mentioned or last in mentioned):
            candidate.add("attorney", _NAMED_ATTORNEY, "its attorney named")
        else:
            continue
        if m.attorney_email not in hit:
            hit.append(m.attorney_email)
    return hit


def _score_words(
    matters: Sequence[MatterFacts], mail: MailFacts, scored: dict[str, Candidate]
) -> None:
    """Words shared with a title or keyword, weighted by how few of the matters in play
    have them: a closed matter the mail may not be about does not make a word of the open
    ones less telling (an old deposit claim does not dilute 'the landlord'). One piece of
    the mail counts once for a matter: 'green card' is one piece of evidence, not the
    concept, 'green' and 'card'."""
    text = f"{mail.subject}\n{mail.new_text}"
    lowered = text.lower()
    mail_terms, piece_of = read_terms(text)
    pieces: dict[int, set[str]] = {}
    for term, piece in piece_of.items():
        pieces.setdefault(piece, set()).add(term)
    negated = set().union(*(concepts(span) for span in negated_spans(text)))
    vocab = {m.number: concepts(" ".join([m.title, *m.keywords])) for m in matters}
    steps = {m.number: concepts(m.next_step).keys() for m in matters}
    live = {m.number for m in matters if _in_play(m, mail)}
    df = _matters_having(vocab[n].keys() for n in live)
    step_df = _matters_having(steps[n] for n in live)
    for m in matters:
        candidate = scored[m.number]
        own = 0 if m.number in live else 1  # a closed one weighs its words against the rest
        total = len(live) + own
        for keyword in m.keywords:
            if keyword and re.search(rf"(?<!\w){re.escape(keyword.lower())}(?!\w)", lowered):
                candidate.add("keywords", _KEYWORD, f"'{keyword}' in the text")
        found: dict[int, list[_Term]] = {}
        for term in _telling(vocab[m.number].keys() & mail_terms.keys()):
            having = df[term] + own
            if total > 1 and having == total:
                continue
            weight = _WORD / having
            if _outranked(term, pieces[piece_of[term]], m.number, vocab):
                weight *= _AREA
            kind, weight = ("negated", _NEGATED) if term in negated else ("title", weight)
            found.setdefault(piece_of[term], []).append(_Term(term, kind, weight))
        fresh = steps[m.number] - vocab[m.number].keys() - negated
        for term in _telling(fresh & mail_terms.keys()):
            having = step_df[term] + own
            if (total > 1 and having == total) or piece_of[term] in found:
                continue  # a piece its title already counted is not counted again
            weight = _WORD * _NEXT_STEP / having
            found.setdefault(piece_of[term], []).append(_Term(term, "next-step", weight))
        for terms in found.values():
            _add_piece(candidate, terms, mail_terms)


def _outranked(term: str, piece: set[str], number: str, vocab: dict[str, dict[str, str]]) -> bool:
    """The matter shares only the area of a piece whose specific concept another matter
    has: "security deposit" names the deposit claim, and tells less for the lease renewal
    (an area word alone, "the landlord", still finds the only lease matter)."""
    if term not in AREA_TERMS:
        return False
    specific = {other for other in piece if AREA_OF.get(other) == term}
    return any(specific & vocab[n].keys() for n in vocab if n != number)


@dataclass(frozen=True)
class _Term:
    term: str
    kind: str  # title | negated | next-step
    weight: float


def _add_piece(candidate: Candidate, terms: list[_Term], shown: dict[str, str]) -> None:
    """One piece of the mail, once: negated if any of its terms is, else worth its most
    telling term; shown in its longest wording ('green card', not 'card'); as many of
    the title's words named as it holds (two name a matter)."""
    best = min(terms, key=lambda t: (t.kind != "negated", -t.weight))
    wording = max((shown[t.term] for t in terms), key=len)
    words = max(1, sum(not t.term.startswith("=") for t in terms))
    if best.kind == "negated":
        candidate.add("negated", _NEGATED, f"{NEGATION} '{wording}'", words)
    elif best.kind == "next-step":
        candidate.add("next-step", best.weight, f"'{wording}' (its next step)", words)
    else:
        candidate.add("title", best.weight, f"'{wording}' in the text", words)


def _in_play(matter: MatterFacts, mail: MailFacts) -> bool:
    """Open, or the matter of the thread or of the contact's last mail."""
    return matter.is_open or matter.number in (mail.thread_matter, mail.last_matter)


def _telling(shared: set[str]) -> list[str]:
    """The terms a matter shares with the mail, each word counted once: a practice area
    only when the matter shares none of its specific concepts ('citizenship' is one piece
    of evidence for the naturalization, and the area's share for the green card). The
    title's own words come first, then the concepts: a person checks those most easily."""
    areas = {AREA_OF[term] for term in shared if term in AREA_OF}
    return sorted(shared - areas, key=lambda term: (term.startswith("="), term))


def _matters_having(term_sets: Iterable[Iterable[str]]) -> Counter[str]:
    """For each term, how many of the matters have it: the rarer, the more it tells."""
    return Counter(term for terms in term_sets for term in set(terms))
