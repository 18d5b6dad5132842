"""A small language guess from common words: enough for routing rules and for choosing
the language of a draft (en, es, de, fr; pt and it are recognised so that their
writers get an English draft with a note, not a Spanish one)."""

from __future__ import annotations

import re
from collections import Counter

_WORDS = re.compile(r"[a-záéíóúñüäößàâçèêëîïôûœãõ]+")
_MARKERS = {
    "en": frozenset(
        "the and is are you what when how can have has my our please thanks will did "
        "was this that for with".split()
    ),
    "es": frozenset(
        "el la los las que de por para mi con una es cuando como gracias hola usted "
        "recibieron puedo pago factura tengo está hay todavía saludos favor".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ich wir sie mit bitte danke wann wie unser ein "
        "haben können rechnung noch uns ihre grüße vielen".split()
    ),
    "fr": frozenset(
        "le les et est je nous vous pour avec une merci bonjour quand comment notre "
        "mon pas facture avez cordialement".split()
    ),
    "pt": frozenset("não obrigado obrigada você vocês está olá meu minha também".split()),
    "it": frozenset("il che non sono grazie buongiorno quando mio nostra della".split()),
}
# Letters that only some of these languages write: each is worth one marker word.
_LETTERS = {"es": "ñ¿¡", "de": "ßäöü", "fr": "çèêàœ", "pt": "ãõ"}


# Each marker word -> the languages it marks: one pass over the words, not one a language.
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _markers in _MARKERS.items():
    for _word in _markers:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)


def guess_language(text: str) -> str | None:
    """The language most marker words point to, or None when too few words say."""
    lowered = text.lower()[:3000]
    words = _WORDS.findall(lowered)
    if not words:
        return None
    counts = dict.fromkeys(_MARKERS, 0)  # in _MARKERS order: ties go to the first
    for counted in Counter(words).items():
        for lang in _LANGUAGES_OF.get(counted[0], ()):
            counts[lang] += counted[1]
    for lang, letters in _LETTERS.items():
        if any(letter in lowered for letter in letters):
            counts[lang] += 1
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 2 else None
