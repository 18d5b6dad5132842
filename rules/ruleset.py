"""The rules file: an ordered table of rules, validated at load with line numbers.

A firm can point INBOX_ROUTER_RULES_PATH at its own file; a bad file is rejected
whole, with the line and the reason, before any mail is routed by it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from inbox.models import LABELS

ACTIONS = ("escalate", "draft", "triage", "ignore")
PRIORITIES = {"low": -1, "normal": 0, "high": 1, "urgent": 2}
ESCALATE_TARGETS = ("responsible", "relationship", "intake")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)


class RulesError(ValueError):
    """The rules file is not valid; `line` is 1-based (0 when unknown)."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}:{line}: {reason}")


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    conditions: Mapping[str, Any]
    action: str | None = None
    escalate_to: str = "responsible"
    template: str | None = None
    acknowledge: str | None = None
    priority: int | None = None
    sla_hours: float | None = None
    auto_send: bool = False
    stop: bool = True
    line: int = 0


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    intake_attorney: str | None = None
    auto_send_daily_cap: int = 3
    default_sla_hours: float = 8.0
    source: str = ""
    defaults: Mapping[str, Any] = field(default_factory=dict)


# Condition name -> the kind of value it takes; checked at load.
CONDITIONS: dict[str, str] = {
    "label": "labels",
    "confidence_below": "fraction",
    "confidence_at_least": "fraction",
    "legal_probability_at_least": "fraction",
    "needs_triage": "bool",
    "sender": "known|unknown",
    "client": "strings",
    "domain": "strings",
    "matter": "found|ambiguous|none",
    "matter_status": "strings",
    "foreign_matter": "bool",
    "machine_written": "bool",
    "auto_submitted": "bool",
    "bulk": "bool",
    "bounce": "bool",
    "subject_matches": "regex",
    "body_matches": "regex",
    "keywords": "strings",
    "language": "strings",
    "has_attachment": "bool",
    "business_hours": "bool",
}
ACTION_KEYS = {
    "action",
    "to",
    "template",
    "acknowledge",
    "priority",
    "sla_hours",
    "auto_send",
    "stop",
}


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line of every mapping."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_rules(path: Path) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(str(path), 0, f"cannot read: {exc.strerror or exc}") from None
    return parse_rules(text, str(path))


# A rules file nests a few levels (rules > rule > when > any/all > values); YAML's
# loader recurses once a level, so a hostile file nested thousands deep would end in
# RecursionError. And aliases repeat what an anchor holds without copying it, so nine
# lines can stand for 9^9 values ("billion laughs") that validation would then walk.
# Both are checked on the event stream first, which neither recurses nor expands.
MAX_NESTING = 32
MAX_VALUES = 100_000


