"""The list of stages every stored message goes through, in order.

Sources (files, mbox, IMAP) know nothing of what the stages do; they call the
runner with this list. Later stages are added here as they are built.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from inbox.runner import Stage
from inbox.settings import Settings


def build_stages(settings: Settings, factory: sessionmaker[Session]) -> list[Stage]:
    """Identify, classify, route and draft: one stage, since each needs the one before.

    The model is the active version in the database (after a retraining), else the
    one shipped with the project; it is loaded once here, not per message.
    """
    from classifier.registry import active_model_path
    from rules.route import Router, record_route

    with factory() as session:
        model_path = active_model_path(session, settings)
    return [record_route(Router.from_settings(settings, model_path), factory)]
