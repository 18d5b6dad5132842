"""The saved replies page: the firm's (kept by the admin) and each person's own.

Anyone logged in keeps their own and uses the firm's; only the admin changes the
firm's. Each view checks the role, calls web/snippet_store.py, commits and redirects;
a refused save comes back with the text and why.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from rules.snippets import FIELDS, SnippetError
from web import database, snippet_store
from web.auth import login_required, me

blueprint = Blueprint("snippets", __name__)


def _page(status: int = 200, kept: dict[str, Any] | None = None) -> Any:
    session = database.session()
    listed = snippet_store.usable(session, me())
    return (
        render_template(
            "snippets.html",
            snippets=listed,
            may_change=lambda s: snippet_store.may_change(me(), s),
            fields=FIELDS,
            kept=kept,
        ),
        status,
    )


@blueprint.route("/snippets")
@login_required
def index() -> Any:
    return _page()


@blueprint.route("/snippets", methods=["POST"])
@blueprint.route("/snippets/<int:snippet_id>", methods=["POST"])
@login_required
def save(snippet_id: int | None = None) -> Any:
    title, body = request.form.get("title", ""), request.form.get("body", "")
    firm = request.form.get("scope") == "firm"
    session = database.session()
    try:
        snippet_store.save(session, me(), title, body, firm=firm, snippet_id=snippet_id)
        session.commit()
    except SnippetError as exc:
        session.rollback()
        flash(str(exc), "error")
        kept = {"id": snippet_id, "title": title, "body": body, "firm": firm}
        return _page(422, kept)
    flash(f"Saved reply {title.strip()!r} saved.", "info")
    return redirect(url_for("snippets.index"))


@blueprint.route("/snippets/<int:snippet_id>/delete", methods=["POST"])
@login_required
def delete(snippet_id: int) -> Any:
    session = database.session()
    try:
        snippet_store.delete(session, me(), snippet_id)
        session.commit()
    except SnippetError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _page(403)
    flash("Saved reply deleted.", "info")
    return redirect(url_for("snippets.index"))
