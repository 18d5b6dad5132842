"""Every one of the 1,474 real-world messages goes through `inbox-router ingest`.

Each ends up stored, or quarantined with its raw bytes and a reason, or is a copy
of a message already stored (same Message-ID and content); the summary adds up to
the number of files, and a second run stores nothing new.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inbox.cli import main
from inbox.mail.keys import dedupe_key, key_for_raw
from inbox.mail.limits import MailLimits, over_limit
from inbox.mail.parse import MalformedMessage, parse_message
from inbox.models import Message, MessageState, RawMessage
from tests.conftest import REALMAIL, require

SUMMARY = re.compile(r"stored (\d+), duplicates (\d+), quarantined (\d+)")


def summary_of(output: str) -> tuple[int, int, int]:
    match = SUMMARY.search(output)
    assert match, output
    stored, duplicates, quarantined = (int(g) for g in match.groups())
    return stored, duplicates, quarantined


@pytest.mark.slow
def test_whole_corpus_is_ingested_without_loss(db_url: str, factory, capsys) -> None:  # type: ignore[no-untyped-def]
    require(REALMAIL.is_dir(), f"real-world corpus not found at {REALMAIL}")
    files = sorted(REALMAIL.rglob("*.eml"))
    assert len(files) == 1474

    assert main(["--db", db_url, "ingest", "--quiet", str(REALMAIL)]) == 0
    stored, duplicates, quarantined = summary_of(capsys.readouterr().out)
    assert stored + duplicates + quarantined == len(files)

    with factory() as session:
        rows = session.execute(
            select(Message.dedupe_key, Message.state, Message.error, RawMessage.sha256).join(
                RawMessage
            )
        ).all()
    assert len(rows) == stored + quarantined
    keys = {row.dedupe_key for row in rows}
    for row in rows:
        if row.state == MessageState.QUARANTINED:
            assert row.error, "a quarantined message must say why"
    # Nothing lost: every file's own key is in the database.
    # Mail over the size limits is quarantined unparsed, under the key of its bytes
    # (today one file: flanker/0028.eml, a 206 kB Subject).
    for file in files:
        raw = file.read_bytes()
        try:
            if over_limit(raw, MailLimits()) is not None:
                raise MalformedMessage("over limit")
            key = dedupe_key(parse_message(raw), raw)
        except MalformedMessage:
            key = key_for_raw(raw)
        assert key in keys, f"{file} was not stored"

    assert main(["--db", db_url, "ingest", "--quiet", str(REALMAIL)]) == 0
    again = summary_of(capsys.readouterr().out)
    assert again == (0, len(files), 0)
