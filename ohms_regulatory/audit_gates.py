"""Gates of the audit-finding state machine (pure: a finding in, coded reasons out).

A finding is a nonconformity found by a quality audit; its corrective action is worked by
an owner (open -> in_progress), checked by someone else (verified) and closed. The same
functions block the transition on the server and explain the disabled admin button.
"""
from django.utils.translation import gettext_lazy as _

from ohms_core.workflows import Reason


def owner_assigned(finding):
    """Work starts only when somebody owns the corrective action and it has a due date."""
    if finding.owner_id is None:
        yield Reason("owner_missing", _("Assign an owner to the corrective action first."), "owner")
    if finding.due_date is None:
        yield Reason("due_date_missing", _("Set a due date for the corrective action first."), "owner")


def action_recorded(finding):
    """Verification checks something: what was done must be written down."""
    if not (finding.action_taken or "").strip():
        yield Reason("action_missing", _("Describe the corrective action taken before verification."), "action")
