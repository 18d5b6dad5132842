"""A small language guess (en / es / de) from common words: enough for routing rules."""

from __future__ import annotations

import re

_WORDS = re.compile(r"[a-záéíóúñüäöß]+")
_MARKERS = {
    "en": frozenset(
        "the and is are you what when how can have has my our please thanks will".split()
    ),
    "es": frozenset(
        "el la los las que de por para mi con una es cuando como gracias hola usted".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ich wir sie mit bitte danke wann wie unser ein".split()
    ),
}


def guess_language(text: str) -> str | None:
    words = _WORDS.findall(text.lower()[:3000])
    if not words:
        return None
    counts = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 2 else None
