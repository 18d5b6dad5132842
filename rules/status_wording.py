"""The firm's client wording for internal matter status codes.

A status in matters.csv ("filed - awaiting response") is the firm's shorthand, not
something to send a client. The firm keeps a YAML mapping from each code to the words
a client reads; it is loaded once and checked with line numbers, and a code it does
not cover holds the draft for a person rather than showing the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from rules.ruleset import RulesError

DEFAULT_PATH = Path(__file__).resolve().parent / "status_wording.yaml"


class StatusWordingError(RulesError):
    """The wording file is not valid; the message names the file and line."""


def normalize(code: str) -> str:
    """Codes match whatever their case and spacing: "Filed -  awaiting Response"."""
    return " ".join(code.casefold().split())


@dataclass(frozen=True)
class StatusWording:
    wording: dict[str, str]  # normalized code -> client text

    def client_text(self, code: str) -> str | None:
        """The client's words for `code`, or None when the firm has not worded it."""
        return self.wording.get(normalize(code))


@lru_cache(maxsize=8)
def load_status_wording(path: Path = DEFAULT_PATH) -> StatusWording:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StatusWordingError(str(path), 0, f"cannot read: {exc.strerror}") from None
    return parse_status_wording(text, str(path))


def parse_status_wording(text: str, source: str = "<status wording>") -> StatusWording:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise StatusWordingError(source, line, f"YAML syntax: {exc.problem}") from None
    if not isinstance(root, yaml.MappingNode) or not root.value:
        line = root.start_mark.line + 1 if root is not None else 1
        raise StatusWordingError(source, line, "expected a mapping of status code: client text")
    wording: dict[str, str] = {}
    for key, value in root.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or not str(key.value).strip():
            raise StatusWordingError(source, line, "a status code must be non-empty text")
        code = normalize(str(key.value))
        if not isinstance(value, yaml.ScalarNode) or not str(value.value).strip():
            raise StatusWordingError(source, line, f"status {key.value!r} needs client text")
        if code in wording:
            raise StatusWordingError(source, line, f"status {key.value!r} is worded twice")
        wording[code] = " ".join(str(value.value).split())
    return StatusWording(wording)
