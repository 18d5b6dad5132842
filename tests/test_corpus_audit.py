"""Records relabelled by a label audit stay consistent with the corpus rules."""

from __future__ import annotations

import json
import re

from classifier.corpus import TRAIN_DIR, corpus_files
from inbox.models import LABELS

_AUDIT_NOTE = re.compile(r"^relabelled from (?P<old>\w+) \((?P<audit>\w+)\)$")


def _audited() -> list[dict[str, object]]:
    records = (
        json.loads(line)
        for path in corpus_files(TRAIN_DIR)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    return [r for r in records if "audit" in r]


def test_an_audited_record_says_what_it_was_and_keeps_its_labels_consistent() -> None:
    """The old label is named, differs from the new one and stays in `also` (the mail
    still asks it); a relabelled legal question marks its legal sentence, as the
    sentence model reads it, in the sender's own words."""
    audited = _audited()
    assert audited, "the audit14 relabels are in the training corpus"
    for record in audited:
        note = _AUDIT_NOTE.match(str(record["audit"]))
        assert note, record["id"]
        old, new = note["old"], str(record["label"])
        assert old in LABELS and old != new, record["id"]
        also = record.get("also") or []
        assert isinstance(also, list) and old in also and new not in also, record["id"]
        if new == "legal_question":
            sentence = " ".join(str(record.get("legal_sentence") or "").split())
            assert sentence and sentence in " ".join(str(record["body"]).split()), record["id"]
