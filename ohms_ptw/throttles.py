"""Rate limits of the permit-to-work endpoints (SPEC 5.3).

One ``UserRateThrottle`` subclass per scope, counted per user (the scope is in the cache
key, so an export does not spend the KPI allowance). The rate is read from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`` when the request is throttled, not at
import: DRF copies the rates onto ``SimpleRateThrottle.THROTTLE_RATES`` once, when the
module is imported, so a class-level read would miss a deployment's or a test's
``override_settings`` (``api_settings`` itself is reloaded on ``setting_changed``). A site
whose ``REST_FRAMEWORK`` does not name the scope falls back to the plain Django setting
(``PTW_KPI_RATE``...) and then to the SPEC default. Over the limit DRF answers 429 with
``Retry-After`` (seconds).

``ActionThrottlesMixin`` adds the scope of an action to the throttles the view already
has (the site's ``DEFAULT_THROTTLE_CLASSES``), so a viewset opts in by naming actions.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class PTWRateThrottle(UserRateThrottle):
    """Base: ``scope``, the Django setting naming its rate, and the SPEC default."""

    scope = ""
    setting = ""
    default_rate = ""

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if rates.get(self.scope):
            return rates[self.scope]
        return getattr(settings, self.setting, None) or self.default_rate


class PTWKpiThrottle(PTWRateThrottle):
    scope, setting, default_rate = "ptw_kpi", "PTW_KPI_RATE", "120/min"


class PTWBulkExportThrottle(PTWRateThrottle):
    scope, setting, default_rate = "ptw_bulk_export", "PTW_BULK_EXPORT_RATE", "5/hour"


class PTWSyncThrottle(PTWRateThrottle):
    """For ``sync-offline-data`` (``api/sync.py``): counted per user and device (SPEC 5.3
    "per user (+ device_id)"), so a crew sharing one account on two tablets does not
    spend one allowance. The device is the body's ``device_id`` or ``X-Device-Id``."""

    scope, setting, default_rate = "ptw_sync", "PTW_SYNC_RATE", "60/min"

    def get_cache_key(self, request, view):
        key = super().get_cache_key(request, view)
        if key is None:
            return None
        data = getattr(request, "data", None)
        device = (data.get("device_id") if isinstance(data, dict) else None) or request.headers.get("X-Device-Id", "")
        return f"{key}_{str(device or '').strip()[:100]}"


#: Permit viewset actions -> the throttles they add (SPEC 5.3 "Applied to").
PERMIT_ACTION_THROTTLES = {
    "kpis": (PTWKpiThrottle,),
    "bulk_export_pdf": (PTWBulkExportThrottle,),
    "bulk_export_excel": (PTWBulkExportThrottle,),
}


class ActionThrottlesMixin:
    """``action_throttles = {action: (ThrottleClass, ...)}`` on a viewset: those throttles
    run on top of the site's defaults for that action only."""

    action_throttles: dict = {}

    def get_throttles(self):
        extra = self.action_throttles.get(getattr(self, "action", None), ())
        return [*super().get_throttles(), *(throttle() for throttle in extra)]


__all__ = ["PERMIT_ACTION_THROTTLES", "ActionThrottlesMixin", "PTWBulkExportThrottle", "PTWKpiThrottle",
           "PTWRateThrottle", "PTWSyncThrottle"]
