"""The firm directory's CSV import: validated, all-or-nothing per file.

Reading and validating a CSV is pure (`read_*` -> records or `RowError`s); applying
records is an upsert in the caller's transaction. A bad file changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.models import (
    Attorney,
    Client,
    Contact,
    FirmDocument,
    Invoice,
    Matter,
    Payment,
    TrustBalance,
)
from inbox.public_mail import is_public_mail_domain
from rules.directory_values import (
    amount_value,
    column_name,
    date_value,
    domain_value,
    header_delimiter,
)

# No control characters (a NUL in an address would reach mail headers and queries).
_EMAIL = re.compile(
    r"^[^@\s,;<>\x00-\x1f\x7f]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$"
)
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")

# An invoice amount at or above this is a typo or an attack (1e999999 was once stored as
# infinity), not a fee.
MAX_AMOUNT = Decimal(10) ** 12
FILES = (
    "attorneys.csv",
    "clients.csv",
    "contacts.csv",
    "matters.csv",
    "invoices.csv",
    "payments.csv",  # optional: what a payment confirmation can state
    "trust.csv",  # optional: what a retainer or trust question can be told
)
COLUMNS = {
    "attorneys.csv": ("email", "name", "practice_areas"),
    "clients.csv": ("client_id", "name", "domain", "relationship_attorney"),
    "contacts.csv": ("email", "name", "client_id"),
    "matters.csv": (
        "matter_number",
        "client_id",
        "title",
        "responsible_attorney",
        "status",
        "next_step",
        "next_date",
        "opened",
        "keywords",
        "updated",
    ),
    "invoices.csv": (
        "invoice_number",
        "matter_number",
        "issued",
        "due",
        "amount",
        "balance",
        "status",
    ),
    "payments.csv": ("invoice_number", "date", "amount", "method", "reference"),
    "trust.csv": ("client_id", "matter_number", "balance", "as_of"),
}
_T = TypeVar("_T")
# Columns whose cells may be empty on every row may be left out too.
OPTIONAL_COLUMNS = {
    "clients.csv": {"domain", "relationship_attorney"},
    "attorneys.csv": {"practice_areas"},
    "contacts.csv": {"name"},
    # a matter needs its number, client and title; every other column may be empty
    "matters.csv": set(COLUMNS["matters.csv"]) - {"matter_number", "client_id", "title"},
    "invoices.csv": {"issued", "due", "status"},  # open or paid: the balance says
    "payments.csv": {"method", "reference"},
    "trust.csv": {"matter_number"},
}


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class DirectoryError(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class FileResult:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: str = ""  # a file in the directory that was not read, and why
    notes: list[str] = field(default_factory=list)  # what was read but not used, and why


@dataclass
class _Row:
    """One CSV row with its line number, for field-level error messages."""

    file: str
    line: int
    values: dict[str, str]
    errors: list[RowError]

    def text(self, name: str, *, required: bool = True, max_len: int = 500) -> str:
        value = (self.values.get(name) or "").strip()
        if required and not value:
            self.fail(name, "is required")
        elif len(value) > max_len:
            self.fail(name, f"is longer than {max_len} characters")
        return value

    def email(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, required=required, max_len=320).lower()
        if value and not _EMAIL.match(value):
            self.fail(name, f"{value!r} is not an e-mail address")
        return value

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return date_value(value)
        except ValueError:
            self.fail(name, f"{value!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
            return None

    def money(self, name: str) -> Decimal:
        value = self.text(name)
        if not value:
            return Decimal(0)
        try:
            amount = amount_value(value)
        except ValueError as exc:
            self.fail(name, f"{value!r} {exc}")
            return Decimal(0)
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            self.fail(name, f"{value!r} is not an amount with at most two decimals")
        elif amount < 0:
            self.fail(name, f"{value!r} is negative")
        elif amount >= MAX_AMOUNT:
            self.fail(name, f"{value!r} is too large (at most {MAX_AMOUNT - 1:,})")
        else:
            return amount
        return Decimal(0)  # the row is refused; a placeholder keeps later checks simple

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.line, name, reason))

    def errors_in(self, name: str) -> bool:
        return any(e.line == self.line and e.field == name for e in self.errors)


def _name_key(name: str) -> str:
    """A name as compared: case and spacing aside."""
    return " ".join(name.casefold().replace(",", " ").split())


def _surname_first(name: str) -> str:
    """The name surname first, as "Ashgrove, Ruth" writes "Ruth Ashgrove"."""
    first, _, last = name.strip().rpartition(" ")
    return f"{last}, {first}" if first else name


def read_rows(file_name: str, content: bytes) -> tuple[list[_Row], list[RowError], list[str]]:
    """Decode and split one CSV; header problems are errors on line 1, and the notes
    name the header's columns that are not read (a misspelt one shows)."""
    errors: list[RowError] = []
    notes: list[str] = []
    try:
        # Excel's "Unicode text" is UTF-16 with a byte-order mark (and tabs): the mark
        # says so; anything else is read as UTF-8
        utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
        text = content.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        if utf16:
            return [], [RowError(file_name, 1, "-", "not UTF-16 as its byte-order mark says")], []
        line = content[: exc.start].count(b"\n") + 1
        column = exc.start - content.rfind(b"\n", 0, exc.start)
        reason = f"not UTF-8 (byte 0x{content[exc.start]:02x} at column {column}); save as UTF-8"
        return [], [RowError(file_name, line, "-", reason)], []
    known = {*COLUMNS[file_name], *OPTIONAL_COLUMNS.get(file_name, ())}
    delimiter = header_delimiter(next(iter(text.splitlines()), ""), known)
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=False
    )
    header = [column_name(h) for h in (reader.fieldnames or [])]
    missing = [
        c
        for c in COLUMNS[file_name]
        if c not in header and c not in OPTIONAL_COLUMNS.get(file_name, set())
    ]
    if not header:
        return [], [RowError(file_name, 1, "-", "empty file: a header row is required")], []
    if missing:
        return [], [RowError(file_name, 1, c, "column missing from header") for c in missing], []
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:
        return (
            [],
            [RowError(file_name, 1, c, "column appears twice in the header") for c in twice],
            [],
        )
    expected = ", ".join(COLUMNS[file_name])
    for name in header:
        if name and name not in known:
            notes.append(f"{file_name}:1: {name}: column not read (not one of {expected})")
    reader.fieldnames = header
    rows: list[_Row] = []
    try:
        for record in reader:
            if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
                continue  # blank line
            line = reader.line_num
            if None in record:
                errors.append(RowError(file_name, line, "-", "more fields than the header"))
                continue
            rows.append(_Row(file_name, line, {k: v or "" for k, v in record.items()}, errors))
    except csv.Error as exc:
        errors.append(RowError(file_name, reader.line_num, "-", f"CSV syntax: {exc}"))
    return rows, errors, notes


