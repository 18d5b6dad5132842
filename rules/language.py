"""A small language guess (en / es / de) from common words: enough for routing rules."""

from __future__ import annotations

import re
from collections import Counter

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


# Each marker word -> the languages it marks: one pass over the words, not one a language.
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _markers in _MARKERS.items():
    for _word in _markers:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)


def guess_language(text: str) -> str | None:
    words = _WORDS.findall(text.lower()[:3000])
    if not words:
        return None
    counts = dict.fromkeys(_MARKERS, 0)  # in _MARKERS order: ties go to the first
    for counted in Counter(words).items():
        for lang in _LANGUAGES_OF.get(counted[0], ()):
            counts[lang] += counted[1]
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 2 else None
