"""Benchmark the classifier: batched throughput, one-message latency, load time, file size.

Messages are the project's own corpus (training and held-out, realistic lengths),
repeated to 10,000 for the batch, and once each with an empty word memo (first sight).
Run: python bench/classify.py
"""

from __future__ import annotations

import statistics
import time

from classifier.corpus import HELDOUT_DIR, TRAIN_DIR, corpus_files, load_examples
from classifier.persistence import read_bundle
from classifier.predict import Classifier
from inbox.settings import Settings

GOALS = {"throughput": 5000, "single_ms": 5.0, "load_s": 1.0, "size_mb": 20.0}


def main() -> None:
    settings = Settings.from_env()  # INBOX_ROUTER_MODEL_PATH picks another model file
    path = settings.model_path
    size_mb = path.stat().st_size / 1e6
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        read_bundle(path)
        loads.append(time.perf_counter() - started)
    load_s = statistics.median(loads)

    classifier = Classifier.from_settings(settings)
    inputs = [e.input for e in load_examples(corpus_files(TRAIN_DIR) + corpus_files(HELDOUT_DIR))]
    batch = (inputs * (10_000 // len(inputs) + 1))[:10_000]
    # The batch repeats the corpus, so its words are soon in the vectorizer's word memo;
    # first sight: a freshly read model (empty memo), each distinct message once.
    fresh = Classifier(read_bundle(path), classifier.thresholds)
    fresh.predict_many(batch[-10:])  # warm up everything but the memo (mostly)
    started = time.perf_counter()
    for i in range(0, len(inputs), 1000):
        fresh.predict_many(inputs[i : i + 1000])
    first_sight = len(inputs) / (time.perf_counter() - started)

    classifier.predict_many(batch[:100])  # warm up
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(0, len(batch), 1000):
        classifier.predict_many(batch[i : i + 1000])
    throughput = len(batch) / (time.perf_counter() - started)
    # CPU seconds of this process: what a busy shared machine does not inflate
    cpu_throughput = len(batch) / (time.process_time() - cpu_started)

    latencies = {True: [], False: []}
    for explain in (False, True):
        for message in inputs[:500]:
            started = time.perf_counter()
            classifier.predict(message, explain=explain)
            latencies[explain].append((time.perf_counter() - started) * 1000)

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[int(q * (len(values) - 1))]

    plain, explained = latencies[False], latencies[True]
    print(f"model file: {size_mb:.1f} MB (goal < {GOALS['size_mb']:.0f} MB)")
    print(f"model load: {load_s * 1000:.0f} ms median of 5 (goal < {GOALS['load_s']:.0f} s)")
    goal = GOALS["throughput"]
    print(
        f"batched throughput: {throughput:,.0f} messages/s over 10,000 (goal >= {goal:,}); "
        f"per CPU second of this process {cpu_throughput:,.0f}/s, one process, one thread"
    )
    print(
        f"first sight: {first_sight:,.0f} messages/s over the {len(inputs):,} distinct "
        "messages, with an empty word memo"
    )
    print(
        f"single message: p50 {pct(plain, 0.5):.2f} ms, p95 {pct(plain, 0.95):.2f} ms; "
        f"with explanation p50 {pct(explained, 0.5):.2f} ms, p95 {pct(explained, 0.95):.2f} ms "
        f"(goal < {GOALS['single_ms']:.0f} ms)"
    )
    print(
        f"throughput={throughput:.0f}/s ratio={throughput / GOALS['throughput']:.2f} "
        f"single_p95_ms={pct(plain, 0.95):.2f} load_s={load_s:.3f} size_mb={size_mb:.1f} "
        f"cpu_throughput={cpu_throughput:.0f}/s first_sight={first_sight:.0f}/s"
    )


if __name__ == "__main__":
    main()
