"""The firm's name as drafts, receipts and sent mail sign it.

A draft signed with another firm's name is untrue, and a client notices. The name is
INBOX_ROUTER_FIRM_NAME when the firm sets it. When it does not, the firm is named from
its domain (the one most of its attorneys write from, else the shared address's): the
sample firm's own domain keeps the sample's name; another is named by its attorneys'
surnames when they spell it ("ashgrovekellerman.law", Ruth Ashgrove and Jonas
Kellerman: "Ashgrove Kellerman"), else by the domain's name itself ("Examplefirm").
Both are what the firm calls itself in its addresses; neither invents a legal form
("LLP") it may not have.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import permutations

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import Attorney
from inbox.settings import Settings

SAMPLE_FIRM_NAME = "Harbor & Vale LLP"
SAMPLE_DOMAIN = "harborvale.law"  # the sample firm's (rules/sample_firm, the demo)
MOST_SURNAMES = 4  # a firm named after more partners than this is named by its domain


def _letters(text: str) -> str:
    """Letters alone, without accents: "Fernández" is spelled "fernandez" in a domain."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^a-z]", "", plain)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].casefold().strip()


def _main_domain(emails: Sequence[str]) -> str | None:
    """The domain most of the attorneys write from (a few outside counsel aside)."""
    counts = Counter(d for d in map(_domain, emails) if d)
    return counts.most_common(1)[0][0] if counts else None


def _spelled_by(label: str, surnames: Sequence[str]) -> list[str] | None:
    """Surnames (each once, in some order) whose letters, joined, are the label's: only
    those found in the label are tried (a firm of 200 attorneys tries a handful)."""
    inside = [s for s in dict.fromkeys(surnames) if _letters(s) and _letters(s) in label]
    for size in range(1, min(MOST_SURNAMES, len(inside)) + 1):
        for chosen in permutations(inside, size):
            if "".join(map(_letters, chosen)) == label:
                return list(chosen)
    return None


def name_from_directory(
    attorneys: Sequence[tuple[str, str]], fallback_domain: str = ""
) -> str | None:
    """The firm's name read off its attorneys' (name, email): the surnames that spell
    their domain's name (else `fallback_domain`'s), else that name capitalised; None
    without a domain."""
    domain = _main_domain([email for _, email in attorneys]) or _domain(fallback_domain)
    if not domain:
        return None
    if domain == SAMPLE_DOMAIN:
        return SAMPLE_FIRM_NAME
    label = domain.split(".")[0]
    if label == "www" and domain.count(".") > 1:
        label = domain.split(".")[1]
    surnames = [name.split()[-1] for name, _ in attorneys if name.split()]
    spelled = _spelled_by(_letters(label), surnames)
    if spelled:
        return " ".join(spelled)
    words = [w for w in re.split(r"[-_]+", label) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or None


def firm_name(session: Session, settings: Settings) -> str:
    """The name to sign with (see the module's docstring for the order)."""
    if settings.firm_name:
        return settings.firm_name
    return firm_name_among(settings, session.scalars(select(Attorney)))


def firm_name_among(settings: Settings, attorneys: Iterable[Attorney]) -> str:
    """`firm_name` from attorneys already read (routing's, remembered for a batch)."""
    if settings.firm_name:
        return settings.firm_name
    named = [(a.name, a.email) for a in attorneys]
    return name_from_directory(named, settings.shared_address) or SAMPLE_FIRM_NAME
