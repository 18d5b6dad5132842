"""Which status template answers a mail's intent, and what it reads beyond the status.

A client asking "when is the hearing?" or "did you file it?" wants that answered
first, not a general update. Each status intent has its own template
(client/status_<intent>; status.general keeps client/status_request), fed the same
matter data as the general one (rules/drafting.py status_data: worded status, next step,
a date only when today or later) plus two things only the intents need:
- `m.meeting`: whether the next step reads as a hearing, meeting, closing, interview,
  deposition, mediation, signing or appointment (a small multilingual word list), so
  the hearing template leads with it or says no date for one is on record;
- for filed_or_received, `checks`: a reason for the VA (the records hold a status, not
  a log of what arrived), so a person checks the file before the draft goes out.
Pure: no database, no templates.
"""

from __future__ import annotations

import re
from typing import Any

from inbox.models import Matter
from rules.drafting import StatusPolicy, status_data

GENERAL_TEMPLATE = "client/status_request"
STATUS_TEMPLATE_PREFIX = "client/status_"
STATUS_INTENT_PREFIX = "status."
FILED_OR_RECEIVED = "filed_or_received"

# What a next step is when it is an event the client attends or waits on. German words
# are matched inside compounds ("Notartermin", "Gerichtsverhandlung"); the others whole.
_MEETING = re.compile(
    r"\b(?:hearings?|meetings?|closings?|interviews?|depositions?|mediations?|signings?|"
    r"appointments?|calls? with|"
    r"audiencias?|reuni[oó]n(?:es)?|cierre|entrevistas?|declaraci[oó]n jurada|"
    r"mediaci[oó]n|firma de|citas?|"
    r"audiences?|réunions?|entretiens?|médiation|rendez-vous|dépositions?)\b"
    r"|(?:verhandlung|anhörung|(?<!de)termin(?!at|al|ed\b)|besprechung|sitzung|beurkundung|"
    r"unterzeichnung|gespräch|befragung)\w*",
    re.IGNORECASE,
)
FILED_OR_RECEIVED_CHECK = (
    "the client asks whether something was filed or received: the record's status is "
    "all the draft can say; check the file before sending"
)


def status_template(template: str, intent: str | None) -> str:
    """The default status template becomes the one answering the mail's status intent
    (client/status_<intent>); status.general, and a template the rules file names
    itself, are kept."""
    if template != GENERAL_TEMPLATE or not intent or not intent.startswith(STATUS_INTENT_PREFIX):
        return template
    name = intent.removeprefix(STATUS_INTENT_PREFIX)
    return template if name == "general" else STATUS_TEMPLATE_PREFIX + name


def is_status_template(template: str) -> bool:
    """client/status_request, client/status_<intent>, or a firm's own *status_request."""
    return template.startswith(STATUS_TEMPLATE_PREFIX) or template.endswith("status_request")


def reads_as_meeting(next_step: str) -> bool:
    """Whether the next step is a hearing, meeting, signing and the like ("Mediation with
    co-parent", "USCIS biometrics appointment", "Notartermin")."""
    return _MEETING.search(next_step) is not None


def status_intent_data(
    template: str,
    firm_name: str,
    contact_name: str | None,
    matters: list[Matter],
    policy: StatusPolicy,
) -> dict[str, Any]:
    """What a status template reads: status_data, each matter marked `meeting` or not,
    and for filed_or_received the VA's reason to check the file first (`checks`, which
    like `warnings` turns auto-send off)."""
    data = status_data(firm_name, contact_name, matters, policy)
    for row in data["matters"]:
        row["meeting"] = reads_as_meeting(row.get("next_step", ""))
    if template.removeprefix(STATUS_TEMPLATE_PREFIX) == FILED_OR_RECEIVED:
        data["checks"] = [FILED_OR_RECEIVED_CHECK]
    return data