def _check_unique(rows: list[_Row], key: Callable[[_Row], str], name: str) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value = key(row)
        if not value:
            continue
        if value in seen:
            row.fail(name, f"{value!r} already appears on line {seen[value]}")
        else:
            seen[value] = row.line


class _Importer:
    """Applies one file's validated rows; lookups see earlier files' rows of the run."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def attorney(self, email: str) -> Attorney | None:
        return self.session.scalar(select(Attorney).where(Attorney.email == email))

    def lawyer(self, row: _Row, column: str) -> Attorney | None:
        """The attorney a column names, by e-mail address or, as practice-management
        exports often write it, by name ("Ruth Ashgrove", "Ashgrove, Ruth") when exactly
        one attorney of attorneys.csv has it."""
        value = row.text(column, required=False, max_len=320)
        if not value:
            return None
        if "@" in value:
            email = row.email(column, required=False)
            found = self.attorney(email)
            if found is None and email and not row.errors_in(column):
                row.fail(column, f"no attorney {email}")
            return found
        wanted = _name_key(value)
        named = [
            a
            for a in self.session.scalars(select(Attorney))
            if wanted in (_name_key(a.name or ""), _name_key(_surname_first(a.name or "")))
        ]
        if len(named) == 1:
            return named[0]
        if named:
            row.fail(column, f"{len(named)} attorneys are named {value!r}: give the e-mail address")
        else:
            row.fail(column, f"no attorney {value!r} (give an e-mail or a name of attorneys.csv)")
        return None

    def client(self, code: str) -> Client | None:
        """The client of this id, or of this id in another case ("ak01" in contacts.csv
        for "AK01") when only one has it."""
        exact = self.session.scalar(select(Client).where(Client.client_code == code))
        if exact is not None:
            return exact
        found = self.session.scalars(
            select(Client).where(func.lower(Client.client_code) == code.lower()).limit(2)
        ).all()
        return found[0] if len(found) == 1 else None

    def matter(self, number: str) -> Matter | None:
        return self.session.scalar(select(Matter).where(Matter.matter_number == number))

    def _upsert(self, result: FileResult, existing: _T | None, model: type[_T], **key: str) -> _T:
        """Return the existing row to update, or a new one (with just its key) added.

        The new row gets its other fields from the caller afterwards: building it with
        a relationship to an existing object would cascade a duplicate into the session.
        """
        if existing is None:
            new = model(**key)
            self.session.add(new)
            result.created += 1
            return new
        result.updated += 1
        return existing

    def attorneys(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            areas = [a.strip() for a in row.text("practice_areas", required=False).split(";")]
            parsed.append((row.email("email"), row.text("name", max_len=200), areas))
        _check_unique(rows, lambda r: r.values["email"].strip().lower(), "email")
        if result.errors:
            return
        for email, name, areas in parsed:
            found = self.attorney(email)
            target = self._upsert(result, found, Attorney, email=email)
            target.name = name
            target.practice_areas = [a for a in areas if a]

    def clients(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            code = row.text("client_id", max_len=64)
            domain = domain_value(row.text("domain", required=False, max_len=253))
            if domain and not _DOMAIN.match(domain):
                row.fail("domain", f"{domain!r} is not a domain name")
            elif domain and is_public_mail_domain(domain):
                result.notes.append(
                    f"{row.file}:{row.line}: domain: {domain} not used: anyone can have an "
                    "address there, so its senders are not this client's; list the client's "
                    "addresses in contacts.csv"
                )
                domain = ""
            lawyer = self.lawyer(row, "relationship_attorney")
            parsed.append((code, row.text("name", max_len=300), domain or None, lawyer))
        _check_unique(rows, lambda r: r.values["client_id"].strip(), "client_id")
        if result.errors:
            return
        for code, name, domain, lawyer in parsed:
            target = self._upsert(result, self.client(code), Client, client_code=code)
            target.name, target.domain, target.relationship_attorney = name, domain, lawyer

    def contacts(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            code = row.text("client_id", max_len=64)
            client = self.client(code) if code else None
            if code and client is None:
                row.fail("client_id", f"no client {code!r}")
            parsed.append((row.email("email"), row.text("name", required=False), client))
        _check_unique(rows, lambda r: r.values["email"].strip().lower(), "email")
        if result.errors:
            return
        for email, name, client in parsed:
            found = self.session.scalar(select(Contact).where(Contact.email == email))
            target = self._upsert(result, found, Contact, email=email)
            target.name, target.client = name, client

    def matters(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            number = row.text("matter_number", max_len=64).upper()
            code = row.text("client_id", max_len=64)
            client = self.client(code) if code else None
            if code and client is None:
                row.fail("client_id", f"no client {code!r}")
            lawyer = self.lawyer(row, "responsible_attorney")
            values: dict[str, object] = dict(
                matter_number=number,
                client=client,
                title=row.text("title", max_len=300),
                responsible_attorney=lawyer,
                status=row.text("status", required=False, max_len=200),
                next_step=row.text("next_step", required=False),
                next_date=row.date("next_date"),
                opened=row.date("opened"),
                updated=row.date("updated"),
            )
            if "keywords" in row.values:  # a file without the column keeps what is stored
                values["keywords"] = _keywords(row)
            parsed.append(values)
        _check_unique(rows, lambda r: r.values["matter_number"].strip().upper(), "matter_number")
        if result.errors:
            return
        for values in parsed:
            found = self.matter(values["matter_number"])  # type: ignore[arg-type]
            target = self._upsert(result, found, Matter)
            for key, value in values.items():
                setattr(target, key, value)

    def invoices(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            number = row.text("invoice_number", max_len=64)
            matter_number = row.text("matter_number", max_len=64).upper()
            matter = self.matter(matter_number) if matter_number else None
            if matter_number and matter is None:
                row.fail("matter_number", f"no matter {matter_number!r}")
            amount, balance = row.money("amount"), row.money("balance")
            if balance > amount:
                row.fail("balance", f"{balance} is more than the amount {amount}")
            parsed.append(
                dict(
                    invoice_number=number,
                    matter=matter,
                    issued=row.date("issued"),
                    due=row.date("due"),
                    amount=amount,
                    balance=balance,
                    status=row.text("status", required=False, max_len=40).lower(),
                )
            )
        _check_unique(rows, lambda r: r.values["invoice_number"].strip(), "invoice_number")
        if result.errors:
            return
        for values in parsed:
            found = self.session.scalar(
                select(Invoice).where(Invoice.invoice_number == values["invoice_number"])
            )
            target = self._upsert(result, found, Invoice)
            for key, value in values.items():
                setattr(target, key, value)

    def payments(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            number = row.text("invoice_number", max_len=64)
            invoice = self.session.scalar(select(Invoice).where(Invoice.invoice_number == number))
            if number and invoice is None:
                row.fail("invoice_number", f"no invoice {number!r}")
            paid_on = row.date("date", required=True)
            amount = row.money("amount")
            if amount == 0:
                row.fail("amount", "must be more than zero")
            parsed.append(
                dict(
                    invoice=invoice,
                    paid_on=paid_on,
                    amount=amount,
                    method=row.text("method", required=False, max_len=60),
                    reference=row.text("reference", required=False, max_len=120),
                )
            )
        if result.errors:
            return
        for values in parsed:
            found = self.session.scalar(
                select(Payment).where(
                    Payment.invoice == values["invoice"],
                    Payment.paid_on == values["paid_on"],
                    Payment.amount == values["amount"],
                    Payment.reference == values["reference"],
                )
            )
            target = self._upsert(result, found, Payment)
            for key, value in values.items():
                setattr(target, key, value)

    def trust(self, rows: list[_Row], result: FileResult) -> None:
        parsed = []
        for row in rows:
            code = row.text("client_id", max_len=64)
            client = self.client(code) if code else None
            if code and client is None:
                row.fail("client_id", f"no client {code!r}")
            number = row.text("matter_number", required=False, max_len=64).upper()
            matter = self.matter(number) if number else None
            if number and matter is None:
                row.fail("matter_number", f"no matter {number!r}")
            elif matter is not None and client is not None and matter.client_id != client.id:
                row.fail("matter_number", f"{number} is not a matter of client {code}")
            parsed.append(
                dict(
                    client=client,
                    matter=matter,
                    balance=row.money("balance"),
                    as_of=row.date("as_of", required=True),
                )
            )
        _check_unique(
            rows,
            lambda r: (
                f"{r.values['client_id'].strip()}/{r.values.get('matter_number', '').strip()}"
            ),
            "matter_number",
        )
        if result.errors:
            return
        for values in parsed:
            matter = values["matter"]
            found = self.session.scalar(
                select(TrustBalance).where(
                    TrustBalance.client == values["client"],
                    TrustBalance.matter_id.is_(None)
                    if matter is None
                    else TrustBalance.matter == matter,
                )
            )
            target = self._upsert(result, found, TrustBalance)
            for key, value in values.items():
                setattr(target, key, value)


def import_file(session: Session, file_name: str, content: bytes) -> FileResult:
    """Validate and upsert one CSV inside a savepoint: all of it, or none of it."""
    result = FileResult(file_name)
    rows, result.errors, result.notes = read_rows(file_name, content)
    result.rows = len(rows)
    for row in rows:
        row.errors = result.errors
    if result.errors:
        return result
    importer = _Importer(session)
    apply: dict[str, Callable[[list[_Row], FileResult], None]] = {
        "attorneys.csv": importer.attorneys,
        "clients.csv": importer.clients,
        "contacts.csv": importer.contacts,
        "matters.csv": importer.matters,
        "invoices.csv": importer.invoices,
        "payments.csv": importer.payments,
        "trust.csv": importer.trust,
    }
    savepoint = session.begin_nested()
    try:
        apply[file_name](rows, result)
        if result.errors:
            savepoint.rollback()
            result.created = result.updated = 0
        else:
            savepoint.commit()
    except Exception:
        savepoint.rollback()
        raise
    order = {name: i for i, name in enumerate(COLUMNS[file_name])}
    result.errors.sort(key=lambda e: (e.line, order.get(e.field, -1)))
    return result


def import_directory(session: Session, directory: Path) -> list[FileResult]:
    """Import whichever of the files exist, in dependency order, then the documents
    replies may attach (invoices/<number>.pdf, w9.pdf)."""
    if not directory.is_dir():
        raise DirectoryError([RowError(str(directory), 0, "-", "not a directory")])
    paths, unknown = _directory_files(directory)
    present = [name for name in FILES if name in paths]
    if not present:
        raise DirectoryError(
            [RowError(str(directory), 0, "-", f"none of {', '.join(FILES)} found")]
        )
    contents = {name: _read(paths[name]) for name in present}
    results = [import_file(session, name, contents[name]) for name in present]
    documents = import_documents(session, directory)
    skipped = [
        FileResult(name, skipped=f"not read: not one of {', '.join(FILES)}") for name in unknown
    ]
    return results + ([documents] if documents.rows else []) + skipped


def _directory_files(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """The directory's files by the name they stand for, whatever their case (a
    spreadsheet on Windows or a Mac saves "Matters.csv", which was skipped silently);
    and the other CSV files, which are reported, not read. Two files for one name are
    an error: which one is meant cannot be told."""
    paths: dict[str, Path] = {}
    unknown: list[str] = []
    for path in sorted(directory.iterdir()):
        name = path.name.lower()
        if name not in FILES:
            if name.endswith(".csv"):
                unknown.append(path.name)
            continue
        if name in paths:
            both = f"{paths[name].name} and {path.name}"
            raise DirectoryError([RowError(str(directory), 0, "-", f"both {both}: keep one")])
        paths[name] = path
    return paths, unknown


def _read(path: Path) -> bytes:
    """The file's bytes, or a DirectoryError naming it (a folder, no permission ...)."""
    if not path.is_file():
        raise DirectoryError([RowError(str(path), 0, "-", "is not a file")])
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DirectoryError([RowError(str(path), 0, "-", exc.strerror or str(exc))]) from None


