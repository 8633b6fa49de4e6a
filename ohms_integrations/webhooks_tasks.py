"""Webhook jobs (thin: each calls a service): the after-commit send task and the periodic
sender of due deliveries (first tries whose task was lost, and retries)."""
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from ohms_core.jobs import crontab, periodic_job


@db_task()
def webhook_deliveries_send_task(delivery_ids):
    from .services.webhooks import deliveries_send_due

    return deliveries_send_due(ids=delivery_ids)


@periodic_job("integrations_webhooks_send_due", schedule=crontab(minute="*"), schedule_label=_("every minute"),
              addon="ohms_integrations", label=_("Send due webhook deliveries and retries"))
def webhooks_send_due():
    """Deliveries whose next attempt is due: retries (5 s, 5 min, 30 min, 2 h, 5 h, 10 h) and lost first tries."""
    from .services.webhooks import deliveries_send_due

    return deliveries_send_due()
