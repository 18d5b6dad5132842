"""The Content-Disposition of a download, for any file name (RFC 6266, RFC 5987).

HTTP header values are Latin-1 on the wire, so a name such as `合同—final.pdf` cannot be
sent as it is (the server failed with HTTP 500). The header carries an ASCII
`filename=` fallback for old clients and `filename*=UTF-8''...` with the real name.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

_UNSAFE_IN_FALLBACK = set('"\\/%;')


def ascii_fallback(name: str, default: str) -> str:
    """The name in plain ASCII (accents dropped, other letters as `_`), or `default`
    (keeping the extension) when little of it is left."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(
        "_" if not ch.isascii() or not ch.isprintable() or ch in _UNSAFE_IN_FALLBACK else ch
        for ch in decomposed
        if not unicodedata.combining(ch)
    )
    stem, dot, extension = kept.rpartition(".")
    if not dot:
        stem, extension = kept, ""
    if not stem.strip("_ ."):
        suffix = f".{extension}" if extension.strip("_") else ""
        return default + suffix
    return kept.strip()


def content_disposition(name: str, default: str) -> str:
    """`attachment; filename="..."; filename*=UTF-8''...` (always a download)."""
    clean = "".join(ch for ch in name if ch.isprintable()).strip() or default
    fallback = ascii_fallback(clean, default)
    header = f'attachment; filename="{fallback}"'
    if fallback != clean:
        header += f"; filename*=UTF-8''{quote(clean, safe='')}"
    return header
