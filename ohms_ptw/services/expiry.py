"""T11: permits past their planned end expire (job every 10 minutes)."""
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Permit
from ..states import PermitStatus
from .workflow import permit_transition


def permits_expire_overdue(*, now=None) -> int:
    now = now or timezone.now()
    overdue = Permit.objects.filter(
        status__in=(PermitStatus.APPROVED, PermitStatus.ACTIVE, PermitStatus.SUSPENDED), planned_end_time__lt=now
    ).select_related("permit_type").order_by("planned_end_time")
    count = 0
    for permit in overdue.iterator(chunk_size=200):
        permit_transition(instance=permit, name="expire", user=None, system=True,
                          comment=_("Planned end passed without completion."))
        count += 1
    return count
