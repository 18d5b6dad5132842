"""How values look on every page: times in the firm's zone, label badges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from markupsafe import Markup


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M", *, zone: ZoneInfo) -> str:
    """Times in the firm's zone (the database keeps UTC; SQLite returns it naive)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone).strftime(fmt)


def label_badge(label: str | None) -> Markup:
    """A label as the queues and the message page show it (a function: a Jinja macro
    costs several times more, and a queue page shows fifty)."""
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
