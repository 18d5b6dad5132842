"""How values look on every page: times in the firm's zone, label badges, counts
with their nouns, money, a line of a message's text, why a message is where it is."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M", *, zone: ZoneInfo) -> str:
    """Times in the firm's zone (the database keeps UTC; SQLite returns it naive)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone).strftime(fmt)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_time(value: dt.datetime | None, *, zone: ZoneInfo) -> str:
    """'Nov 03 09:05' in the firm's zone: local_time(value, "%b %d %H:%M") as a queue
    line shows its dates, two a line. Put together here: strftime turns the time into a
    tuple and reads its format on every call (~1.5 us more, ~150 us a page of fifty).
    The months' names are the C locale's, as strftime's in a process that never sets
    LC_TIME (this one does not)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(zone)
    return f"{_MONTHS[value.month - 1]} {value.day:02d} {value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=16)
def label_badge(label: str | None) -> Markup:
    """A label as the queues and the message page show it (a function: a Jinja macro
    costs several times more, and a queue page shows fifty; made once a label)."""
    if not label:
        return Markup('<span class="label">unlabelled</span>')
    return Markup('<span class="label label-{0}">{1}</span>').format(label, label.replace("_", " "))


def time_tag(value: dt.datetime | None, *, zone: ZoneInfo) -> Markup:
    """A <time> in the firm's zone; empty (falsy) when there is no time."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{0}">{1}</time>').format(
        value.isoformat(), local_time(value, zone=zone)
    )


def shown_path(path: Path | str, folders: Iterable[Path]) -> str:
    """A file's path as an admin page shows it: relative to the first configured folder
    that holds it, else its name alone; never the server's absolute layout."""
    target = Path(path).resolve()
    for folder in folders:
        try:
            return str(target.relative_to(Path(folder).resolve()))
        except ValueError:
            continue
    return target.name


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun agreeing: '1 message', '2 messages', '1,204 messages'."""
    noun = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {noun}"


def money(amount: Decimal | int | None, symbol: str = "$") -> str:
    """'$6,812.50', and a credit as '-$40.00' (not '$-40.00'); '' when there is none."""
    if amount is None:
        return ""
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def past_due(due: dt.date | None, *, zone: ZoneInfo, today: dt.date | None = None) -> bool:
    """Whether an open invoice's due date has passed, by the firm's calendar (a bill due
    today is not overdue yet, wherever the server's clock is)."""
    if due is None:
        return False
    return due < (today or dt.datetime.now(zone).date())


def zone_label(zone: ZoneInfo, now: dt.datetime | None = None) -> str:
    """The zone a page's times are in, named: 'America/New_York (EST)'."""
    now = now or dt.datetime.now(dt.UTC)
    abbreviation = now.astimezone(zone).tzname()
    if not abbreviation or abbreviation == zone.key:
        return zone.key
    return f"{zone.key} ({abbreviation})"


def snippet(text: str | None, limit: int, *, cut: bool = False) -> str:
    """The start of a message's new text on one line: whitespace runs made one space,
    ended at a word with '…' when longer than `limit` (or already `cut` shorter by the
    query that read it)."""
    line = " ".join((text or "").split())
    if len(line) <= limit and not cut:
        return line
    if len(line) > limit:
        line = line[:limit]
        space = line.rfind(" ")
        if space > limit // 2:  # a word cut in two reads worse than a shorter line
            line = line[:space]
    return line.rstrip(" ,.;:-") + "…"


def _fired(rules_fired: Iterable[Any] | None) -> list[tuple[str, str]]:
    """(name, description) of each rule a decision recorded (dicts; the oldest rows and
    the `route --json` contract keep names alone)."""
    fired = []
    for rule in rules_fired or ():
        if isinstance(rule, dict) and rule.get("name"):
            fired.append((str(rule["name"]), str(rule.get("description") or "")))
        elif isinstance(rule, str) and rule:
            fired.append((rule, ""))
    return fired


_SEPARATORS = re.compile(r"(?:\s*;\s*)+")


def reason_beside_rules(reason: str | None, rules_fired: Iterable[Any] | None) -> str:
    """A decision's reason less the "name: description" of the rules listed beside it:
    the routing panel lists the fired rules already, and saying each twice buries the
    reasons that are not rules (confidence, the attorney chosen, a guard)."""
    text = reason or ""
    for name, description in _fired(rules_fired):  # a whole part only, never a prefix
        said = re.escape(f"{name}: {description}".rstrip())
        text = re.sub(rf"(?:^|(?<=;)|(?<=; )){said}(?=\s*(?:;|$))", "", text)
    return _SEPARATORS.sub("; ", text).strip("; ").strip()


# States where what a person must decide is the point: the row says why it is there.
_WAITING_FOR_A_PERSON = ("triage", "received", "no_reply")


def row_reason(state: str, reason: str | None, rules_fired: Iterable[Any] | None) -> str:
    """Why a queue row is where it is, in one short line: for mail waiting on a person's
    decision (triage), the reasons beyond the rule; otherwise the rule that fired."""
    fired = _fired(rules_fired)
    if state in _WAITING_FOR_A_PERSON:
        rest = reason_beside_rules(reason, rules_fired)
        if rest:
            return rest
    if fired:
        return "rule " + ", ".join(name for name, _ in fired)
    return (reason or "").strip()
