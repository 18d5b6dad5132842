"""The `inbox-router` command contract, run in-process on a real database."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from inbox.cli import main
from tests.conftest import SAMPLE_FIRM, SAMPLE_MAILBOX


def test_commands_refuse_an_uninitialised_database(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", f"sqlite:///{tmp_path}/new.db", "status"]) == 2
    assert "run `inbox-router init`" in capsys.readouterr().err


def test_init_is_repeatable(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/x.db"
    assert main(["--db", url, "init"]) == 0
    assert main(["--db", url, "init"]) == 0
    assert "schema at revision" in capsys.readouterr().out


def test_import_ingest_status_on_the_sample_firm(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", db_url, "import-directory", str(SAMPLE_FIRM)]) == 0
    assert "matters.csv: 24 rows (24 new, 0 updated)" in capsys.readouterr().out
    assert main(["--db", db_url, "ingest", str(SAMPLE_MAILBOX)]) == 0
    assert "stored 49, duplicates 0, quarantined 0 (total 49)" in capsys.readouterr().out
    assert main(["--db", db_url, "ingest", str(SAMPLE_MAILBOX)]) == 0
    assert "stored 0, duplicates 49" in capsys.readouterr().out
    assert main(["--db", db_url, "status"]) == 0
    out = capsys.readouterr().out
    counts = {
        line.split(":")[0].strip(): int(line.split(":")[1])
        for line in out.split("queues:")[1].split("outbox")[0].strip().splitlines()
    }
    assert sum(counts.values()) == 49
    assert set(counts) <= {"escalated", "review", "triage", "no_reply", "ignored"}
    assert counts["escalated"] >= 10  # the sample has 11 legal questions
    # one escalation notice queued per escalated message
    assert f"queued: {counts['escalated']}" in out.split("outbox:")[1]


def test_import_with_a_bad_row_exits_1_and_names_the_row(
    db_url: str, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "attorneys.csv").write_text("email,name,practice_areas\nnobody,No One,\n")
    assert main(["--db", db_url, "import-directory", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "attorneys.csv:2: email: 'nobody' is not an e-mail address" in captured.err
    assert "attorneys.csv: rejected, nothing changed" in captured.out


def test_ingest_reads_mbox_files_and_maildirs(db_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    messages = sorted(SAMPLE_MAILBOX.glob("*.eml"))[:5]
    box = mailbox.mbox(tmp_path / "archive.mbox")
    for path in messages[:3]:
        box.add(path.read_bytes())
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    for path in messages[3:]:
        maildir.add(path.read_bytes())
    (tmp_path / "notes.txt").write_text("not mail, not picked up from a folder")
    assert main(["--db", db_url, "ingest", str(tmp_path)]) == 0
    assert "stored 5, duplicates 0, quarantined 0 (total 5)" in capsys.readouterr().out


def test_missing_file_is_reported_not_fatal(db_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = sorted(SAMPLE_MAILBOX.glob("*.eml"))[0]
    assert main(["--db", db_url, "ingest", str(tmp_path / "gone.eml"), str(good)]) == 0
    captured = capsys.readouterr()
    assert "gone.eml: no such file" in captured.err
    assert "stored 1, duplicates 0, quarantined 0, unreadable 1 (total 2)" in captured.out


def test_sample_command_is_the_readme_first_command(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOX_ROUTER_DB", raising=False)
    assert main(["sample"]) == 0
    out = capsys.readouterr().out
    assert "stored 49" in out and "Bluefin Coffee Roasters" in out
    assert (tmp_path / "inbox-router.db").exists()
    assert main(["sample"]) == 0
    assert "stored 0, duplicates 49" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["smtp", "tls"])
def test_bad_setting_is_a_clear_error(value: str, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INBOX_ROUTER_SMTP_SECURITY", value)
    assert main(["--db", f"sqlite:///{tmp_path}/x.db", "init"]) == 2
    assert "INBOX_ROUTER_SMTP_SECURITY must be ssl, starttls or plain" in capsys.readouterr().err
