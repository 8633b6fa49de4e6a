"""The visitors demo: loads through the services on a minimal demo organization, idempotent."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ohms_core import testing

from ..models import AccessLog, ShiftHandover, SiteNDA, VisitorInvite
from ..states import InviteStatus


@pytest.mark.django_db
def test_visitors_demo_loads_every_state_once():
    org = testing.make_organization("SMK")
    get_user_model().objects.create_superuser("admin@ohms.demo", "admin@ohms.demo", "x")
    testing.make_site(org, name="Concentrateur de Kolwezi")
    call_command("ohms_visitors_demo")
    call_command("ohms_visitors_demo")
    assert SiteNDA.objects.filter(organization=org, is_current=True, language="fr").count() == 1
    statuses = set(VisitorInvite.objects.filter(organization=org).values_list("status", flat=True))
    assert statuses == {InviteStatus.INVITED, InviteStatus.CHECKED_IN, InviteStatus.CHECKED_OUT,
                        InviteStatus.CANCELLED, InviteStatus.NO_SHOW}
    assert AccessLog.objects.filter(organization=org, invite__isnull=True).count() == 3
    assert ShiftHandover.objects.filter(organization=org, acknowledged_at__isnull=True).count() == 1
