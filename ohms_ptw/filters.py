"""The canonical permit filter (SPEC 2.11): one FilterSet for the API permit list, the admin
permit list, the KPIs and the dashboard, and for exports and reports.

Why one: the admin and the API had two filtersets that disagreed (the API refused
``status=active,draft`` that the admin accepted); a dashboard card's link, a shared admin
link and an API call with the same querystring now select the same permits.

Parameters (all optional, combinable):

- ``status``: one status or several, comma-separated (``status=active,draft``) or repeated;
- ``project``, ``permit_type`` (ids), ``permit_category``, ``risk_level``, ``priority``;
- ``created_by``, ``issuer``, ``verifier``, ``approver`` (user ids of the organization);
- ``date_from`` / ``date_to``: ``created_at`` bounds, a date (whole day, inclusive) or an
  ISO date-time; ``planned_from`` / ``planned_to``: the same on ``planned_start_time``;
- ``search``: part of the permit number, title or location;
- ``kpi``: the permits behind a KPI (``open``, ``overdue``, ``overdue_verification``,
  ``overdue_approval``, ``expiring_soon``, ``isolation_pending``, ``closeout_pending``;
  definitions in ``ohms_ptw.kpis``);
- ``ordering``: ``created_at``, ``planned_start_time``, ``planned_end_time``,
  ``permit_number``, ``risk_level``, ``status`` (``-`` for descending).

An invalid value is a form error per field (the API answers 400 with them). Another
organization's id is invalid exactly like an id that does not exist
(``ohms_core.scoping.scope_filterset``). Outside a DRF view, use ``filter_permits``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core.models import Project
from ohms_core.scoping import scope_filterset

from . import kpis
from .models import Permit, PermitAudit, PermitType
from .states import PermitCategory, PermitStatus, Priority, RiskLevel

ORDERING_FIELDS = ("created_at", "planned_start_time", "planned_end_time", "permit_number", "risk_level", "status")
KPI_CHOICES = (
    ("open", _("Open")), ("overdue", _("Overdue")), ("overdue_verification", _("Overdue verification")),
    ("overdue_approval", _("Overdue approval")), ("expiring_soon", _("Expiring soon")),
    ("isolation_pending", _("Isolation pending")), ("closeout_pending", _("Closeout pending")),
)


class CommaMultipleChoiceField(django_filters.fields.MultipleChoiceField):
    """``?status=a&status=b`` (the filter form) and ``?status=a,b`` (shared links, the API)."""

    def to_python(self, value):
        return [part.strip() for item in super().to_python(value) for part in str(item).split(",") if part.strip()]


class CommaMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaMultipleChoiceField


class DateOrDateTimeField(forms.DateTimeField):
    """A date (``2026-01-15``: the whole day) or an ISO date-time; a date stays a ``date`` so
    the filter can make ``date_to`` inclusive of that day."""

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) == 10:
            return forms.DateField().to_python(value.strip())
        return super().to_python(value)


class DateBoundFilter(django_filters.Filter):
    field_class = DateOrDateTimeField

    def __init__(self, *args, upper=False, **kwargs):
        self.upper = upper
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if isinstance(value, date) and not isinstance(value, datetime):
            start = timezone.make_aware(datetime.combine(value, time.min))
            if self.upper:  # the whole day is included
                return qs.filter(**{f"{self.field_name}__lt": start + timedelta(days=1)})
            return qs.filter(**{f"{self.field_name}__gte": start})
        return qs.filter(**{f"{self.field_name}__{'lte' if self.upper else 'gte'}": value})


def _users(request=None):
    return get_user_model().objects.all()


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


class PermitFilter(django_filters.FilterSet):
    status = CommaMultipleChoiceFilter(label=_("Status"), choices=PermitStatus.choices,
                                       widget=forms.CheckboxSelectMultiple)
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=Project.objects.all())
    permit_type = django_filters.ModelChoiceFilter(label=_("Permit type"), queryset=PermitType.objects.all())
    permit_category = django_filters.ChoiceFilter(label=_("Category"), field_name="permit_type__category",
                                                  choices=PermitCategory.choices)
    risk_level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices)
    created_by = django_filters.ModelChoiceFilter(label=_("Created by"), queryset=_users)
    issuer = django_filters.ModelChoiceFilter(label=_("Issuer"), queryset=_users)
    verifier = django_filters.ModelChoiceFilter(label=_("Verifier"), queryset=_users)
    approver = django_filters.ModelChoiceFilter(label=_("Approver"), queryset=_users)
    date_from = DateBoundFilter(label=_("Created from"), field_name="created_at", widget=_date_widget())
    date_to = DateBoundFilter(label=_("Created until"), field_name="created_at", upper=True, widget=_date_widget())
    planned_from = DateBoundFilter(label=_("Planned start from"), field_name="planned_start_time", widget=_date_widget())
    planned_to = DateBoundFilter(label=_("Planned start until"), field_name="planned_start_time", upper=True,
                                 widget=_date_widget())
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kpi = django_filters.ChoiceFilter(label=_("Indicator"), choices=KPI_CHOICES, method="filter_kpi")
    ordering = django_filters.OrderingFilter(label=_("Ordering"), fields=ORDERING_FIELDS)

    class Meta:
        model = Permit
        fields = ["status", "project", "permit_type", "permit_category", "risk_level", "priority", "created_by",
                  "issuer", "verifier", "approver"]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(permit_number__icontains=value) | Q(title__icontains=value) | Q(location__icontains=value))

    def filter_kpi(self, queryset, name, value):
        return queryset.filter(kpis.KPI_CONDITIONS[value](timezone.now())) if value else queryset


class PermitAuditFilter(django_filters.FilterSet):
    """SPEC 2.11's ``PermitAuditFilter`` for ``permit-audits/``: the permit, the action (one or
    several, comma-separated), the user and a time window (dates or ISO date-times, as above)."""

    action = django_filters.BaseInFilter(label=_("Action"), field_name="action")
    date_from = DateBoundFilter(label=_("From"), field_name="timestamp")
    date_to = DateBoundFilter(label=_("Until"), field_name="timestamp", upper=True)

    class Meta:
        model = PermitAudit
        fields = ["permit", "action", "user"]


class PermitFilterError(Exception):
    """Invalid filter values; ``errors`` maps each parameter to its messages."""

    def __init__(self, errors):
        super().__init__(str(errors))
        self.errors = errors


def filter_permits(queryset, params, *, request=None, organization=None):
    """``queryset`` (already scoped) filtered by ``params`` (a QueryDict or a dict, e.g. an
    export's ``filters`` payload) through the canonical filter, its choices scoped.
    Raises ``PermitFilterError`` on an invalid value."""
    if params is not None and not hasattr(params, "getlist"):
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for key, value in params.items():
            if isinstance(value, (list, tuple)):
                query.setlist(key, [str(v) for v in value])
            elif value is not None:
                query[key] = str(value)
        params = query
    kwargs = {"data": params, "queryset": queryset, "request": request}
    filterset = PermitFilter(**kwargs)
    filterset = scope_filterset(filterset, request, **({"organization": organization} if organization else {}))
    if not filterset.is_valid():
        raise PermitFilterError(filterset.errors.get_json_data() and {
            field: [e["message"] for e in errors] for field, errors in filterset.errors.get_json_data().items()})
    return filterset.qs


__all__ = ["PermitAuditFilter", "PermitFilter", "PermitFilterError", "filter_permits"]
