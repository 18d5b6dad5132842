"""Model versions: which model is active, retraining with corrections, promotion, restore.

A retrained model is promoted only if, on the held-out set, its macro-F1 and its
legal-question recall are not below the active model's (both measured now, with
the same code). Every version stays on disk and in the database, so an earlier
one can be made active again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from classifier.active import active_model_path
from classifier.corpus import Example
from classifier.evaluate import Report
from classifier.features import ModelInput
from classifier.persistence import ModelBundle, load_bundle, save_bundle
from classifier.policy import Thresholds
from classifier.train import measure
from inbox.models import Classification, Message, ModelVersion
from inbox.settings import Settings


class RegistryError(ValueError):
    """A version that does not exist, or a file that has gone."""


def corrections(session: Session) -> list[Example]:
    """The latest human label of each message, as training examples."""
    rows = session.execute(
        select(Classification.message_id, Classification.label)
        .where(Classification.source == "human")
        .order_by(Classification.id)
    ).all()
    latest = dict(rows)  # later rows win
    examples = []
    for message_id, label in latest.items():
        message = session.get(Message, message_id)
        if message is not None:
            examples.append(
                Example(f"correction-{message_id}", label, ModelInput.from_message(message))
            )
    return examples


def thresholds_of(bundle: ModelBundle) -> Thresholds:
    return Thresholds.from_dict(bundle.metadata.get("thresholds") or {})


@dataclass(frozen=True)
class Promotion:
    version: str
    promoted: bool
    new: Report
    current: Report | None
    reason: str


def register_candidate(
    session: Session,
    bundle: ModelBundle,
    models_dir: Path,
    heldout: list[Example],
    settings: Settings,
    out: Callable[[str], None] = print,
) -> Promotion:
    """Save the new model, compare it with the active one, promote it if not worse."""
    path = models_dir / f"{bundle.version}.skops"
    save_bundle(bundle, path)
    new = measure(bundle, heldout, thresholds_of(bundle))
    current_path = active_model_path(session, settings)
    current = None
    if current_path.exists():
        current_bundle = load_bundle(current_path)
        current = measure(current_bundle, heldout, thresholds_of(current_bundle))
    if current is None:
        promoted, reason = True, "no active model to compare with"
    elif new.macro_f1 >= current.macro_f1 and new.legal_recall >= current.legal_recall:
        promoted = True
        reason = (
            f"macro-F1 {new.macro_f1:.3f} >= {current.macro_f1:.3f} and legal recall "
            f"{new.legal_recall:.3f} >= {current.legal_recall:.3f}"
        )
    else:
        promoted = False
        reason = (
            f"not promoted: macro-F1 {new.macro_f1:.3f} vs {current.macro_f1:.3f}, legal recall "
            f"{new.legal_recall:.3f} vs {current.legal_recall:.3f}"
        )
    if promoted:
        session.execute(update(ModelVersion).values(active=False))
    session.add(
        ModelVersion(
            version=bundle.version,
            path=str(path.resolve()),
            metrics={"heldout": new.as_dict(), "decision": reason},
            active=promoted,
        )
    )
    out(f"model {bundle.version}: {reason}")
    return Promotion(bundle.version, promoted, new, current, reason)


def restore(session: Session, version: str) -> ModelVersion:
    """Make an earlier version the active one again."""
    target = session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if target is None:
        raise RegistryError(f"no model version {version!r}")
    if not Path(target.path).exists():
        raise RegistryError(f"model file {target.path} is gone")
    session.execute(update(ModelVersion).values(active=False))
    target.active = True
    return target


def use_shipped_model(session: Session) -> None:
    """Go back to the model that ships with the project."""
    session.execute(update(ModelVersion).values(active=False))


def describe_versions(session: Session, settings: Settings) -> str:
    """The shipped model and each trained version: held-out figures, which is active."""
    versions = session.scalars(select(ModelVersion).order_by(ModelVersion.id)).all()
    active = next((v for v in versions if v.active), None)
    lines = [f"shipped: {settings.model_path}{'' if active else '  (active)'}"]
    for v in versions:
        heldout = (v.metrics or {}).get("heldout") or {}
        lines.append(
            f"{v.version}: macro-F1 {heldout.get('macro_f1', '?')}, legal recall "
            f"{heldout.get('legal_recall', '?')}{'  (active)' if v.active else ''}"
        )
    return "\n".join(lines)
