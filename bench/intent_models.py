"""Choose the intent model by measurement: designs compared writer-disjoint.

For each design, every intent-labelled training mail (status and billing) is scored
by a model that never saw its writer brief (classifier/intent_train.py), beside the
phrase rules' answer; the rules-fallback threshold is chosen from those scores as
training does; then the design is fitted on all of it and measured on the held-out
briefs. Prints rules / model / combined accuracy per design; always exits 0.

    python bench/intent_models.py [--corpus DIR ...] [--heldout DIR ...] [--designs a,b]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

from classifier.corpus import (  # noqa: E402
    HELDOUT_DIR,
    TRAIN_DIR,
    corpus_files,
    has_intent,
    load_examples,
)
from classifier.intent_model import IntentModels, build_intent_pipeline  # noqa: E402
from classifier.intent_train import (  # noqa: E402
    accuracies,
    choose_threshold,
    out_of_fold,
    scored_by,
    with_intent,
)
from inbox.models import INTENTS  # noqa: E402
from rules.intents import rules_intent  # noqa: E402


def _with_asks() -> Any:
    """The default plus word features of the asking sentences alone (as the classifier)."""
    from classifier.vectorizers import AskingTfidfVectorizer

    pipeline = build_intent_pipeline()
    asks = AskingTfidfVectorizer(
        ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
    )
    pipeline.named_steps["features"].transformer_list.append(("asks", asks))
    return pipeline


DESIGNS: dict[str, Callable[[], Any]] = {
    "words+chars C=10": build_intent_pipeline,
    "words+chars C=3": lambda: build_intent_pipeline(c=3.0),
    "words+chars C=30": lambda: build_intent_pipeline(c=30.0),
    "words C=10": lambda: build_intent_pipeline(chars=False),
    "words+chars+asks C=10": _with_asks,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--heldout", type=Path, action="append")
    parser.add_argument("--designs", help="comma-separated names (default: all)")
    args = parser.parse_args()
    train_files = [f for d in args.corpus or [TRAIN_DIR] for f in corpus_files(d)]
    held_files = [f for d in args.heldout or [HELDOUT_DIR] for f in corpus_files(d)]
    train, held = load_examples(train_files, has_intent), load_examples(held_files, has_intent)
    names = args.designs.split(",") if args.designs else list(DESIGNS)
    print(
        f"{'design':<22} {'label':<15} {'cv rules':>8} {'model':>6} {'comb':>6} {'thr':>5}"
        f" {'held rules':>10} {'model':>6} {'comb':>6}  secs"
    )
    with threadpool_limits(1):
        compare(names, train, held)


def compare(names: list[str], train: list[Any], held: list[Any]) -> None:
    for name in names:
        for label in INTENTS:
            examples = with_intent(train, label)
            started = time.perf_counter()
            scored = out_of_fold(examples, rules_intent, label, DESIGNS[name])
            threshold = choose_threshold(scored)
            cv = accuracies(scored, threshold)
            pipeline = DESIGNS[name]()
            pipeline.fit([e.input.text() for e in examples], [e.intent for e in examples])
            models = IntentModels({label: pipeline}, {"thresholds": {label: threshold}})
            ho = accuracies(
                scored_by(models, label, with_intent(held, label), rules_intent), threshold
            )
            print(
                f"{name:<22} {label:<15} {cv['rules']:>8.3f} {cv['model']:>6.3f} "
                f"{cv['combined']:>6.3f} {threshold:>5} {ho['rules']:>10.3f} {ho['model']:>6.3f} "
                f"{ho['combined']:>6.3f}  {time.perf_counter() - started:.0f}"
            )


if __name__ == "__main__":
    main()
