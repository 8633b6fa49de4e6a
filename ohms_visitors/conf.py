"""Settings of the visitors add-on, with their defaults (override in Django settings)."""
from django.conf import settings

DEFAULTS = {
    # A visitor may be checked in this many minutes before the expected arrival (early
    # arrivals are common at a mine gate: a bus, a convoy) ...
    "VISITORS_EARLY_CHECK_IN_MINUTES": 120,
    # ... and until the expected departure plus this grace. After it the invite is stale
    # and the no-show job closes it.
    "VISITORS_LATE_CHECK_IN_MINUTES": 60,
}


def visitors_setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
