"""Gates of the incident state machine (pure: an incident in, coded reasons out).

The same functions block the transition on the server (django-fsm ``conditions``) and
explain a disabled button in the admin and in ``GET .../transitions/``; they read the
incident and its corrective actions only, never a service.
"""
from django.utils.translation import gettext_lazy as _

from ohms_core.workflows import Reason


def _actions(incident):
    """Live corrective actions (soft-deleted ones do not count), prefetched or queried."""
    cache = getattr(incident, "_prefetched_objects_cache", {})
    if "corrective_actions" in cache:
        return [a for a in cache["corrective_actions"] if not a.is_deleted]
    if incident.pk is None:
        return []
    return list(incident.corrective_actions.filter(is_deleted=False))


def root_cause_recorded(incident):
    """An investigation ends with a root cause: no actions and no closing without one."""
    if not (incident.root_cause or "").strip():
        yield Reason("root_cause_missing", _("Record the root cause of the incident first."), "investigation")


def actions_defined(incident):
    """"Actions open" needs at least one corrective action to follow up."""
    if not _actions(incident):
        yield Reason("actions_missing", _("Add at least one corrective action first (or close the incident if "
                                          "none is needed)."), "actions")


def all_actions_done(incident):
    """Closing needs every corrective action done."""
    still_open = [a for a in _actions(incident) if a.done_at is None]
    if still_open:
        yield Reason("actions_open", _("Every corrective action must be done before closing."), "actions",
                     items=tuple(a.description[:80] for a in still_open))
