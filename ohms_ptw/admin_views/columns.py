"""Listing columns of the PTW screens."""
from ohms_core.admin_views.columns import BadgeColumn


class PrefixedBadgeColumn(BadgeColumn):
    """A coloured badge whose CSS modifier is ``<prefix><value>`` (e.g. ``ptw-status-active``),
    so permit statuses, risk levels and point statuses never share a colour class by accident."""

    def __init__(self, name, prefix="", **kwargs):
        super().__init__(name, **kwargs)
        self.prefix = prefix

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["modifier"] = f"{self.prefix}{context['modifier']}"
        return context


def StatusColumn(**kwargs):  # noqa: N802 (reads like a class in list_display)
    return PrefixedBadgeColumn("status", prefix="ptw-status-", **kwargs)


def RiskColumn(name="risk_level", **kwargs):  # noqa: N802
    return PrefixedBadgeColumn(name, prefix="ptw-risk-", **kwargs)


def DateTimeColumn(name, **kwargs):  # noqa: N802
    """An absolute local date and time (planned times are in the future: no "x ago")."""
    from django.utils import formats, timezone
    from wagtail.admin.ui.tables import Column

    def value(instance):
        moment = getattr(instance, name)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""

    kwargs.setdefault("sort_key", name)
    return Column(name, accessor=value, **kwargs)
