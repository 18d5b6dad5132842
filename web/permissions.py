"""Who may do what on a message: one table, read by the views and the templates.

An action a role may not do is neither shown nor accepted. Admin may do everything.
"""

from __future__ import annotations

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "edit_draft": ("va",),
    "approve": ("va",),
    "discard": ("va",),
    "relabel": ("va", "attorney"),
    "reassign": ("va",),
    "escalate": ("va",),
    "done": ("va", "attorney"),
    # The "No reply needed?" queue: archive, open as a draft, or move to triage.
    "archive": ("va",),
    "open_draft": ("va",),
    "to_triage": ("va",),
    "note": ("va", "attorney"),
    # A VA's own reply (free text or a saved reply); an attorney's reply to an escalation.
    "compose": ("va",),
    "reply": ("attorney",),
    "hand_back": ("attorney",),
}


def allowed(role: str, action: str) -> bool:
    return role == "admin" or role in PERMISSIONS.get(action, ())
