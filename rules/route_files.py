"""`inbox-router route`: the full decision for .eml files, storing and sending nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from classifier.commands import unreadable_result
from classifier.registry import active_model_path
from inbox.mail.parse import parse_file
from inbox.settings import Settings
from rules.route import Router


def route_files(
    factory: sessionmaker[Session],
    settings: Settings,
    paths: Sequence[Path],
    out: Callable[[str], None],
    *,
    as_json: bool,
) -> None:
    with factory() as session:
        router = Router.from_settings(settings, active_model_path(session, settings))
        for path in paths:
            parsed, error = parse_file(path)
            if parsed is None:
                result = {
                    **unreadable_result(path, error or "unreadable"),
                    "client": None,
                    "matter": None,
                    "action": "triage",
                    "assignee": None,
                    "template": None,
                    "reason": f"cannot read this mail: {error}",
                    "draft": None,
                }
            else:
                result = router.route(session, parsed).as_json(str(path))
                session.rollback()  # routing only reads; make sure nothing lingers
            if as_json:
                out(json.dumps(result, ensure_ascii=False))
            else:
                who = result["assignee"] or result["matter"] or ""
                out(f"{path}: {result['label']} -> {result['action']} {who}  ({result['reason']})")
