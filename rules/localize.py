"""The client's language for a draft: the template in it when the firm has one, and the
values we format ourselves (dates, the reply-time phrase) written in it.

`templates/client/<lang>/<name>` holds a client template in Spanish, German or French;
a language without one gets the English template and a note for the VA. The language is
guessed from the mail's own new text (rules/language.py), never from quoted history.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "pt": "Portuguese",
    "it": "Italian",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "vi": "Vietnamese",
    "ar": "Arabic",
    "hi": "Hindi",
}
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH_NAMES = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November "
    "Dezember".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
    "décembre".split(),
}
_DATE_FORMATS = {"es": "{d} de {m} de {y}", "de": "{d}. {m} {y}", "fr": "{d} {m} {y}"}
_LONG_DATE = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}}), (\d{{4}})\b")
# Phrases the router itself puts in a draft's data, in each language.
_PHRASES = {
    "within one business day": {
        "es": "en el plazo de un día hábil",
        "de": "innerhalb eines Werktags",
        "fr": "sous un jour ouvré",
    },
}


def localized_template(
    templates_dir: Path, template: str, language: str | None
) -> tuple[str, str | None]:
    """(the template to render, a note for the VA or None).

    Only client templates are translated; an attorney's notice stays in English."""
    if not template.startswith("client/") or language in (None, "en"):
        return template, None
    folder, name = template.rsplit("/", 1)
    translated = f"{folder}/{language}/{name}"
    if (templates_dir / f"{translated}.txt.j2").is_file() and (
        templates_dir / f"{translated}.html.j2"
    ).is_file():
        return translated, None
    written_in = LANGUAGE_NAMES.get(language, language)
    return template, f"the client wrote in {written_in}: this draft is in English (no template)"


def untranslated(template: str) -> str:
    """client/es/billing_balance -> client/billing_balance: the data a template reads."""
    parts = template.split("/")
    if len(parts) == 3 and parts[0] == "client" and parts[1] in _DATE_FORMATS:
        return f"client/{parts[2]}"
    return template


def localize_data(value: Any, language: str | None) -> Any:
    """Dates we formatted ('November 10, 2026') and our own phrases, in `language`."""
    if language not in _DATE_FORMATS:
        return value
    if isinstance(value, dict):
        return {k: localize_data(v, language) for k, v in value.items()}
    if isinstance(value, list):
        return [localize_data(v, language) for v in value]
    if isinstance(value, str):
        if value in _PHRASES:
            return _PHRASES[value].get(language, value)
        return _LONG_DATE.sub(lambda m: _date_in(m, language), value)
    return value


def _date_in(match: re.Match[str], language: str) -> str:
    month = _MONTH_NAMES[language][_MONTHS.index(match.group(1))]
    return _DATE_FORMATS[language].format(d=int(match.group(2)), m=month, y=match.group(3))
