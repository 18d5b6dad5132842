"""Working through a queue: which queue a person came from, and where an action lands.

The queue page a person last opened (its address with the filters, and the message ids
it listed) is kept in the signed session cookie. A message page reads it to offer the
next and previous message (j/k), the way back ("u") and, after approve, discard or mark
done, the next message of that queue: "approve and next". Kept on the server side so
"u" does not depend on the browser's history (after a POST, history.back() lands on
the same message again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import redirect, request, session, url_for

QUEUE_KEY = "queue"
_MAX_IDS = 200  # a queue page lists 50; the cookie stays small whatever the page size


@dataclass(frozen=True)
class QueueContext:
    """Where a message page sits in the queue the person came from."""

    url: str  # the queue page, with its filters (an address to link to)
    previous_id: int | None
    next_id: int | None


def remember_queue(url: str, message_ids: Sequence[int]) -> None:
    """Called by the queue page: this is the queue the next message pages belong to.
    `url`: its path and query, without the application's root."""
    session[QUEUE_KEY] = {"url": url, "ids": [int(i) for i in message_ids[:_MAX_IDS]]}


def neighbours(ids: Sequence[int], message_id: int) -> tuple[int | None, int | None]:
    """The ids before and after `message_id` in the queue's order (none for a message
    the queue page did not list)."""
    if message_id not in ids:
        return None, None
    at = list(ids).index(message_id)
    before = ids[at - 1] if at > 0 else None
    after = ids[at + 1] if at + 1 < len(ids) else None
    return before, after


def _remembered() -> tuple[str, list[int]] | None:
    kept = session.get(QUEUE_KEY)
    if not isinstance(kept, dict):
        return None
    url, ids = kept.get("url"), kept.get("ids")
    # Only a queue page of ours: the cookie is signed, but the rule costs nothing.
    if not isinstance(url, str) or not url.startswith("/queue/") or not isinstance(ids, list):
        return None
    return request.script_root + url, [i for i in ids if isinstance(i, int)]


def queue_context(message_id: int) -> QueueContext | None:
    """The message page's place in the remembered queue; None when the person came from
    elsewhere (a link, search, the audit log)."""
    kept = _remembered()
    if kept is None:
        return None
    url, ids = kept
    before, after = neighbours(ids, message_id)
    return QueueContext(url, before, after)


def after_action(message_id: int) -> Any:
    """Approve and next: the next message of the queue the person came from, the queue
    itself when this was its last one, or the same message when there was no queue."""
    kept = _remembered()
    if kept is None:
        return redirect(url_for("messages.show", message_id=message_id))
    url, ids = kept
    if message_id not in ids:  # opened from elsewhere: stay on it
        return redirect(url_for("messages.show", message_id=message_id))
    _before, after = neighbours(ids, message_id)
    # The message has left the queue: "k" on the next one goes to the one before it.
    remember_queue(url.removeprefix(request.script_root), [i for i in ids if i != message_id])
    if after is None:
        return redirect(url)
    return redirect(url_for("messages.show", message_id=after))
