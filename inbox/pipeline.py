"""The list of stages every stored message goes through, in order.

Sources (files, mbox, IMAP) know nothing of what the stages do; they call the
runner with this list. Later stages are added here as they are built.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from inbox.runner import Stage
from inbox.settings import Settings

# What an ingest worker (inbox/prework.py) imports at start, for the stages' jobs.
WORKER_IMPORTS = ("inbox.parse", "classifier.predict")


def build_stages(
    settings: Settings, factory: sessionmaker[Session], *, load_model: bool = True
) -> list[Stage]:
    """Identify, classify, route and draft: one stage, since each needs the one before.

    The model is the active version in the database (after a retraining), else the
    one shipped with the project; it is loaded once here, not per message. With
    `load_model=False` it is loaded only if this process ever classifies (an ingest
    worker does it for the poller: see inbox/prework.py).
    """
    from classifier.active import active_model_path
    from rules.route import Router, record_route

    with factory() as session:
        model_path = active_model_path(session, settings)
    router = Router.from_settings(settings, model_path, load_model=load_model)
    return [record_route(router, factory)]
