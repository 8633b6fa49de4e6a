"""Lower a throttle rate for one test, the way a deployment sets it.

DRF's ``api_settings`` is reloaded when ``REST_FRAMEWORK`` changes (``setting_changed``)
and ``ohms_ptw.throttles`` reads the rate from it on every request; patching
``SimpleRateThrottle.THROTTLE_RATES`` instead would touch a dict DRF copied at import.
The throttle counters live in the cache: cleared before and after, so a test neither
inherits nor leaves spent allowances (user ids repeat between tests).
"""
from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings


@contextmanager
def throttle_rates(**rates):
    config = {**settings.REST_FRAMEWORK,
              "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}}
    cache.clear()
    try:
        with override_settings(REST_FRAMEWORK=config):
            yield
    finally:
        cache.clear()
