"""The model file: skops format (no pickle), with its metadata, loaded once per path.

skops refuses any type outside its trusted defaults (scikit-learn, NumPy, SciPy
and plain containers), so a model file from anywhere cannot run code on load.
The project's own pipeline steps are added to that list one by one, by name:
nothing else a file names is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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
    # Scores one question sentence (classifier/sentence_model.py); None in model files
    # written before it, whose label model scores the sentences instead.
    sentence_pipeline: Pipeline | None = None

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


@contextmanager
def vocabularies_packed(pipelines: dict[str, Pipeline]) -> Iterator[dict[str, dict[str, str]]]:
    """Within the block, the pipelines' vectorizers hold no vocabulary (skops would write
    each entry as a node); it yields them packed, by pipeline and vectorizer name."""
    detached = {
        (key, name): v for key, p in pipelines.items() for name, v in _vectorizers(p).items()
    }
    packed = {key: _pack_vocabularies(p) for key, p in pipelines.items()}
    saved = {where: v.vocabulary_ for where, v in detached.items()}
    try:
        for vectorizer in detached.values():
            del vectorizer.vocabulary_
        yield packed
    finally:
        for where, vectorizer in detached.items():
            vectorizer.vocabulary_ = saved[where]


def write_atomically(path: Path, data: bytes) -> None:
    """A crash mid-write never leaves a half file in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def loads_trusted(path: Path, missing: str) -> dict[str, Any]:
    """The dict a skops file holds, refusing any type outside skops' defaults and ours;
    `missing` is the advice when there is no file."""
    if not path.exists():
        raise ModelFileError(f"no model file at {path}: {missing}")
    data = path.read_bytes()
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ModelFileError(f"{path} is not a skops model file: {exc}") from None
    refused = [t for t in untrusted if t not in TRUSTED_TYPES]
    if refused:
        raise ModelFileError(f"{path} holds types we do not load: {', '.join(refused)}")
    obj = sio.loads(data, trusted=untrusted)
    if not isinstance(obj, dict):
        raise ModelFileError(f"{path} does not hold an inbox-router model")
    return obj


def restore_vocabularies(pipeline: Pipeline, packed: dict[str, str]) -> None:
    features = pipeline.named_steps.get("features")
    steps = dict(features.transformer_list) if features is not None else {}
    for name, terms in packed.items():
        words = terms.split(_SEPARATOR) if terms else []
        steps[name].vocabulary_ = {term: i for i, term in enumerate(words)}


def save_bundle(bundle: ModelBundle, path: Path) -> None:
    pipelines = {"main": bundle.pipeline}
    if bundle.sentence_pipeline is not None:
        pipelines["sentence"] = bundle.sentence_pipeline
    with vocabularies_packed(pipelines) as packed:
        content: dict[str, Any] = {
            "pipeline": bundle.pipeline,
            "metadata": bundle.metadata,
            "vocabularies": packed["main"],
        }
        if bundle.sentence_pipeline is not None:
            content["sentence_pipeline"] = bundle.sentence_pipeline
            content["sentence_vocabularies"] = packed["sentence"]
        data = sio.dumps(content)
    write_atomically(path, data)


def read_bundle(path: Path) -> ModelBundle:
    obj = loads_trusted(path, "run `inbox-router train`")
    pipeline = obj.get("pipeline")
    if not isinstance(pipeline, Pipeline):
        raise ModelFileError(f"{path} does not hold an inbox-router model")
    restore_vocabularies(pipeline, obj.get("vocabularies") or {})
    sentence = obj.get("sentence_pipeline")
    if sentence is not None and not isinstance(sentence, Pipeline):
        raise ModelFileError(f"{path} holds a sentence model that is not a pipeline")
    if sentence is not None:
        restore_vocabularies(sentence, obj.get("sentence_vocabularies") or {})
    return ModelBundle(pipeline, dict(obj.get("metadata") or {}), sentence)


_cache: dict[tuple[Any, Path, float], Any] = {}
_lock = threading.Lock()
T = TypeVar("T")


def cached_load(path: Path, reader: Callable[[Path], T], missing: str) -> T:
    """`reader(path)` once per process and file (again only if it changes on disk); one
    cached file per reader, so a retrained model replaces the old one in memory."""
    resolved = path.resolve()
    try:
        key = (resolved, resolved.stat().st_mtime)
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {path}: {missing}") from None
    with _lock:
        loaded = _cache.get((reader, *key))
        if loaded is None:
            loaded = reader(resolved)
            for stale in [k for k in _cache if k[0] is reader]:
                del _cache[stale]
            _cache[(reader, *key)] = loaded
        return loaded


def load_bundle(path: Path) -> ModelBundle:
    """Load once per process (and again only if the file changes on disk)."""
    return cached_load(path, read_bundle, "run `inbox-router train`")
