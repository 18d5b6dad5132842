"""Benchmark the drafts on ../shared/clientmail as of 2026-11-20 (issue 16's figures).

Builds the development set's .eml files, imports its firm directory into a fresh
SQLite database, runs this checkout's `route --json --as-of 2026-11-20` on every mail,
and prints, against the set's labels:
- status and billing mails whose draft states exactly the right matter / invoices, and
  those that instead went to a person with a reason (the issue's target counts both);
  the same among mails the classifier labelled right (the part drafts own);
- drafts presenting a date before the as-of day as upcoming (must be 0);
- client drafts stating an internal status code (must be 0);
- drafts (and acknowledgements) not in the client's language, among es/de/fr mails;
- legal questions with an acknowledgement;
- intent accuracy (and how many mails carry one).
The set is for measuring only: nothing here trains on it or reads its text.

    python bench/drafts.py [--as-of 2026-11-20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTMAIL = ROOT.parent / "shared" / "clientmail"
MATTER = re.compile(r"\b[A-Z]{1,6}-\d{4}-\d{2,6}\b")
INVOICE = re.compile(r"\b[A-Z]{1,6}-INV-\d+\b")
FUTURE = re.compile(r"(expect|next|schedul|upcoming|will|plan|by )", re.I)
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november "
        "december".split()
    )
}
TRANSLATED = ("es", "de", "fr")


def cli(work: Path, *args: str) -> str:
    """This checkout's `inbox-router`, whatever the installed one points at."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from inbox.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def upcoming_dates(text: str) -> list[dt.date]:
    """Dates on lines that present them as ahead (expected, next, scheduled, will, by)."""
    found = []
    for line in text.splitlines():
        if not FUTURE.search(line):
            continue
        for month, day, year in re.findall(r"\b([A-Za-z]+)\s+(\d{1,2}),?\s+(20\d\d)\b", line):
            if month.lower() in MONTHS:
                found.append(dt.date(int(year), MONTHS[month.lower()], int(day)))
    return found


def template_language(template: str | None) -> str:
    parts = (template or "").split("/")
    return parts[1] if len(parts) == 3 else "en"


def share(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "n/a (0)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--as-of", default="2026-11-20")
    parser.add_argument("--keep", type=Path, help="keep the mails, database and output here")
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        mails = work / "mails"
        subprocess.run(
            [
                sys.executable,
                str(CLIENTMAIL / "build.py"),
                str(mails),
                *sorted(str(p) for p in CLIENTMAIL.glob("d*.jsonl")),
            ],
            check=True,
            capture_output=True,
        )
        db = f"sqlite:///{work / 'drafts.db'}"
        (work / "drafts.db").unlink(missing_ok=True)
        cli(work, "--db", db, "init")
        cli(work, "--db", db, "import-directory", str(CLIENTMAIL / "directory"))
        files = sorted(str(p) for p in mails.glob("*.eml"))
        started = time.perf_counter()
        output = cli(work, "--db", db, "route", "--json", "--as-of", args.as_of, *files)
        seconds = time.perf_counter() - started
        (work / "route.jsonl").write_text(output, encoding="utf-8")
        gold = list(csv.DictReader((mails / "labels.csv").open(encoding="utf-8")))
        codes = _status_codes(CLIENTMAIL / "directory" / "matters.csv")
    routed = {Path(o["file"]).name: o for o in map(json.loads, output.splitlines()) if o}
    report(gold, routed, as_of, codes, seconds)


def _status_codes(matters_csv: Path) -> set[str]:
    with matters_csv.open(encoding="utf-8") as f:
        return {row["status"].strip().lower() for row in csv.DictReader(f) if row["status"]}


def _exact(row: dict[str, str], out: dict) -> bool:
    body = (out.get("draft") or {}).get("body", "")
    if not body:
        return False
    if row["label"] == "status_request":
        return set(MATTER.findall(body)) == {row["matter"]}
    return set(INVOICE.findall(body)) == set(row["invoices"].split(";"))


def _to_a_person(out: dict) -> bool:
    return out.get("action") in ("triage", "escalate") and bool(out.get("reason"))


def report(
    gold: list[dict[str, str]],
    routed: dict[str, dict],
    as_of: dt.date,
    codes: set[str],
    seconds: float,
) -> None:
    rows = [(g, routed.get(g["file"], {})) for g in gold]
    asked = [
        (g, o)
        for g, o in rows
        if (g["label"] == "status_request" and g["matter"])
        or (g["label"] == "billing_query" and g["invoices"])
    ]
    for kind in ("status_request", "billing_query"):
        mine = [(g, o) for g, o in asked if g["label"] == kind]
        right_label = [(g, o) for g, o in mine if o.get("label") == kind]
        exact = sum(_exact(g, o) for g, o in mine)
        person = sum(not _exact(g, o) and _to_a_person(o) for g, o in mine)
        exact_right = sum(_exact(g, o) for g, o in right_label)
        either_right = sum(_exact(g, o) or _to_a_person(o) for g, o in right_label)
        print(
            f"{kind}: exact draft {share(exact, len(mine))}, to a person with a reason "
            f"{share(person, len(mine))}, either {share(exact + person, len(mine))}; "
            f"labelled right: exact {share(exact_right, len(right_label))}, "
            f"either {share(either_right, len(right_label))}"
        )
    either = sum(_exact(g, o) or _to_a_person(o) for g, o in asked)
    drafts = [o for _, o in rows if o.get("draft")]
    past = sum(any(d < as_of for d in upcoming_dates(o["draft"]["body"])) for o in drafts)
    leaked = sum(
        any(
            line.split(":", 1)[1].strip().lower() in codes
            for line in o["draft"]["body"].splitlines()
            if ":" in line
        )
        for o in drafts
    )
    foreign = [(g, o) for g, o in rows if g.get("lang") in TRANSLATED]
    written = [
        (g, o, kind) for g, o in foreign for kind in ("draft", "acknowledgement") if o.get(kind)
    ]
    wrong = sum(
        template_language(o.get("template" if kind == "draft" else "acknowledgement_template"))
        != g["lang"]
        for g, o, kind in written
    )
    legal = [(g, o) for g, o in rows if g["label"] == "legal_question"]
    acked = sum(bool(o.get("acknowledgement")) for _, o in legal)
    with_intent = [(g, o) for g, o in rows if g.get("intent") and o.get("intent")]
    intent_ok = sum(o["intent"] == g["intent"] for g, o in with_intent)
    labelled = [(g, o) for g, o in with_intent if o.get("label") == g["label"]]
    labelled_ok = sum(o["intent"] == g["intent"] for g, o in labelled)
    print(
        f"RESULT answered_or_to_a_person={share(either, len(asked))} "
        f"past_dates_as_upcoming={past} internal_codes={leaked} "
        f"wrong_language={wrong} (of {len(written)} es/de/fr drafts and acknowledgements) "
        f"legal_acknowledged={share(acked, len(legal))} "
        f"intent_acc={share(intent_ok, len(with_intent))} "
        f"intent_acc_label_right={share(labelled_ok, len(labelled))} "
        f"route_seconds={seconds:.1f} mails={len(gold)}"
    )


if __name__ == "__main__":
    main()
