"""Safety alerts that never depend on configuration."""
from django.utils.translation import gettext as _

from ohms_core.services.notifications import link_for, notification_create


def notify_gas_unsafe(event) -> int:
    """An unsafe gas reading always alerts the issuer and the area in-charge (event subscriber)."""
    from django.contrib.auth import get_user_model

    data = event.data
    users = get_user_model().objects.filter(pk__in=data.get("recipients", []), is_active=True)
    title = _("UNSAFE GAS on %(permit)s: %(gas)s %(value)s %(unit)s") % {
        "permit": data.get("permit_number", ""), "gas": data.get("gas"), "value": data.get("value"), "unit": data.get("unit", "")}
    created = 0
    for user in users:
        if notification_create(user=user, event=event, title=title[:255], per_event=True, link=link_for(event.target, user, event),
                               message=_("Active permits are suspended. Evacuate and ventilate before re-testing.")):
            created += 1
    return created
