"""The rules file on the admin page: the active file with line numbers, and a validator.

The rules file is edited in the repository or the deployment, never from the web; here
an admin checks a version before it goes live. Validation is the loader the router
uses (rules/ruleset.py parse_rules), plus a check that every template a rule names
exists, so a file accepted here is a file the router accepts. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rules.ruleset import RulesError, RuleSet, parse_rules
from web.display import shown_path

TEMPLATE_PARTS = (".txt.j2", ".html.j2")


@dataclass(frozen=True)
class RulesCheck:
    ok: bool
    message: str  # "accepted: N rules" or "file:line: reason"
    line: int = 0


def numbered(
    path: Path, folders: tuple[Path, ...] = ()
) -> tuple[list[tuple[int, str]], str | None]:
    """The file's lines with their numbers, or why it cannot be read (the path shown
    relative to `folders`, see web/display.py)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [], f"{shown_path(path, folders)}: cannot read: {exc.strerror or exc}"
    return list(enumerate(text.splitlines(), start=1)), None


def missing_template(ruleset: RuleSet, templates_dir: Path) -> RulesError | None:
    for rule in ruleset.rules:
        for name in (rule.template, rule.acknowledge):
            if name is None:
                continue
            for part in TEMPLATE_PARTS:
                if not (templates_dir / f"{name}{part}").is_file():
                    return RulesError(
                        ruleset.source, rule.line, f"template {name}{part} does not exist"
                    )
    return None


def check_rules(text: str, templates_dir: Path, source: str = "pasted") -> RulesCheck:
    try:
        ruleset = parse_rules(text.replace("\r\n", "\n"), source)
    except RulesError as exc:
        return RulesCheck(False, str(exc), exc.line)
    problem = missing_template(ruleset, templates_dir)
    if problem is not None:
        return RulesCheck(False, str(problem), problem.line)
    return RulesCheck(True, f"accepted: {len(ruleset.rules)} rules")
