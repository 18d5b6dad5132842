"""The intent models: under status and billing, which question a mail asks.

One small pipeline per label, reading what the classifier reads (the subject and the
sender's new text, cleaned by classifier/features.py): word and character TF-IDF into
a logistic regression. Each model states how sure it is; below the threshold chosen
for its label by writer-disjoint cross-validation (classifier/intent_train.py) the
caller keeps the phrase rules' answer (rules/intents.py). The file is skops, like the
main model, loaded once per path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.errors import ModelFileError
from classifier.features import ModelInput
from classifier.persistence import (
    cached_load,
    loads_trusted,
    restore_vocabularies,
    vocabularies_packed,
    write_atomically,
)
from classifier.vectorizers import FastTfidfVectorizer

RETRAIN = "run `inbox-router train-intents`"


def build_intent_pipeline(c: float = 10.0, chars: bool = True) -> Pipeline:
    """Words (1-2-grams) and, unless turned off, character 2-5-grams (inflections,
    Spanish and German compounds, typos), into a balanced logistic regression: the
    corpus spreads intents evenly, real mail does not, and neither should dominate."""
    parts: list[tuple[str, Any]] = [
        (
            "words",
            FastTfidfVectorizer(
                ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
            ),
        )
    ]
    if chars:
        parts.append(
            (
                "chars",
                FastTfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
                ),
            )
        )
    return Pipeline(
        [
            ("features", FeatureUnion(parts)),
            ("model", LogisticRegression(C=c, max_iter=3000, class_weight="balanced")),
        ]
    )


@dataclass(frozen=True)
class IntentModels:
    """A fitted pipeline per label (status_request, billing_query), each with the
    probability under which the phrase rules answer instead (metadata "thresholds")."""

    pipelines: dict[str, Pipeline]
    metadata: dict[str, Any]

    def covers(self, label: str) -> bool:
        return label in self.pipelines

    def threshold(self, label: str) -> float:
        return float((self.metadata.get("thresholds") or {}).get(label, 0.0))

    def predict(self, label: str, model_input: ModelInput) -> tuple[str, float]:
        """(the most probable intent, its probability) under `label`."""
        pipeline = self.pipelines[label]
        row = pipeline.predict_proba([model_input.text()])[0]
        best = int(row.argmax())
        return str(pipeline.classes_[best]), float(row[best])


def save_intent_models(models: IntentModels, path: Path) -> None:
    with vocabularies_packed(models.pipelines) as packed:
        data = sio.dumps(
            {"pipelines": models.pipelines, "metadata": models.metadata, "vocabularies": packed}
        )
    write_atomically(path, data)


def read_intent_models(path: Path) -> IntentModels:
    obj = loads_trusted(path, RETRAIN)
    pipelines = obj.get("pipelines")
    if not isinstance(pipelines, dict) or not all(
        isinstance(p, Pipeline) for p in pipelines.values()
    ):
        raise ModelFileError(f"{path} does not hold inbox-router intent models")
    for label, pipeline in pipelines.items():
        restore_vocabularies(pipeline, (obj.get("vocabularies") or {}).get(label, {}))
    return IntentModels(dict(pipelines), dict(obj.get("metadata") or {}))


def load_intent_models(path: Path) -> IntentModels | None:
    """The models at `path`, loaded once per process (again if the file changes), or
    None when there is no file: the phrase rules answer alone."""
    if not path.exists():
        return None
    return cached_load(path, read_intent_models, RETRAIN)
