"""A small language guess from common words: enough for routing rules, for choosing
the language of a draft (en, es, de, fr; pt, it, Hindi in Latin letters, and the
languages of other scripts are recognised so that their writers get an English draft
with a note, not a Spanish one nor a plain English one) and for the classifier's
language groups (classifier/policy.py), which is why it lives here, below both: pure,
and quick enough to run on every classified mail (a few microseconds for ASCII text)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORDS = re.compile(r"[a-záéíóúñüäößàâçèêëîïôûœãõąęłńśźżć]+")
_MARKERS = {
    "en": frozenset(
        "the and is are you what when how can have has my our please thanks will did "
        "was this that for with".split()
    ),
    "es": frozenset(
        "el la los las mi con una es cuando gracias hola usted recibieron puedo factura "
        "tengo hay todavía saludos del al pero muy su sus estoy necesito abogado abogada "
        "señor señora quisiera ustedes también".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ich wir sie mit bitte danke wann wie unser ein "
        "haben können rechnung noch uns ihre grüße vielen".split()
    ),
    "fr": frozenset(
        "le les et est je nous vous pour avec une merci bonjour quand comment notre "
        "mon pas facture avez cordialement du des au aux ce cette mais sur dans qui votre "
        "vos nos avons sommes très déjà encore maître".split()
    ),
    "pt": frozenset(
        "não obrigado obrigada você vocês olá meu minha também uma com em dos das ao isso "
        "esse essa ainda já foi tem temos estou gostaria fatura pagamento advogado "
        "advogada".split()
    ),
    "it": frozenset(
        "il che non sono grazie buongiorno quando mio nostra della per di gli alla nel "
        "questo questa anche ancora abbiamo ho avvocato fattura pagamento".split()
    ),
    "pl": frozenset(
        "nie się czy że jest jak mam są dziękuję pozdrawiam faktura faktury sprawa sprawy "
        "proszę pana pani dobry".split()
    ),
    # Hindi written in Latin letters (often mixed with English: "kya update hai?").
    "hi": frozenset("hai hain kya nahi nahin aap mujhe hum kar karna raha rahe hoon".split()),
}
# A mail mostly in another script is in that script's language, whatever English words
# it carries ("USCIS", "green card"): Ukrainian is told from Russian by its letters.
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_UKRAINIAN = re.compile(r"[іїєґ]")
_VIETNAMESE = re.compile(r"[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
_LETTER = re.compile(r"[^\W\d_]")
# Any letter of those scripts: without one, no script can hold half the letters.
_ANY_SCRIPT = re.compile(
    r"[\uac00-\ud7af\u3040-\u30ff\u4e00-\u9fff\u0600-\u06ff\u0900-\u097f\u0400-\u04ff]"
)
_PT_ENDINGS = ("ção", "ções", "ões")  # informação, questões: Portuguese only
# Letters that only some of these languages write: each is worth one marker word.
_LETTERS = {"es": "ñ¿¡", "de": "ßäöü", "fr": "çèêàœ", "pt": "ãõ", "pl": "ąęłńśźż"}


# Each marker word -> the languages it marks: one pass over the words, not one a language.
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _markers in _MARKERS.items():
    for _word in _markers:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)


_READ_CHARS = 3000  # the first of a long text say its language


def guess_language(text: str) -> str | None:
    """The language most marker words point to, or None when too few words say."""
    lowered = text.lower()[:_READ_CHARS]
    script = _script_language(lowered)
    if script is not None:
        return script
    return _by_markers(lowered, _WORDS.findall(lowered))


def guess_ascii_language(text: str, long_words: Sequence[str]) -> str | None:
    """`guess_language(text)` for ASCII text of at most 3,000 characters, from its lower
    case words of two letters or more, when the caller has them already: every marker
    word is two letters or more, and ASCII text has no other script, ending or letter
    to weigh (the classifier reads each mail's words once for this and its share of
    known words)."""
    if not text.isascii() or len(text) > _READ_CHARS:
        return guess_language(text)
    return _by_markers("", long_words)


def _by_markers(lowered: str, words: Sequence[str]) -> str | None:
    """The language the marker words (and, in non-ASCII `lowered`, endings and letters)
    point to most, if at least twice."""
    if not words:
        return None
    counts = dict.fromkeys(_MARKERS, 0)  # in _MARKERS order: ties go to the first
    for word in filter(_LANGUAGES_OF.__contains__, words):  # most words mark none
        for lang in _LANGUAGES_OF[word]:
            counts[lang] += 1
    if not lowered.isascii():  # the endings and letters below are not ASCII
        counts["pt"] += sum(word.endswith(_PT_ENDINGS) for word in words)
        for lang, letters in _LETTERS.items():
            if any(letter in lowered for letter in letters):
                counts[lang] += 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] >= 2 else None


def _script_language(lowered: str) -> str | None:
    """The language of the script most of the letters are in, when it is not Latin.
    Counting letters is the slow part: ASCII text, or text with no letter of those
    scripts, skips it."""
    if lowered.isascii():
        return None
    if _ANY_SCRIPT.search(lowered):
        letters = len(_LETTER.findall(lowered))
        if not letters:
            return None
        for lang, pattern in _SCRIPTS:
            if len(pattern.findall(lowered)) * 2 >= letters:
                return "uk" if lang == "ru" and _UKRAINIAN.search(lowered) else lang
    if len(_VIETNAMESE.findall(lowered)) >= 3:
        return "vi"
    return None
