"""Check that a classifier change keeps every output, message by message.

A speed-up must not move a label: this runs the whole corpus (training and held-out)
through one model file twice, with the classifier code of a git revision (default
main) and with the working tree's, each in its own process, and compares the labels,
scores (to 1e-9), needs_triage, reasons and explanations of every message.
Run: python bench/classify_same.py [--ref main] [--model PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORE_TOLERANCE = 1e-9
BATCH = 1000


def dump(model: Path, out: Path) -> None:
    """Every corpus message through the classifier importable here, as JSON lines."""
    from classifier.corpus import HELDOUT_DIR, TRAIN_DIR, corpus_files, load_examples
    from classifier.predict import Classifier

    classifier = Classifier.load(model)
    inputs = [e.input for e in load_examples(corpus_files(TRAIN_DIR) + corpus_files(HELDOUT_DIR))]
    with out.open("w") as f:
        for start in range(0, len(inputs), BATCH):
            for p in classifier.predict_many(inputs[start : start + BATCH], explain=True):
                d = p.decision
                record = {
                    "label": d.label,
                    "confidence": d.confidence,
                    "scores": d.scores,
                    "needs_triage": d.needs_triage,
                    "reasons": list(d.reasons),
                    "explanation": [list(t) for t in p.explanation],
                }
                f.write(json.dumps(record) + "\n")


def _run_dump(code_root: Path, model: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    command = [sys.executable, __file__, "--dump", str(out), "--model", str(model)]
    subprocess.run(command, env=env, check=True, cwd=code_root)


def _export(ref: str, into: Path) -> None:
    """The tree of `ref`, written out: its code is imported from there."""
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def differences(old: list[dict], new: list[dict]) -> tuple[list[str], float]:
    """What differs beyond the score tolerance, and the largest score difference."""
    problems: list[str] = []
    if len(old) != len(new):
        return [f"{len(old)} messages before, {len(new)} after"], 0.0
    largest = 0.0
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        for key in ("label", "needs_triage", "reasons", "explanation"):
            if a[key] != b[key]:
                problems.append(f"message {i}: {key} {a[key]!r} -> {b[key]!r}")
        diffs = [abs(a["scores"][k] - b["scores"][k]) for k in a["scores"]]
        diffs.append(abs(a["confidence"] - b["confidence"]))
        largest = max(largest, *diffs)
        if a["scores"].keys() != b["scores"].keys() or max(diffs) > SCORE_TOLERANCE:
            problems.append(f"message {i}: scores {a['scores']} -> {b['scores']}")
    return problems, largest


def compare(ref: str, model: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp, "old")
        old_out, new_out = Path(tmp, "old.jsonl"), Path(tmp, "new.jsonl")
        _export(ref, old_root)
        _run_dump(old_root, model, old_out)
        _run_dump(ROOT, model, new_out)
        old = [json.loads(line) for line in old_out.open()]
        new = [json.loads(line) for line in new_out.open()]
    problems, largest = differences(old, new)
    for problem in problems[:20]:
        print(problem)
    exact = sum(a == b for a, b in zip(old, new, strict=False))
    print(
        f"{len(new):,} messages: {len(problems)} differences; bit-identical {exact:,}; "
        f"largest score difference {largest:.3g} (tolerance {SCORE_TOLERANCE:g})"
    )
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main", help="git revision of the code before")
    parser.add_argument("--model", type=Path, help="model file (default: settings' model)")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.model is None:
        from inbox.settings import Settings

        args.model = Settings().model_path
    if args.dump is not None:
        dump(args.model, args.dump)
        return 0
    return compare(args.ref, args.model.resolve())


if __name__ == "__main__":
    sys.exit(main())
