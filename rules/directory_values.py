"""The values of the firm's CSV files as spreadsheets write them (pure).

Firms export their directory from Excel or a practice-management system, and a
spreadsheet saved in a European locale writes "1.200,50" and "26.11.2026", separated
by semicolons. Reading "1200,50" with the comma as a thousands separator made an
invoice of $1,200.50 one of $120,050.00, silently, in the drafts a client reads. Here
each value is read only in a form that has one meaning; any other is an error that
names it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal

# Currency marks and spaces around or inside an amount: "$1,200", "EUR 1.200,50",
# "1 200,50 €", "CHF 1'200.50".
_CURRENCY = re.compile(r"(?i)[$€£]|\b(?:usd|eur|gbp|chf)\b|[\s\u00a0\u202f']")
# One meaning each: "1200", "1200.5", "1,200.50" (a point for cents, commas between
# thousands); "1200,50", "1.200,50", "1.200.000" (a comma for cents, points between
# thousands). "1,200" is 1200: a comma before three digits never starts cents; "1.200"
# is read as 1.200, which the import refuses (three decimals): 1.2 or 1200, who knows.
_POINT_CENTS = re.compile(r"^\d+(?:\.\d+)?$|^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_COMMA_CENTS = re.compile(r"^\d+,\d{1,2}$|^\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 26.11.2026: always day first
_SLASHED_ISO = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")  # 2026/11/26
# A database or a spreadsheet writes a day as midnight: "2026-11-26 00:00:00", "...T00:00".
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?$")
DELIMITERS = (",", ";", "\t")


def amount_value(text: str) -> Decimal:
    """The amount `text` states, in whichever of the two notations it is written; a
    ValueError when it is neither, or could be read both ways."""
    bare = _CURRENCY.sub("", text)
    sign = -1 if bare.startswith("-") else 1  # refused by the caller, with its reason
    bare = bare.removeprefix("-")
    if _POINT_CENTS.match(bare):
        return sign * Decimal(bare.replace(",", ""))
    if _COMMA_CENTS.match(bare):
        return sign * Decimal(bare.replace(".", "").replace(",", "."))
    raise ValueError("is not an amount (write 1200.50 or 1,200.50; or 1.200,50)")


def date_value(text: str) -> dt.date:
    """The date `text` states: 2026-11-26 (or that day's midnight), 2026/11/26 or
    26.11.2026. A slashed date with the day first or second (11/12/2026) means two dates
    and is refused; so is a time of day other than midnight (which day it is may depend
    on a time zone)."""
    if found := _DOTTED_DATE.match(text):
        day, month, year = map(int, found.groups())
    elif found := _SLASHED_ISO.match(text):
        year, month, day = map(int, found.groups())
    elif found := _MIDNIGHT.match(text):
        return dt.date.fromisoformat(found.group(1))
    else:
        return dt.date.fromisoformat(text)
    return dt.date(year, month, day)


def header_delimiter(first_line: str, columns: Collection[str]) -> str:
    """The delimiter that splits the header row into most of the file's known columns:
    a comma unless a semicolon or a tab finds more (a header never holds either inside
    a name)."""

    def found(delimiter: str) -> int:
        names = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(column_name(name) in columns for name in names)

    return max(DELIMITERS, key=found)  # ties: the first, a comma


def domain_value(text: str) -> str:
    """The mail domain a clients.csv cell means: "@example.com", "www.example.com" and
    "https://www.example.com/" (a website typed for the domain) are all example.com,
    whose senders the client's are; what is left is checked by the caller."""
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.strip().lower())
    bare = bare.split("/", 1)[0].lstrip("@").strip(".")
    return bare.removeprefix("www.")


def column_name(text: str) -> str:
    """A header cell as the column it names: "Matter Number", "matter-number" and
    " matter_number " are matter_number."""
    return "_".join(re.split(r"[\s_-]+", text.strip().lower())).strip("_")
