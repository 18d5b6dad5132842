"""Record ids from URLs, forms and query strings, read one way everywhere.

Database ids are 64-bit: a larger number ("/messages/99999999999999999999999") made
the database driver raise OverflowError, an HTTP 500. Here such a value is simply
no id (a 404 in a URL, an ignored filter in a query string). Only ASCII digits
count: str.isdigit() also accepts "²", which int() refuses.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000


def parse_id(value: str | None, maximum: int = MAX_ID) -> int | None:
    """The id in `value`, or None when it is not a whole number the database can hold."""
    value = (value or "").strip()
    if not value or len(value) > 19 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None


def parse_page(value: str | None) -> int:
    """A page number from a query string: 1 unless it is a sane positive number."""
    return max(1, parse_id(value, MAX_PAGE) or 1)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond 64 bits does not match (a 404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
