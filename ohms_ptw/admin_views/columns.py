"""Listing columns of the PTW screens (badge prefixes keep permit statuses, risk levels and
point statuses from sharing a colour class by accident)."""
from ohms_core.admin_views.columns import BadgeColumn


def StatusColumn(**kwargs):  # noqa: N802 (reads like a class in list_display)
    return BadgeColumn("status", prefix="ptw-status-", **kwargs)


def RiskColumn(name="risk_level", **kwargs):  # noqa: N802
    return BadgeColumn(name, prefix="ptw-risk-", **kwargs)


def DateTimeColumn(name, **kwargs):  # noqa: N802
    """An absolute local date and time (planned times are in the future: no "x ago")."""
    from django.utils import formats, timezone

    from ohms_core.admin_views.columns import Column

    def value(instance):
        moment = getattr(instance, name)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""

    kwargs.setdefault("sort_key", name)
    return Column(name, accessor=value, **kwargs)
