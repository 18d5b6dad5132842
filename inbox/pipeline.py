"""The list of stages every stored message goes through, in order.

Sources (files, mbox, IMAP) know nothing of what the stages do; they call the
runner with this list. Later stages are added here as they are built.
"""

from __future__ import annotations

from inbox.runner import Stage
from inbox.settings import Settings
from rules.identify import identify_sender


def build_stages(settings: Settings) -> list[Stage]:
    return [identify_sender]
