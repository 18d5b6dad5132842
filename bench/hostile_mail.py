"""Benchmark hostile and oversized mail: ingest and view time, peak memory (issue 17).

Each case runs in its own process (so the peak resident memory is that case's) on a
fresh SQLite database: ingest through the real runner with the default limits, then
the logged-in view of the mail's body in the Flask app. Prints one line per case.

    python bench/hostile_mail.py [--case NAME]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _mail(html: str, subject: str = "Hostile") -> bytes:
    return (
        "From: Mallory <mallory@example.com>\nTo: clients@harborvale.law\n"
        f"Subject: {subject}\nMessage-ID: <bench@example.com>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n\n" + html
    ).encode()


CASES = {
    "nested-div-10k": lambda: _mail("<div>" * 10_000 + "x" + "</div>" * 10_000),
    "nested-div-40k": lambda: _mail("<div>" * 40_000 + "x" + "</div>" * 40_000),
    "nested-div-100k": lambda: _mail("<div>" * 100_000 + "x" + "</div>" * 100_000),
    "html-24MB": lambda: _mail("<p>" + "lorem ipsum dolor sit amet " * 900_000 + "</p>"),
    "html-50MB": lambda: _mail("<p>" + "lorem ipsum dolor sit amet " * 1_900_000 + "</p>"),
    "subject-10MB": lambda: _mail("hi", subject="S" * 10_000_000),
    "subject-200k-encoded-words": lambda: _mail("hi", subject="=?utf-8?q?a?= " * 200_000),
}


def run_case(name: str) -> str:
    from sqlalchemy import select

    from inbox.accounts import add_user
    from inbox.db import make_engine, migrate, session_factory
    from inbox.ingest.runner import ingest_many
    from inbox.models import Message
    from inbox.settings import Settings
    from web import create_app

    raw = CASES[name]()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=f"sqlite:///{tmp}/bench.db", secret_key="bench")
        engine = make_engine(settings)
        migrate(engine)
        factory = session_factory(engine)
        with factory() as session, session.begin():
            add_user(session, "va@example.com", "va", "bench-password-1")
        start = time.perf_counter()
        summary = ingest_many(factory, [(name, raw, None)], limits=settings.mail_limits())
        ingest_s = time.perf_counter() - start
        with factory() as session:
            message_id = session.scalars(select(Message.id)).one()
        app = create_app(settings)
        client = app.test_client()
        page = client.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": "va@example.com", "password": "bench-password-1", "csrf_token": token},
        )
        start = time.perf_counter()
        body = client.get(f"/messages/{message_id}/body")
        view_s = time.perf_counter() - start
        start = time.perf_counter()
        queue = client.get("/queue/all")
        queue_s = time.perf_counter() - start
        engine.dispose()
        app.extensions["inbox_router"].engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outcome = "quarantined" if summary.quarantined else "stored"
    return (
        f"{name:28s} {len(raw) / 1e6:7.1f} MB  {outcome:11s} ingest {ingest_s:6.2f} s  "
        f"body view {view_s:5.2f} s ({len(body.data) / 1e3:,.0f} kB)  "
        f"queue page {queue_s:5.2f} s ({len(queue.data) / 1e3:,.0f} kB)  peak RSS {peak_mb:,.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES))
    args = parser.parse_args()
    if args.case:
        print(run_case(args.case), flush=True)
        return 0
    for name in CASES:
        subprocess.run([sys.executable, __file__, "--case", name], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
