"""Where raw mail comes from on disk: .eml files, folders of them, Maildirs, mbox files."""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAIL_SUFFIXES = frozenset({".eml", ".msg", ".mail"})
MBOX_SUFFIXES = frozenset({".mbox", ".mbx"})


@dataclass(frozen=True)
class RawItem:
    """One message's bytes and where it came from; `error` when it could not be read."""

    origin: str
    raw: bytes | None
    error: str | None = None


def expand(paths: list[Path]) -> list[Path]:
    """Files named directly are always read; folders contribute mail files only."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                in_maildir = Path(root).name in ("cur", "new")
                for name in sorted(files):
                    file = Path(root) / name
                    if in_maildir or file.suffix.lower() in MAIL_SUFFIXES | MBOX_SUFFIXES:
                        found.append(file)
        else:
            found.append(path)
    return found


def is_mbox(path: Path) -> bool:
    if path.suffix.lower() in MBOX_SUFFIXES:
        return True
    if path.suffix.lower() in MAIL_SUFFIXES:
        return False  # one message a file, even if it starts with an mbox line
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError:
        return False
    # A single .eml may begin with an mbox "From " line too; only count files
    # that carry several such separators as mbox.
    return head == b"From " and _count_from_lines(path) > 1


def _count_from_lines(path: Path, limit: int = 2) -> int:
    count = 0
    with path.open("rb") as handle:
        previous_blank = True
        for line in handle:
            if line.startswith(b"From ") and previous_blank:
                count += 1
                if count >= limit:
                    break
            previous_blank = not line.strip()
    return count


def iter_raw(files: list[Path]) -> Iterator[RawItem]:
    """Yield each message's bytes, one at a time, so memory stays flat on big batches."""
    for file in files:
        if not file.exists():
            yield RawItem(str(file), None, "no such file")
            continue
        if is_mbox(file):
            yield from _iter_mbox(file)
            continue
        try:
            yield RawItem(str(file), file.read_bytes())
        except OSError as exc:
            yield RawItem(str(file), None, f"cannot read: {exc.strerror or exc}")


def _iter_mbox(file: Path) -> Iterator[RawItem]:
    try:
        box = mailbox.mbox(file, create=False)
        keys = list(box.iterkeys())
    except (OSError, mailbox.Error) as exc:
        yield RawItem(str(file), None, f"cannot read mbox: {exc}")
        return
    for index, key in enumerate(keys, 1):
        try:
            raw = box.get_bytes(key, from_=False)
        except (OSError, mailbox.Error, KeyError) as exc:
            yield RawItem(f"{file}#{index}", None, f"cannot read mbox message: {exc}")
            continue
        yield RawItem(f"{file}#{index}", raw)
    box.close()


def count_messages(files: list[Path]) -> int:
    """Cheap total for the progress bar (mbox files are counted by their separators)."""
    total = 0
    for file in files:
        if file.exists() and is_mbox(file):
            total += _count_from_lines(file, limit=10**9)
        else:
            total += 1
    return total
