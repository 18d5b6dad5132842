"""Admin pages: users, mailboxes and their health, rules, templates, classifier, audit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web.auth import roles

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.route("/")
@roles("admin")
def index() -> Any:
    return render_template("admin/index.html")
