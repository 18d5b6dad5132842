"""A person's own settings: the signature put under the replies they write."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from inbox.accounts import AccountError, set_signature
from inbox.audit import audit
from web import database
from web.auth import login_required, me

blueprint = Blueprint("account", __name__)


@blueprint.route("/settings")
@login_required
def settings_page() -> Any:
    return render_template("account.html", signature=me().signature or "")


@blueprint.route("/settings", methods=["POST"])
@login_required
def save_settings() -> Any:
    text = request.form.get("signature", "")
    session = database.session()
    try:
        set_signature(me(), text)
        audit(session, "signature_saved", user=me())
        session.commit()
    except AccountError as exc:
        session.rollback()
        flash(str(exc), "error")
        return render_template("account.html", signature=text), 422
    flash("Signature saved.", "info")
    return redirect(url_for("account.settings_page"))
