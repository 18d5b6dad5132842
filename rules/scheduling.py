"""Scheduling requests addressed to an attorney (pure: no database).

"Hi Daniel, could we move Tuesday's call to 2:30?" has no question for the firm's
records and the classifier rightly calls it `other`, yet filing it would leave the
attorney waiting on a call the client cannot make. The known-client guard
(rules/engine.py) sends such a mail to the attorney it addresses instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rules.matter_words import addressed_names, fold

# A change of an appointment: a verb of moving or cancelling near a word for a call or
# meeting, in the languages the firm's clients write (folded: no accents).
_MOVE = (
    r"resched\w*|move|moving|push|shift|postpone|bump|cancel\w*|change|"
    r"cambiar|mover|aplazar|reprogramar|posponer|cancelar|"
    r"verschieb\w*|verlegen|absagen|"
    r"deplacer|reporter|decaler|annuler|"
    r"spostare|rinviare|przelozyc|przesunac"
)
_APPOINTMENT = (
    r"call|meeting|appointment|appt|consult\w*|zoom|teams|conference|phone call|catch[- ]up|"
    r"llamada|reunion|cita|videollamada|"
    r"termin\w*|telefonat|gesprach|besprechung|anruf|"
    r"rendez-vous|rdv|appel|"
    r"chiamata|riunione|appuntamento|spotkanie|rozmowa"
)
_NEAR = r"(?:\W+\w+){0,6}?\W+"
_REQUEST = re.compile(
    rf"\b(?:{_MOVE}){_NEAR}(?:{_APPOINTMENT})\b|\b(?:{_APPOINTMENT}){_NEAR}(?:{_MOVE})\b"
    r"|\breschedul\w*|\bverschieb\w*",
    re.I,
)
# "our call with Ruth", "el llamado con Ruth", "Termin mit Herrn Salgado"
_WITH = re.compile(
    r"\b(?:with|con|mit|avec|z)\s+(?:(?:mr|mrs|ms|dr|herrn?|frau|sr|sra|senora?)\.?\s+)?"
    r"([^\W\d_]+)",
    re.I,
)


@dataclass(frozen=True)
class AttorneyName:
    """An attorney the client's mail may address (of its matters, or the relationship one)."""

    email: str
    name: str


def is_scheduling_request(subject: str, new_text: str) -> bool:
    """Whether the new text (or subject) asks to move, set or cancel a call or meeting."""
    return bool(_REQUEST.search(fold(f"{subject}\n{new_text}")))


def addressed_attorney(
    new_text: str, to_and_cc: Sequence[str], attorneys: Sequence[AttorneyName]
) -> tuple[AttorneyName, str] | None:
    """The one attorney the mail is addressed to, and how: copied, greeted ("Hi Daniel"),
    or named as the one the appointment is with ("our call with Ruth"). None when no
    attorney, or more than one, is addressed that way."""
    copied = {a.lower() for a in to_and_cc}
    greeted, mentioned = addressed_names(new_text)
    with_whom = {fold(m.group(1)) for m in _WITH.finditer(new_text)}
    for how, hit in (
        ("copied", lambda a, parts: a.email.lower() in copied),
        ("greeted", lambda a, parts: bool(parts & greeted)),
        ("named", lambda a, parts: bool(parts & (with_whom | mentioned))),
    ):
        found = {a.email: a for a in attorneys if hit(a, _name_parts(a.name))}
        if len(found) == 1:
            return next(iter(found.values())), how
        if found:
            return None  # two attorneys addressed alike: a person decides
    return None


def _name_parts(name: str) -> set[str]:
    parts = [p for p in re.findall(r"[^\W\d_]+", fold(name)) if len(p) > 1]
    return {parts[0], parts[-1]} if parts else set()