def _check_shape(text: str, source: str) -> None:
    """Refuse nesting deeper than MAX_NESTING and more than MAX_VALUES values once
    aliases are expanded, before the loader builds anything."""
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    open_counts: list[tuple[str | None, int]] = []  # (anchor, values before it opened)
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            total += sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.NodeEvent):
            total += 1
            if isinstance(event, yaml.CollectionStartEvent):
                open_counts.append((event.anchor, total))
                if len(open_counts) > MAX_NESTING:
                    raise RulesError(source, line, f"nested deeper than {MAX_NESTING} levels")
            elif event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionEndEvent) and open_counts:
            anchor, before = open_counts.pop()
            if anchor:
                sizes[anchor] = total - before + 1
        if total > MAX_VALUES:
            raise RulesError(source, line, f"more than {MAX_VALUES:,} values (aliases expanded)")


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    try:
        _check_shape(text, source)
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise RulesError(source, line, f"YAML syntax: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise RulesError(source, 0, f"YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(source, 1, "the file must be a mapping with a 'rules' list")
    known_top = {"rules", "intake_attorney", "auto_send_daily_cap", "default_sla_hours", "__line__"}
    for key in data:
        if key not in known_top:
            raise RulesError(source, data["__line__"], f"unknown top-level key {key!r}")
    rules_data = data.get("rules")
    if not isinstance(rules_data, list) or not rules_data:
        raise RulesError(source, data.get("__line__", 1), "'rules' must be a non-empty list")
    intake = data.get("intake_attorney")
    if intake is not None and not (isinstance(intake, str) and _EMAIL.match(intake)):
        raise RulesError(source, data["__line__"], f"intake_attorney {intake!r} is not an e-mail")
    cap = data.get("auto_send_daily_cap", 3)
    if not isinstance(cap, int) or cap < 0:
        raise RulesError(source, data["__line__"], "auto_send_daily_cap must be a whole number")
    sla = data.get("default_sla_hours", 8)
    if not isinstance(sla, int | float) or sla <= 0:
        raise RulesError(source, data["__line__"], "default_sla_hours must be a positive number")
    names: set[str] = set()
    rules = []
    for item in rules_data:
        rule = _parse_rule(item, source)
        if rule.name in names:
            raise RulesError(source, rule.line, f"rule name {rule.name!r} is used twice")
        names.add(rule.name)
        rules.append(rule)
    return RuleSet(
        rules=tuple(rules),
        intake_attorney=intake.lower() if intake else None,
        auto_send_daily_cap=cap,
        default_sla_hours=float(sla),
        source=source,
    )


def _parse_rule(item: object, source: str) -> Rule:
    if not isinstance(item, dict):
        raise RulesError(source, 0, "each rule must be a mapping with name, description, if, then")
    line = int(item.get("__line__", 0))

    def fail(reason: str, at: int | None = None) -> RulesError:
        return RulesError(source, at or line, f"rule {item.get('name', '?')!r}: {reason}")

    for key in item:
        if key not in ("name", "description", "if", "then", "__line__"):
            raise fail(f"unknown key {key!r} (expected name, description, if, then)")
    name, description = item.get("name"), item.get("description")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise fail("needs a 'name' of lower-case letters, digits, - and _")
    if not isinstance(description, str) or not description.strip():
        raise fail("needs a one-line 'description'")
    conditions = item.get("if") or {}
    if not isinstance(conditions, dict):
        raise fail("'if' must be a mapping of conditions")
    checked = {
        key: _check_condition(key, value, fail, conditions.get("__line__", line))
        for key, value in conditions.items()
        if key != "__line__"
    }
    then = item.get("then")
    if not isinstance(then, dict):
        raise fail("needs a 'then' mapping of actions")
    then_line = then.get("__line__", line)
    for key in then:
        if key not in ACTION_KEYS and key != "__line__":
            raise fail(f"unknown action key {key!r}", then_line)
    action = then.get("action")
    if action is not None and action not in ACTIONS:
        raise fail(f"action {action!r} is not one of {', '.join(ACTIONS)}", then_line)
    target = then.get("to", "responsible")
    if target not in ESCALATE_TARGETS and not (isinstance(target, str) and _EMAIL.match(target)):
        raise fail(f"'to' must be responsible, relationship, intake or an e-mail: {target!r}")
    if "to" in then and action != "escalate":
        raise fail("'to' is only for action: escalate", then_line)
    template = then.get("template")
    if action == "draft" and not isinstance(template, str):
        raise fail("action: draft needs a 'template'", then_line)
    if template is not None and action != "draft":
        raise fail("'template' is only for action: draft", then_line)
    acknowledge = then.get("acknowledge")
    if acknowledge is not None and action != "escalate":
        raise fail("'acknowledge' is only for action: escalate", then_line)
    auto_send = then.get("auto_send", False)
    if not isinstance(auto_send, bool):
        raise fail("auto_send must be true or false", then_line)
    if auto_send and action != "draft":
        raise fail("auto_send is only for action: draft", then_line)
    priority = then.get("priority")
    if priority is not None:
        if isinstance(priority, str) and priority in PRIORITIES:
            priority = PRIORITIES[priority]
        elif not isinstance(priority, int) or isinstance(priority, bool):
            raise fail(f"priority must be one of {', '.join(PRIORITIES)} or a number", then_line)
    sla = then.get("sla_hours")
    if sla is not None and (not isinstance(sla, int | float) or isinstance(sla, bool) or sla <= 0):
        raise fail("sla_hours must be a positive number", then_line)
    stop = then.get("stop", action is not None)
    if not isinstance(stop, bool):
        raise fail("stop must be true or false", then_line)
    return Rule(
        name=name,
        description=" ".join(description.split()),
        conditions=checked,
        action=action,
        escalate_to=target.lower(),
        template=template,
        acknowledge=acknowledge,
        priority=priority,
        sla_hours=float(sla) if sla is not None else None,
        auto_send=auto_send,
        stop=stop,
        line=line,
    )


def _check_condition(key: str, value: object, fail, line: int) -> object:  # type: ignore[no-untyped-def]
    kind = CONDITIONS.get(key)
    if kind is None:
        raise fail(f"unknown condition {key!r} (known: {', '.join(sorted(CONDITIONS))})", line)
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false", line)
        return value
    if kind == "fraction":
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise fail(f"{key} must be a number between 0 and 1", line)
        return float(value)
    if kind == "regex":
        if not isinstance(value, str):
            raise fail(f"{key} must be a regular expression in quotes", line)
        try:
            return re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise fail(f"{key}: bad regular expression: {exc}", line) from None
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise fail(f"{key} must be a word or a list of words", line)
    if kind == "labels":
        for v in values:
            if v not in LABELS:
                raise fail(f"label {v!r} is not one of {', '.join(LABELS)}", line)
    elif "|" in kind:
        allowed = kind.split("|")
        for v in values:
            if v not in allowed:
                raise fail(f"{key} must be {' or '.join(allowed)}, not {v!r}", line)
    return tuple(v.lower() for v in values) if kind != "labels" else tuple(values)
