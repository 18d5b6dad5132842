"""The stages every stored message goes through, and the routing stage itself.

Sources (files, mbox, IMAP) know nothing of what the stages do; they call the
runner with this list. Routing is one stage (identify, classify, walk the rules,
draft, store) since each step needs the one before.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from classifier.active import active_model_path
from classifier.features import ModelInput
from classifier.predict import ClassifyJob, Prediction
from inbox.ingest.runner import Stage
from inbox.ingest.store import StoredMessage
from inbox.mail.parse import ParsedMessage
from inbox.settings import Settings
from rules.lookups import BatchLookups, Lookups
from rules.record import store_result
from rules.route import Router

_LIVE = Lookups()

# What an ingest worker (inbox/ingest/prework.py) imports at start, for the stages' jobs.
WORKER_IMPORTS = ("inbox.mail.parse", "classifier.predict")


def build_stages(
    settings: Settings, factory: sessionmaker[Session], *, load_model: bool = True
) -> list[Stage]:
    """Identify, classify, route and draft: one stage, since each needs the one before.

    The model is the active version in the database (after a retraining), else the
    one shipped with the project; it is loaded once here, not per message. With
    `load_model=False` it is loaded only if this process ever classifies (an ingest
    worker does it for the poller: see inbox/ingest/prework.py).
    """
    with factory() as session:
        model_path = active_model_path(session, settings)
    router = Router.from_settings(settings, model_path, load_model=load_model)
    return [record_route(router, factory)]


class RouteStage:
    """Pipeline stage: classify, route and store the outcome for one stored message.

    `prepare` classifies a whole batch in one call (vectorizing costs far less per
    message in bulk) and starts a fresh directory cache for the batch; each message
    then uses its prediction and the cached lookups when it is stored.
    """

    def __init__(self, router: Router, factory: sessionmaker[Session] | None = None) -> None:
        self.router = router
        self.batch = BatchLookups(factory) if factory is not None else None
        self.lookups: Lookups = self.batch or _LIVE
        self._predictions: dict[int, tuple[ParsedMessage, Prediction]] = {}

    def worker_job(self) -> ClassifyJob | None:
        """Classifying needs only the parse: an ingest worker can do it (prework.py)."""
        return self.router.model

    def prepare(
        self, messages: list[ParsedMessage], precomputed: list[object] | None = None
    ) -> None:
        """`precomputed`: what `worker_job()` returned for these messages, if it ran."""
        if self.batch is not None:
            self.batch.clear()
            self.batch.preload_senders(m.sender_addr for m in messages)
        if precomputed is not None and len(precomputed) == len(messages):
            predictions = [p for p in precomputed if isinstance(p, Prediction)]
        else:
            predictions = []
        if len(predictions) != len(messages):
            predictions = self.router.classifier.predict_many(
                [ModelInput.from_parsed(m) for m in messages], explain=True
            )
        self._predictions = {id(m): (m, p) for m, p in zip(messages, predictions, strict=True)}

    def __call__(self, session: Session, message: StoredMessage, parsed: ParsedMessage) -> None:
        cached = self._predictions.get(id(parsed))  # kept: a batch may be redone
        prediction = cached[1] if cached is not None and cached[0] is parsed else None
        result = self.router.route(
            session, parsed, message_pk=message.id, prediction=prediction, lookups=self.lookups
        )
        store_result(session, message.id, result, self.router.settings)


def record_route(router: Router, factory: sessionmaker[Session] | None = None) -> RouteStage:
    """The stage; with `factory`, each batch's senders are looked up at once."""
    return RouteStage(router, factory)
