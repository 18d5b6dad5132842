"""What a file a person uploads onto a reply really is, read from its bytes.

The browser's content type is whatever the browser (or a forged request) says, so it
is never used: the type sent with the mail comes from the file's first bytes. A file
whose bytes are no type a reply may carry (a program, a script, an HTML page), or whose
name promises another type than its bytes hold ("invoice.pdf" that is not a PDF), is
refused with the reason. Pure: no database, no settings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_OLE = "application/x-ole-storage"
_OFFICE = "application/vnd.openxmlformats-officedocument."
# (leading bytes, content type, the file name endings that type may carry)
_MAGIC: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"GIF87a", "image/gif", (".gif",)),
    (b"GIF89a", "image/gif", (".gif",)),
    (b"II*\x00", "image/tiff", (".tif", ".tiff")),
    (b"MM\x00*", "image/tiff", (".tif", ".tiff")),
    (b"{\\rtf", "application/rtf", (".rtf",)),
    # Word, Excel and PowerPoint before 2007 (OLE2 compound files), and .msg mails.
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _OLE, (".doc", ".xls", ".ppt", ".msg")),
)
_OOXML = {
    b"word/": (_OFFICE + "wordprocessingml.document", (".docx",)),
    b"xl/": (_OFFICE + "spreadsheetml.sheet", (".xlsx",)),
    b"ppt/": (_OFFICE + "presentationml.presentation", (".pptx",)),
}
_ODF = b"mimetypeapplication/vnd.oasis.opendocument."
_ODF_ENDINGS = {"text": (".odt",), "spreadsheet": (".ods",), "presentation": (".odp",)}
_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"#!", "a script"),
)
_TEXT_ENDINGS = (".txt", ".csv", ".text", ".log", ".md", "")
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<script|<svg|<\?xml)", re.IGNORECASE)
MAX_NAME = 200


class UploadError(ValueError):
    """The file cannot go on a reply; the text names the file and why."""


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to store: a safe name, the sniffed type, the bytes."""

    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def sniff(content: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(content type, the name endings it allows), or None for a type replies do not carry."""
    for magic, kind, endings in _MAGIC:
        if content.startswith(magic):
            return kind, endings
    if content.startswith(b"PK\x03\x04"):
        if content[30:].startswith(_ODF):
            kind = content[38:120].split(b"PK", 1)[0].decode("ascii", "replace")
            return kind, _ODF_ENDINGS.get(kind.rpartition(".")[2], ())
        head = content[:4096]
        for folder, (kind, endings) in _OOXML.items():
            if folder in head and b"[Content_Types].xml" in content[:65536]:
                return kind, endings
        return "application/zip", (".zip",)
    if _is_text(content):
        return "text/plain", _TEXT_ENDINGS
    return None


def _is_text(content: bytes) -> bool:
    """UTF-8 text without control bytes, and not HTML or SVG (which could script)."""
    if b"\x00" in content or _HTML.match(content[:1024]):
        return False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:65536])


def safe_filename(name: str) -> str:
    """The last part of the name the browser sent, without control characters or path
    separators, at most MAX_NAME characters (keeping its ending)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in name).strip(" .")
    if len(name) > MAX_NAME:
        _stem, dot, ending = name.rpartition(".")
        keep = f".{ending}" if dot and len(ending) <= 10 else ""
        name = name[: MAX_NAME - len(keep)] + keep
    return name or "attachment"


def check_upload(filename: str, content: bytes, room: int) -> Upload:
    """Check one uploaded file; `room`: bytes the reply's files may still add.

    Raises UploadError naming the file: empty, over the limit, a refused type, or a
    name whose ending does not match what the bytes are."""
    name = safe_filename(filename)
    if not content:
        raise UploadError(f"{name}: the file is empty")
    if len(content) > room:
        raise UploadError(
            f"{name}: {megabytes(len(content))} is over the limit for a reply's files "
            f"({megabytes(max(room, 0))} left)"
        )
    for magic, what in _REFUSED:
        if content.startswith(magic):
            raise UploadError(f"{name}: the file is {what}; replies do not carry programs")
    found = sniff(content)
    if found is None:
        raise UploadError(
            f"{name}: not a file type replies may carry (PDF, images, Office or "
            "OpenDocument files, ZIP, RTF or plain text)"
        )
    kind, endings = found
    ending = _ending(name)
    if ending not in endings:
        raise UploadError(
            f"{name}: the name says {ending or 'no type'} but the contents are {kind}"
        )
    if kind == _OLE:
        kind = _OLE_TYPES[ending]
    return Upload(name, kind, content)


_OLE_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".msg": "application/vnd.ms-outlook",
}


def _ending(name: str) -> str:
    stem, dot, ending = name.rpartition(".")
    return f".{ending.lower()}" if dot and stem else ""


def megabytes(size: int) -> str:
    """A size as people read it: 1.5 MB, 200 kB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} kB"
