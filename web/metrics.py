"""The metrics page: volume, response times, SLA breaches, classifier accuracy.

Any logged-in role. The numbers come from web/metrics_data.py (aggregated in SQL);
the charts are SVG drawn here on the server (web/svg_chart.py), each beside a table
of the same numbers. Days are the firm's (Settings.timezone), as on every page. Both
are kept by each process (MetricsCache) until the mail they count changes, the day
ends or an open message's deadline passes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from markupsafe import Markup

from web import database
from web.auth import login_required
from web.display import zone_label
from web.metrics_data import Metrics, MetricsCache
from web.svg_chart import line_chart, stacked_bars

blueprint = Blueprint("metrics", __name__)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def charts(m: Metrics) -> dict[str, Markup]:
    """The SVG of each chart; svg_chart escapes every text it draws."""
    days = m.window.days
    short = [d[5:] for d in days]  # MM-DD
    volume = [
        (label, [m.volume.by_day[d].get(label, 0) for d in days]) for label in m.volume.labels
    ]
    response = [
        ("median", [hours(m.response.by_day[d][1]) for d in days]),
        ("p90", [hours(m.response.by_day[d][2]) for d in days]),
    ]
    breaches = [("breaches", [m.breaches.by_day[d] for d in days])]
    return {
        "volume": Markup(stacked_bars(short, volume, "Messages by label per day")),
        "response": Markup(
            line_chart(short, response, "First-response time per day, hours", unit="h")
        ),
        "breaches": Markup(stacked_bars(short, breaches, "SLA breaches per day")),
    }


@blueprint.route("/metrics")
@login_required
def metrics_page() -> Any:
    zone = ZoneInfo(database.settings().timezone)
    cache = current_app.extensions.setdefault("inbox_router_metrics", MetricsCache())
    m, drawn = cache.get(database.session(), zone, lambda m: (m, charts(m)))
    zone_name = zone_label(zone, dt.datetime.now(dt.UTC))
    return render_template("metrics.html", m=m, charts=drawn, hours=hours, zone_name=zone_name)