W9_NAMES = ("w9.pdf", "W9.pdf", "w-9.pdf", "W-9.pdf")
W9_DOCUMENT = "w9.pdf"


def import_documents(session: Session, directory: Path) -> FileResult:
    """invoices/<number>.pdf for invoices on record, and the firm's W-9, stored so a
    draft can attach them; a PDF named for no invoice is an error naming the file."""
    result = FileResult("documents")
    found: dict[str, Path] = {}
    folder = directory / "invoices"
    if folder.is_dir():
        for path in sorted(folder.glob("*.pdf")):
            number = path.stem
            if session.scalar(select(Invoice.id).where(Invoice.invoice_number == number)) is None:
                result.errors.append(
                    RowError(f"invoices/{path.name}", 0, "-", f"no invoice {number!r} on record")
                )
                continue
            found[f"invoices/{path.name}"] = path
    w9 = next((directory / n for n in W9_NAMES if (directory / n).is_file()), None)
    if w9 is not None:
        found[W9_DOCUMENT] = w9
    contents = {name: path.read_bytes() for name, path in found.items()}
    for name, content in contents.items():
        if not content.startswith(b"%PDF"):
            result.errors.append(RowError(name, 0, "-", "not a PDF file"))
    result.rows = len(found) + sum(e.file.startswith("invoices/") for e in result.errors)
    if result.errors:  # like a CSV file: all of them, or none
        return result
    for name, content in contents.items():
        existing = session.scalar(select(FirmDocument).where(FirmDocument.name == name))
        if existing is None:
            existing = FirmDocument(name=name)
            session.add(existing)
            result.created += 1
        else:
            result.updated += 1
        existing.content_type, existing.content = "application/pdf", content
    return result


def _keywords(row: _Row) -> str:
    """`;`-separated words clients use for a matter, stored normalized ("a; b")."""
    words = [w.strip() for w in row.text("keywords", required=False, max_len=2000).split(";")]
    for word in words:
        if len(word) > 100:
            row.fail("keywords", f"{word[:20]!r}... is longer than 100 characters")
    return "; ".join(dict.fromkeys(w for w in words if w))
