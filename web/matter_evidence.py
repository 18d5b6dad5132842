"""Why the router chose a matter, in the words a VA reads on the message page (pure).

The resolver (rules/matter_resolver.py) stores its evidence with each routing decision:
the source, a confidence and short phrases per candidate matter. Here they become a
headline ("Matter HV-2026-0020: addressed to its attorney, 'commission' in the text"),
how sure that is, and what else was weighed, so a wrong guess is easy to spot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# When the evidence names no phrase of its own, what the source means.
_SOURCE_WORDS = {
    "number": "its number is in the mail",
    "thread": "an earlier mail of the thread was about it",
    "invoice": "the mail names one of its invoices",
    "only-open": "the client's only open matter",
    "recent": "the matter this contact last wrote about",
}


@dataclass(frozen=True)
class MatterWhy:
    headline: str
    sureness: str = ""  # "certain", "sure", "fairly sure", "a guess: check it"
    others: list[str] = field(default_factory=list)  # the other matters weighed, and why
    warnings: list[str] = field(default_factory=list)


MOST_PHRASES = 4  # the strongest few; a long list hides the point


def _phrases(evidence: Mapping[str, Any], number: str) -> str:
    """'addressed to its attorney, 'EEOC' in the text' (each phrase once, whatever its case)."""
    seen: dict[str, str] = {}
    for phrase in evidence.get(number) or []:
        seen.setdefault(str(phrase).casefold(), str(phrase))
    shown = list(seen.values())
    more = len(shown) - MOST_PHRASES
    return ", ".join(shown[:MOST_PHRASES]) + (f" and {more} more" if more > 0 else "")


def _sureness(source: str, confidence: float) -> str:
    if source == "number":
        return "certain"
    if confidence >= 0.85:
        return "sure"
    if confidence >= 0.65:
        return "fairly sure"
    return "a guess: check it"


def explain_matter(identification: Mapping[str, Any]) -> MatterWhy:
    """The stored identification of a routing decision, in plain words."""
    evidence: Mapping[str, Any] = identification.get("matter_evidence") or {}
    matter = identification.get("matter")
    source = identification.get("matter_source") or "none"
    candidates = [str(c) for c in identification.get("candidates") or []]
    foreign = [str(n) for n in identification.get("foreign_matter_numbers") or []]
    warnings = (
        [f"Named another client's matter, not used: {', '.join(foreign)}."] if foreign else []
    )
    if matter:
        why = _phrases(evidence, matter) or _SOURCE_WORDS.get(source, source)
        others = [
            f"Also weighed: {number}, {_phrases(evidence, number)}."
            for number in evidence
            if number != matter and _phrases(evidence, number)
        ]
        confidence = float(identification.get("matter_confidence") or 0.0)
        return MatterWhy(
            f"Matter {matter}: {why}.", _sureness(source, confidence), others, warnings
        )
    if not identification.get("client"):
        return MatterWhy("No matter: the sender is not in the firm directory.", warnings=warnings)
    if len(candidates) > 1:
        each = [
            f"{n} ({_phrases(evidence, n)})" if _phrases(evidence, n) else n for n in candidates
        ]
        return MatterWhy(
            "Matter not decided: it could be " + ", ".join(each[:-1]) + f" or {each[-1]}; "
            "choose before answering.",
            warnings=warnings,
        )
    return MatterWhy(
        "No matter identified: nothing in the mail points to one of the client's matters.",
        warnings=warnings,
    )
