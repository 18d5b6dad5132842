"""One frozen Settings object, built once at each entry point and passed down.

Nothing here reads the environment at import time: `Settings.from_env()` is called by
the CLI (or a test builds `Settings(...)` directly), so two settings can coexist in
one process, which the tests rely on.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from inbox.mail.limits import MailLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_FILE = "inbox-router.db"
ENV_PREFIX = "INBOX_ROUTER_"


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one running inbox-router."""

    db_url: str = f"sqlite:///{DEFAULT_DB_FILE}"
    # None: the sample firm's name, or one read off another firm's directory (inbox/firm.py).
    firm_name: str | None = None
    shared_address: str = "clients@harborvale.law"
    base_url: str = "http://127.0.0.1:5000"
    # Matter numbers look like HV-2026-0007; the pattern is a regex, matched case-insensitively.
    matter_pattern: str = r"\b[A-Z]{1,6}-\d{4}-\d{2,6}\b"
    model_path: Path = PROJECT_ROOT / "classifier" / "model" / "default.skops"
    # The intent models (classifier/intent_model.py); a missing file: the phrase rules.
    intent_model_path: Path = PROJECT_ROOT / "classifier" / "model" / "intents.skops"
    models_dir: Path = Path("models")  # retrained versions (the shipped one stays put)
    rules_path: Path = PROJECT_ROOT / "rules" / "default_rules.yaml"
    templates_dir: Path = PROJECT_ROOT / "templates"
    # Classifier decision policy (classifier/policy.py). None: use the thresholds chosen
    # when the model was trained (stored in the model file; see classifier/thresholds.py).
    confidence_threshold: float | None = None
    legal_guard_threshold: float | None = None
    # SMTP for the outbox worker.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: str = "plain"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    # A command printing the password, read at each connection (so it can rotate).
    smtp_password_command: str | None = None
    smtp_timeout: float = 30.0
    # True when the SMTP server files every accepted message in the Sent folder itself
    # (Gmail, Microsoft 365): the worker then appends no copy of its own.
    smtp_saves_sent: bool = False
    # The outbox worker (inbox/outgoing/worker.py).
    send_max_attempts: int = 10
    send_retry_seconds: float = 30.0  # first retry; doubles each attempt, with jitter
    send_retry_max_seconds: float = 1800.0
    # How long a worker may hold an entry in `sending` before others presume it dead.
    send_claim_seconds: float = 300.0
    send_poll_seconds: float = 5.0
    # Run the outbox worker inside `inbox-router poll` too (one process to run).
    send_in_poll: bool = False
    # ...and inside `inbox-router serve` (the demo always does).
    send_in_serve: bool = False
    imap_timeout: float = 60.0
    # A PEM file of CA certificates to trust for IMAP instead of the system's (a
    # server with a certificate from a private CA). Certificates are always verified.
    imap_ca_file: Path | None = None
    payment_instructions: str = (
        "You can pay by bank transfer (details on the invoice) or by card through the "
        "payment link on the invoice."
    )
    timezone: str = "America/New_York"
    business_hours: str = "09:00-17:00"
    business_days: str = "mon,tue,wed,thu,fri"
    holidays: tuple[str, ...] = ()
    secret_key: str | None = field(default=None, repr=False)
    ingest_progress_min: int = 200
    # Processes that parse and classify fetched mail beside the poller; None: one
    # when the machine has a second core, else none (all in the poller's process).
    ingest_workers: int | None = None
    # The day the router takes as today (YYYY-MM-DD), to replay mail or measure drafts
    # deterministically; None: the real today.
    as_of: dt.date | None = None
    # A matter whose record has not changed for longer than this holds its status draft
    # for the responsible attorney (judged only when the directory says when it changed).
    stale_matter_days: int = 30
    # The firm's client wording for internal matter status codes; None: the default
    # beside the rules (rules/status_wording.yaml).
    status_wording_path: Path | None = None
    # Mail over these sizes is quarantined with its raw bytes instead of parsed
    # (inbox/mail/limits.py); 0 turns a limit off. The header line limit applies, after
    # unfolding, to the fields read as one value (Subject, From, Reply-To, Message-ID ...).
    max_message_bytes: int = MailLimits.max_message_bytes
    max_header_line_bytes: int = MailLimits.max_header_line_bytes
    max_header_block_bytes: int = MailLimits.max_header_block_bytes
    # Ethical walls (web/walls.py): an attorney sees only the messages they are listed
    # on (assigned, the matter's responsible or the client's relationship attorney).
    ethical_walls: bool = False
    # How many reverse proxies stand in front of the web UI (each adds X-Forwarded-For):
    # the client's address, which the login throttle counts, is read behind them.
    trusted_proxies: int = 0
    # A reply's sign-off names the person who approves it above the firm's name.
    sign_off_with_approver: bool = True
    # An approved reply (a VA's or an attorney's) waits this long in the outbox before
    # the worker may send it, so a person can still undo it; 0 sends at once.
    undo_seconds: float = 20.0
    # Files a person uploads onto one reply, all together (the mail carries them
    # base64-encoded, a third larger); an upload over it is refused with the sizes.
    max_attachment_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read INBOX_ROUTER_* variables; explicit overrides (CLI options) win.

        Overrides that are None are ignored, so a CLI can pass its options through
        unconditionally.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if f.name == "db_url":
                raw = env.get(ENV_PREFIX + "DB", raw)
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, f.type, raw)
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
        settings = cls(**values)
        settings.validate()
        return settings

    def mail_limits(self) -> MailLimits:
        return MailLimits(
            self.max_message_bytes, self.max_header_line_bytes, self.max_header_block_bytes
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)

    def validate(self) -> None:
        if self.smtp_security not in ("ssl", "starttls", "plain"):
            raise SettingsError(
                f"{ENV_PREFIX}SMTP_SECURITY must be ssl, starttls or plain, "
                f"not {self.smtp_security!r}"
            )
        self._validate_send()
        if self.ingest_workers is not None and not 0 <= self.ingest_workers <= 64:
            raise SettingsError(f"{ENV_PREFIX}INGEST_WORKERS must be between 0 and 64")
        for name in ("max_message_bytes", "max_header_line_bytes", "max_header_block_bytes"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be 0 (no limit) or more")
        if not 0 <= self.trusted_proxies <= 5:
            raise SettingsError(f"{ENV_PREFIX}TRUSTED_PROXIES must be between 0 and 5")
        if not 0 <= self.undo_seconds <= 3600:
            raise SettingsError(f"{ENV_PREFIX}UNDO_SECONDS must be between 0 and 3600")
        if not 0 < self.max_attachment_bytes <= 100 * 1024 * 1024:
            raise SettingsError(f"{ENV_PREFIX}MAX_ATTACHMENT_BYTES must be between 1 and 100 MB")
        if self.stale_matter_days < 1:
            raise SettingsError(f"{ENV_PREFIX}STALE_MATTER_DAYS must be at least 1")
        for name in ("confidence_threshold", "legal_guard_threshold"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} must lie between 0 and 1")

    def _validate_send(self) -> None:
        if self.send_max_attempts < 1:
            raise SettingsError(f"{ENV_PREFIX}SEND_MAX_ATTEMPTS must be at least 1")
        if min(self.smtp_timeout, self.send_retry_seconds, self.send_poll_seconds) <= 0:
            raise SettingsError("SMTP timeout, retry and poll seconds must be positive")
        # A live worker must finish an attempt well inside its claim, or a second
        # worker could take the entry over while the first is still sending it.
        needed = 2 * (self.smtp_timeout + self.imap_timeout)
        if self.send_claim_seconds < needed:
            raise SettingsError(
                f"{ENV_PREFIX}SEND_CLAIM_SECONDS must be at least twice the SMTP and IMAP "
                f"timeouts together ({needed:g})"
            )


def _coerce(name: str, type_name: object, raw: str) -> object:
    """Turn an environment string into the field's type, naming the variable on error."""
    kind = str(type_name)
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("Path"):
            return Path(raw)
        if kind.startswith("bool"):
            return _boolean(raw)
        if kind.startswith("dt.date"):
            return dt.date.fromisoformat(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r}: {exc}") from None
    return raw


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")
