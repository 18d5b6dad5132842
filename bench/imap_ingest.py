"""Benchmark IMAP ingest against a private Dovecot, side by side in one run.

(a) a raw imapclient FETCH of all messages; (b) the same FETCH plus parsing each
with the standard library (policy.default, get_body, get_content); (c)
`inbox-router poll --once` ingesting them with every pipeline stage (parse, store,
identify, classify, route, draft). Then IDLE latency: arrival -> stored, over 100
messages, with `inbox-router poll` running. Prints rates, the ratio c/b, latency
p50/p95 and the poller's peak memory.

    python bench/imap_ingest.py [--messages 5000] [--latency 100]
"""

from __future__ import annotations

import argparse
import email
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

from imapclient import IMAPClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest_files import generate  # noqa: E402
from tests.servers.dovecot import private_dovecot  # noqa: E402


def login(server) -> IMAPClient:  # type: ignore[no-untyped-def]
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=60)
    client.login(server.user, server.password)
    return client


def fill(server, directory: Path) -> int:  # type: ignore[no-untyped-def]
    client = login(server)
    files = sorted(directory.glob("*.eml"))
    for path in files:
        client.append("INBOX", path.read_bytes().replace(b"\n", b"\r\n"))
    client.logout()
    return len(files)


def raw_fetch(server, parse: bool) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    client = login(server)
    client.select_folder("INBOX", readonly=True)
    uids = client.search("ALL")
    started = time.perf_counter()
    count = 0
    for i in range(0, len(uids), 500):
        for data in client.fetch(uids[i : i + 500], ["BODY.PEEK[]"]).values():
            raw = data[b"BODY[]"]
            if parse:
                msg = email.message_from_bytes(raw, policy=policy.default)
                body = msg.get_body(preferencelist=("plain", "html"))
                if body is not None:
                    body.get_content()
            count += 1
    elapsed = time.perf_counter() - started
    client.logout()
    return count, elapsed


def worker_peaks(pid: int) -> list[float]:
    """Peak RSS (MB) of a process's children: the poller's ingest workers."""
    peaks = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            peaks.append(peak_mb(int(child)))
    return peaks


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(["inbox-router", *args], env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--latency", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ir-imap-bench-"))
    generate(work / "mail", args.messages, seed=3)
    with private_dovecot() as server:
        started = time.perf_counter()
        n = fill(server, work / "mail")
        print(f"appended {n} messages in {time.perf_counter() - started:.1f} s")
        count, seconds = raw_fetch(server, parse=False)
        rate_a = count / seconds
        print(f"(a) raw FETCH: {count} in {seconds:.2f} s = {rate_a:,.0f} msg/s")
        count, seconds = raw_fetch(server, parse=True)
        rate_b = count / seconds
        print(f"(b) FETCH + stdlib parse: {count} in {seconds:.2f} s = {rate_b:,.0f} msg/s")

        db = work / "bench.db"
        env = {
            **os.environ,
            "INBOX_ROUTER_DB": f"sqlite:///{db}",
            "BENCH_IMAP_PASSWORD": server.password,
        }
        cli(env, "init")
        cli(env, "import-directory", str(ROOT / "rules" / "sample_firm"))
        cli(
            env,
            "mailbox",
            "add",
            "bench",
            "--host",
            server.host,
            "--port",
            str(server.port),
            "--security",
            "plain",
            "--user",
            server.user,
            "--password-env",
            "BENCH_IMAP_PASSWORD",
        )
        started = time.perf_counter()
        child = subprocess.Popen(
            ["inbox-router", "poll", "--once"], env=env, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        stored = sqlite3.connect(db).execute("select count(*) from messages").fetchone()[0]
        rate_c = stored / seconds
        print(
            f"(c) inbox-router poll --once, all stages: {stored} in {seconds:.1f} s = "
            f"{rate_c:,.0f} msg/s (exit {status}, start-up included), "
            f"peak RSS {usage.ru_maxrss / 1024:.0f} MB (the largest of it and its workers)"
        )

        poller = subprocess.Popen(["inbox-router", "poll"], env=env, stderr=subprocess.DEVNULL)
        time.sleep(4)  # start-up, then IDLE
        client = login(server)
        latencies = []
        connection = sqlite3.connect(db, timeout=30)
        for i in range(args.latency):
            message_id = f"<idle-{i}-{random.random()}@bench>"
            raw = (
                f"From: c{i}@example.com\r\nTo: clients@harborvale.law\r\nSubject: idle {i}\r\n"
                f"Message-ID: {message_id}\r\n\r\nHas the motion been filed yet?\r\n"
            ).encode()
            sent = time.perf_counter()
            client.append("INBOX", raw)
            while True:
                row = connection.execute(
                    "select 1 from messages where message_id = ?", (message_id,)
                ).fetchone()
                if row or time.perf_counter() - sent > 30:
                    break
                time.sleep(0.005)
            latencies.append(time.perf_counter() - sent)
        client.logout()
        workers = worker_peaks(poller.pid)
        own = peak_mb(poller.pid)
        poller.terminate()
        os.wait4(poller.pid, 0)
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
        print(
            f"IDLE arrival -> stored over {len(latencies)}: p50 {p50:.0f} ms, p95 {p95:.0f} ms; "
            f"poller peak RSS {own:.0f} MB, its children's (ingest worker, "
            f"multiprocessing's resource tracker) {', '.join(f'{w:.0f}' for w in workers)} MB"
        )
    print(
        f"fetch={rate_a:.0f}/s fetch_parse={rate_b:.0f}/s poll={rate_c:.0f}/s "
        f"ratio_c_b={rate_c / rate_b:.2f} idle_p50_ms={p50:.0f} idle_p95_ms={p95:.0f}"
    )


if __name__ == "__main__":
    main()
