"""The labeled corpus: JSON Lines records turned into real mail and parsed.

Training examples go through the same parser as production mail, so the model
learns from exactly what it will see: the subject and the new text, without
quoted history or signature, plus the screening flags.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path

from classifier.features import ModelInput
from inbox.mail.parse import parse_message
from inbox.models import INTENTS, LABELS

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_DIR = DATA_DIR / "train"
HELDOUT_DIR = DATA_DIR / "heldout"
# Briefs written for the intent models only (mostly status and billing mail, every legal
# question a mixed one): the label classifier is not fitted on their skewed balance.
INTENTS_DIR = DATA_DIR / "intents"


class CorpusError(ValueError):
    """A corpus file has a bad record; the message names file and line."""


@dataclass(frozen=True)
class Example:
    id: str
    label: str
    input: ModelInput
    group: str = ""  # the writer brief it was written under: folds never split one
    intent: str | None = None  # what it asks under its label (status and billing only)
    # In a mixed mail labelled legal, the sentence holding its legal question.
    legal_sentence: str | None = None


def read_records(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: not JSON: {exc}") from None
            if record.get("label") not in LABELS:
                raise CorpusError(f"{path}:{number}: label {record.get('label')!r} unknown")
            check_intent(record, f"{path}:{number}")
            yield number, record


def check_intent(record: dict[str, object], where: str) -> None:
    """An `intent` is optional; when present it must be one of its label's intents
    (a legal question or other mail carries none)."""
    if "intent" not in record or record["intent"] is None:
        return
    label, intent = record["label"], record["intent"]
    allowed = INTENTS.get(str(label), ())
    if not allowed:
        raise CorpusError(f"{where}: intent {intent!r} given, but {label} mail carries no intent")
    if intent not in allowed:
        raise CorpusError(
            f"{where}: intent {intent!r} is not one of {label}'s: {', '.join(allowed)}"
        )


def record_to_mail(record: dict[str, object]) -> bytes:
    """Build the message a client would have sent, as bytes."""
    msg = EmailMessage()
    msg["From"] = formataddr(_sender(str(record.get("from") or "")))
    msg["To"] = "clients@harborvale.law"
    msg["Subject"] = str(record.get("subject") or "")
    msg["Message-ID"] = f"<{record.get('id')}@corpus.inbox-router.invalid>"
    headers = record.get("headers") or {}
    assert isinstance(headers, dict)
    for key, value in headers.items():
        if key.lower() not in ("from", "to", "subject", "message-id", "content-type"):
            msg[key] = str(value)
    msg.set_content(str(record.get("body") or ""))
    return bytes(msg)


def _sender(written: str) -> tuple[str, str]:
    """(name, address) of a record's `from` as a writer typed it: "Name <addr>" with an
    unquoted comma or non-ASCII in the name ("Юрий Бакаев, CPA <yuri@...>") is what
    people's mail programs show, and parseaddr alone splits it at the comma."""
    angle = _ANGLE_ADDRESS.match(written.strip())
    if angle:
        return angle["name"].strip().strip('"'), angle["address"].strip()
    name, address = parseaddr(written)
    return name, address if "@" in address else "client@example.com"


_ANGLE_ADDRESS = re.compile(r"^(?P<name>.*)<(?P<address>[^<>@\s]+@[^<>\s]+)>$")


def has_intent(record: dict[str, object]) -> bool:
    return bool(record.get("intent"))


def load_examples(
    paths: Iterable[Path], keep: Callable[[dict[str, object]], bool] | None = None
) -> list[Example]:
    """Every record (or those `keep` accepts: parsing is the slow part) as an Example;
    every record is validated either way."""
    examples: list[Example] = []
    for path in sorted(paths):
        for number, record in read_records(path):
            if keep is not None and not keep(record):
                continue
            try:
                parsed = parse_message(record_to_mail(record))
            except Exception as exc:
                raise CorpusError(f"{path}:{number}: cannot build mail: {exc}") from None
            group = str(record.get("brief") or "legacy")  # the first corpus: one brief
            examples.append(
                Example(
                    str(record.get("id")),
                    str(record["label"]),
                    ModelInput.from_parsed(parsed),
                    group,
                    _intent(record),
                    _text_or_none(record.get("legal_sentence")),
                )
            )
    return examples


def _intent(record: dict[str, object]) -> str | None:
    return _text_or_none(record.get("intent"))


def _text_or_none(value: object) -> str | None:
    return str(value) if value else None


def corpus_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def data_hash(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
