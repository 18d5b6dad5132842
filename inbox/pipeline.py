"""The list of stages every stored message goes through, in order.

Sources (files, mbox, IMAP) know nothing of what the stages do; they call the
runner with this list. Later stages are added here as they are built.
"""

from __future__ import annotations

from inbox.runner import Stage
from inbox.settings import Settings


def build_stages(settings: Settings) -> list[Stage]:
    """Identify, classify, route and draft: one stage, since each needs the one before."""
    from rules.route import Router, record_route

    return [record_route(Router.from_settings(settings))]
