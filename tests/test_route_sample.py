"""The real model, rules and templates on the sample mailbox, through `route --json`."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from inbox.cli import main
from rules.localize import untranslated
from rules.status_intents import is_status_template
from tests.conftest import ROOT, SAMPLE_AS_OF, SAMPLE_FIRM, SAMPLE_MAILBOX, require

CONTRACT_CHECK = ROOT.parent / "shared" / "contract" / "check"


def test_sample_mailbox_routes_as_expected(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", db_url, "import-directory", str(SAMPLE_FIRM)]) == 0
    files = sorted(SAMPLE_MAILBOX.glob("*.eml"))
    capsys.readouterr()
    as_of = ["--as-of", SAMPLE_AS_OF.isoformat()]
    assert main(["--db", db_url, "route", "--json", *as_of, *map(str, files)]) == 0
    results = {
        Path(r["file"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())
    }
    with (SAMPLE_MAILBOX / "expected.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    assert len(results) == len(expected) == len(files) == 49

    agree = 0
    for row in expected:
        got = results[row["file"]]
        if got["action"] in row["action"].split("|"):
            agree += 1
        if row["label"] == "legal_question":
            # The non-negotiables: every legal question reaches the right attorney, no draft.
            assert (got["action"], got["assignee"]) == ("escalate", row["assignee"]), row["file"]
            assert got["draft"] is None
        if row["label"] == "other":
            assert got["draft"] is None, row["file"]
        if row["assignee"]:  # a legal question, or a scheduling request to its attorney
            assert got["assignee"] == row["assignee"], row["file"]
        if row["matter"] and got["action"] == "draft":
            assert got["matter"] == row["matter"], row["file"]
        if row["matter"] and is_status_template(untranslated(got["template"] or "")):
            assert got["draft"] and row["matter"] in got["draft_facts"]["matters"], row["file"]
    assert agree >= len(files) - 3, f"only {agree}/{len(files)} actions as expected"


@pytest.mark.slow  # runs ../shared/contract/check
def test_shared_contract_check_passes() -> None:
    require(CONTRACT_CHECK.exists(), f"contract check not found at {CONTRACT_CHECK}")
    require(shutil.which("inbox-router") is not None, "inbox-router is not on PATH")
    run = subprocess.run(
        ["bash", str(CONTRACT_CHECK)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FAIL" not in run.stdout
