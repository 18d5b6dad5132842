"""The metrics page: volume, response times, SLA breaches, classifier accuracy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web.auth import login_required

blueprint = Blueprint("metrics", __name__)


@blueprint.route("/metrics")
@login_required
def metrics_page() -> Any:
    return render_template("metrics.html")
