"""Who may order overexposure alerts by ``percent_of_limit`` (issue 8, confidentiality).

On an alert raised from an examination the percentage gives the exam result back, so it
is hidden from non-medical readers (``api.alerts.MEDICAL_VALUES``, the monitor's "—").
Sorting by it would still reveal it: the rank of a hidden value among visible ones
narrows it down, and repeated queries with filters pin it. So the ordering fields are
chosen by role, in one place for the API and the admin monitor:

* medical officers and organization administrators (``MEDICAL_READERS``) may order by
  ``percent_of_limit``; ``critical-alerts`` lists them by percentage, highest first;
* every other role may order by date, severity and status only. An explicit
  ``?ordering=percent_of_limit`` (or ``-percent_of_limit``, alone or in a list) is a 400
  with a field error on ``ordering`` (not silently ignored: a client must not believe its
  list is sorted by a value it cannot see). ``critical-alerts`` lists them by severity
  (emergency first), then newest first. The monitor's "% of limit" column is not sortable
  for them and ``?ordering=percent_of_limit`` in its URL falls back to the default order
  (Wagtail's behaviour for any order it does not offer).

The rule applies to every alert, not only exam-derived ones: ordering a mixed list by the
percentage would place the hidden rows among the visible ones.
"""
from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from .models import AlertSeverity
from .services.medical import MEDICAL_READERS

PERCENT_FIELD = "percent_of_limit"
#: ``?ordering=`` fields everyone may use (none of them reveals a hidden value).
PUBLIC_ORDERING_FIELDS = ("created_at", "severity", "status")
#: Emergency first; the rank used by ``alerts_by_urgency``.
SEVERITY_RANK = {AlertSeverity.EMERGENCY: 3, AlertSeverity.CRITICAL: 2, AlertSeverity.WARNING: 1}


def may_order_by_percent(role) -> bool:
    return role in MEDICAL_READERS


def alert_ordering_fields(role) -> list[str]:
    """The ``?ordering=`` fields of the alerts API for ``role``."""
    fields = ["created_at", PERCENT_FIELD, "severity", "status"]
    return fields if may_order_by_percent(role) else list(PUBLIC_ORDERING_FIELDS)


def requests_percent_ordering(ordering_param: str | None) -> bool:
    """Whether an ``?ordering=`` value asks for the percentage (``-`` and lists included)."""
    return any(term.strip().lstrip("-") == PERCENT_FIELD for term in (ordering_param or "").split(","))


def alerts_by_urgency(queryset, *, role):
    """The ``critical-alerts`` order: by percentage for medical readers; by severity rank
    (emergency first) then newest first for everybody else."""
    if may_order_by_percent(role):
        return queryset.order_by("-percent_of_limit", "-created_at")
    rank = Case(*[When(severity=severity, then=Value(value)) for severity, value in SEVERITY_RANK.items()],
                default=Value(0), output_field=IntegerField())
    return queryset.annotate(severity_rank=rank).order_by("-severity_rank", "-created_at")
