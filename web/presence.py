"""Presence: the page reports every few seconds that someone is viewing or editing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from inbox.models import Message
from web import database
from web.auth import login_required, me
from web.message_page import leave_presence, present_others, touch_presence
from web.walls import may_see

blueprint = Blueprint("presence", __name__)


@blueprint.route("/messages/<int:message_id>/presence", methods=["POST"])
@login_required
def heartbeat(message_id: int) -> Any:
    session = database.session()
    message = session.get(Message, message_id)
    if message is None or not may_see(session, me(), message, database.settings().ethical_walls):
        abort(404)
    payload = request.get_json(silent=True) or {}
    mode = str(payload.get("mode", "viewing"))
    if mode == "leaving":
        leave_presence(session, message_id, me().id)
    else:
        touch_presence(session, message_id, me().id, mode)
    session.commit()
    return jsonify(others=present_others(session, message_id, me().id))
