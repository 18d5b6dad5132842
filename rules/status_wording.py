"""The firm's client wording for internal matter status codes.

A status in matters.csv ("filed - awaiting response") is the firm's shorthand, not
something to send a client. The firm keeps a YAML mapping from each code to the words
a client reads; it is loaded once and checked with line numbers. A code it does not
list but that has a common shape ("petition filed", "awaiting USCIS", "RFE received",
"signing scheduled") is worded by a small grammar of those shapes; any other code holds
the draft for a person rather than showing the code.
"""

from __future__ import annotations

import re
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
        """The client's words for `code`: the firm's own, else those of its shape (a
        code the file lists always wins); None when neither words it."""
        listed = self.wording.get(normalize(code))
        return listed if listed is not None else shaped_wording(code)


_DONE = (
    "filed|received|recorded|obtained|submitted|sent|signed|approved|granted|served|"
    "completed|issued|entered|accepted|executed|registered|paid"
)
# (shape of the code, client wording); {x} is the code's own noun phrase, as written.
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"filed\s*[-:,]\s*awaiting (?P<x>[\w .'/&-]+)", re.I),
        "the papers have been filed and we are waiting for {x}",
    ),
    (re.compile(r"awaiting (?P<x>[\w .'/&-]+)", re.I), "we are waiting for {x}"),
    (re.compile(rf"(?P<x>[\w .'/&-]+?) (?P<done>{_DONE})", re.I), "the {x} has been {done}"),
    (re.compile(r"(?P<x>[\w .'/&-]+?) (scheduled|set)", re.I), "the {x} has been scheduled"),
    (re.compile(r"(?P<x>[\w .'/&-]+?) in progress", re.I), "the {x} is under way"),
    (re.compile(r"(?P<x>[\w .'/&-]+?) due", re.I), "the {x} is due"),
)
_SHORT = 4  # words in {x}: more is a sentence the firm wrote, not a code's noun


def shaped_wording(code: str) -> str | None:
    """Client words for a code of a common shape ("<noun> filed", "awaiting <who>"),
    keeping the code's noun as written (an acronym such as "RFE" or "USCIS" stays); None
    for anything else (a bare noun such as "discovery" says too little to a client)."""
    text = " ".join(code.split())
    for shape, wording in _SHAPES:
        match = shape.fullmatch(text)
        if match is None or len(match["x"].split()) > _SHORT:
            continue
        noun = match["x"].strip()
        if noun.lower().startswith(("the ", "a ", "an ", "our ", "your ")):
            noun = noun.split(" ", 1)[1]
        done = (match.groupdict().get("done") or "").lower()
        return wording.format(x=_lower_words(noun), done=done)
    return None


def _lower_words(noun: str) -> str:
    """Lower case except acronyms and names' capitals kept ("RFE", "USCIS", "Board")."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in noun.split())


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
