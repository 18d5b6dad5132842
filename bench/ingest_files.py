"""Benchmark `inbox-router ingest`: the real-world corpus and 10,000 generated messages.

Each ingest runs as its own `inbox-router` process on a fresh SQLite database (or
the URL in --db-template, e.g. a PostgreSQL server), so the wall time and peak
memory are those a user sees. Prints one line per run and a closing summary line.

    python bench/ingest_files.py [--generated 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import email.message
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALMAIL = ROOT.parent / "shared" / "realmail"

WORDS = (
    "matter lease hearing invoice retainer deposition filing court motion settlement "
    "landlord tenant contract signature closing title escrow visa petition custody "
    "schedule payment balance statement question update deadline letter notice judge "
    "please could you let me know whether when the our my we have has been is"
).split()


def generate(directory: Path, count: int, seed: int = 7) -> None:
    """Varied client-like mail: plain, HTML alternative, replies, attachments, sizes."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        msg = email.message.EmailMessage()
        msg["From"] = f"Client {i % 500} <client{i % 500}@example{i % 37}.com>"
        msg["To"] = "clients@harborvale.law"
        msg["Subject"] = " ".join(rng.choices(WORDS, k=rng.randint(3, 9))).capitalize()
        msg["Date"] = f"Mon, {1 + i % 28} Nov 2026 {i % 24:02d}:{i % 60:02d}:00 +0000"
        msg["Message-ID"] = f"<bench-{i}-{seed}@example.com>"
        if i % 4 == 0:
            msg["In-Reply-To"] = f"<bench-{i - 1}-{seed}@example.com>"
        paragraphs = rng.randint(1, 12)
        body = "\n\n".join(
            " ".join(rng.choices(WORDS, k=rng.randint(8, 60))) + "." for _ in range(paragraphs)
        )
        if i % 4 == 0:
            body += "\n\nOn Fri, Nov 20, 2026 at 9:00 AM Dana <dana@harborvale.law> wrote:\n> "
            body += "\n> ".join(rng.choices(WORDS, k=30))
        msg.set_content(body)
        if i % 3 == 0:
            msg.add_alternative(
                f"<html><body><p>{body.replace(chr(10), '<br>')}</p></body></html>", subtype="html"
            )
        if i % 10 == 0:
            size = rng.choice([2_000, 20_000, 200_000])
            msg.add_attachment(
                rng.randbytes(size), maintype="application", subtype="pdf", filename=f"doc{i}.pdf"
            )
        (directory / f"{i:05d}.eml").write_bytes(bytes(msg))


def run_ingest(db_url: str, path: Path) -> tuple[float, float, str]:
    """Run init + ingest as child processes; return (seconds, peak RSS MB, summary)."""
    env = {**os.environ, "INBOX_ROUTER_DB": db_url}
    subprocess.run(["inbox-router", "init"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    child = subprocess.Popen(
        ["inbox-router", "ingest", "--quiet", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    output = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.stdout.close()
    if status != 0:
        raise SystemExit(f"ingest failed: {output}")
    return elapsed, usage.ru_maxrss / 1024, output.strip().splitlines()[-1]


def count_messages(summary: str) -> int:
    return int(summary.rsplit("total ", 1)[1].rstrip(")"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generated", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the work directory here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ir-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rates = {}
    try:
        runs = []
        if REALMAIL.is_dir():
            runs.append(("realmail", REALMAIL))
        else:
            print(f"realmail: skipped, {REALMAIL} not found", file=sys.stderr)
        generated = work / "generated"
        started = time.perf_counter()
        generate(generated, args.generated)
        print(f"generated {args.generated} messages in {time.perf_counter() - started:.1f} s")
        runs.append((f"generated-{args.generated}", generated))
        for name, path in runs:
            db = work / f"{name}.db"
            db.unlink(missing_ok=True)
            seconds, peak_mb, summary = run_ingest(f"sqlite:///{db}", path)
            n = count_messages(summary)
            rates[name] = n / seconds
            print(
                f"{name}: {n} messages in {seconds:.1f} s = {n / seconds:.0f} msg/s, "
                f"peak RSS {peak_mb:.0f} MB ({summary})"
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(" ".join(f"{name}_msg_per_s={rate:.0f}" for name, rate in rates.items()))


if __name__ == "__main__":
    main()
