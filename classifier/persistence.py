"""The model file: skops format (no pickle), with its metadata, loaded once per path.

skops refuses any type outside its trusted defaults (scikit-learn, NumPy, SciPy
and plain containers), so a model file from anywhere cannot run code on load.
The project's own pipeline steps are added to that list one by one, by name:
nothing else a file names is loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from classifier.errors import ModelFileError

__all__ = ["ModelBundle", "ModelFileError", "load_bundle", "read_bundle", "save_bundle"]

# Our own steps, reviewed to hold only fitted data (no callables, no code).
TRUSTED_TYPES = frozenset(
    {"classifier.vectorizers.FastTfidfVectorizer", "classifier.vectorizers.AskingTfidfVectorizer"}
)


@dataclass(frozen=True)
class ModelBundle:
    pipeline: Pipeline
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))


_SEPARATOR = "\x00"  # cleaned text has no NUL, so no n-gram contains one


def _vectorizers(pipeline: Pipeline) -> dict[str, Any]:
    """Fitted vectorizers by name (inside the 'features' FeatureUnion)."""
    features = pipeline.named_steps.get("features")
    if features is None:
        return {}
    return {name: step for name, step in features.transformer_list if hasattr(step, "vocabulary_")}


def _pack_vocabularies(pipeline: Pipeline) -> dict[str, str]:
    """A vocabulary as one string: skops stores a 50k-entry dict as 50k JSON nodes
    (48 MB, 1.3 s to load); as one string it is a few hundred kB and loads at once."""
    packed = {}
    for name, vectorizer in _vectorizers(pipeline).items():
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        if any(_SEPARATOR in t for t in terms):
            raise ModelFileError(f"vocabulary of {name} contains NUL; cannot pack it")
        packed[name] = _SEPARATOR.join(terms)
    return packed


def save_bundle(bundle: ModelBundle, path: Path) -> None:
    """Write atomically: a crash mid-write never leaves a half model in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    vectorizers = _vectorizers(bundle.pipeline)
    packed = _pack_vocabularies(bundle.pipeline)
    saved = {name: v.vocabulary_ for name, v in vectorizers.items()}
    try:
        for vectorizer in vectorizers.values():
            del vectorizer.vocabulary_
        data = sio.dumps(
            {"pipeline": bundle.pipeline, "metadata": bundle.metadata, "vocabularies": packed}
        )
    finally:
        for name, vectorizer in vectorizers.items():
            vectorizer.vocabulary_ = saved[name]
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_bundle(path: Path) -> ModelBundle:
    if not path.exists():
        raise ModelFileError(f"no model file at {path}: run `inbox-router train`")
    data = path.read_bytes()
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ModelFileError(f"{path} is not a skops model file: {exc}") from None
    refused = [t for t in untrusted if t not in TRUSTED_TYPES]
    if refused:
        raise ModelFileError(f"{path} holds types we do not load: {', '.join(refused)}")
    obj = sio.loads(data, trusted=untrusted)
    if not isinstance(obj, dict) or not isinstance(obj.get("pipeline"), Pipeline):
        raise ModelFileError(f"{path} does not hold an inbox-router model")
    pipeline: Pipeline = obj["pipeline"]
    features = pipeline.named_steps.get("features")
    steps = dict(features.transformer_list) if features is not None else {}
    for name, packed in (obj.get("vocabularies") or {}).items():
        terms = packed.split(_SEPARATOR) if packed else []
        steps[name].vocabulary_ = {term: i for i, term in enumerate(terms)}
    return ModelBundle(pipeline=pipeline, metadata=dict(obj.get("metadata") or {}))


_cache: dict[tuple[Path, float], ModelBundle] = {}
_lock = threading.Lock()


def load_bundle(path: Path) -> ModelBundle:
    """Load once per process (and again only if the file changes on disk)."""
    resolved = path.resolve()
    try:
        key = (resolved, resolved.stat().st_mtime)
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {path}: run `inbox-router train`") from None
    with _lock:
        bundle = _cache.get(key)
        if bundle is None:
            bundle = read_bundle(resolved)
            _cache.clear()
            _cache[key] = bundle
        return bundle
