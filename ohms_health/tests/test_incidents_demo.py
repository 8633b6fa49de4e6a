"""The incidents demo loader: every state, two enterprises, two diseases, idempotent."""
import random

import pytest

from ohms_core import testing
from ohms_core.context import acting_as

from ..demo.incidents import load
from ..models import Incident, OccupationalDisease


@pytest.mark.django_db
def test_demo_covers_every_state_and_is_idempotent(org_a, admin_a):
    for _ in range(2):
        enterprise = testing.make_enterprise(org_a)
        for _ in range(3):
            testing.make_worker(org_a, enterprise=enterprise)
    with acting_as(organization=org_a, user=admin_a):
        summary = load(organization=org_a, user=admin_a, rng=random.Random(1))
        assert summary == "Health demo: 6 incidents, 2 occupational diseases."
        assert set(Incident.objects.values_list("status", flat=True)) == {"reported", "investigating",
                                                                          "actions_open", "closed"}
        assert Incident.objects.values("enterprise").distinct().count() == 2
        assert {"fatal", "severe", "lost_time", "first_aid"} <= set(Incident.objects.values_list("severity", flat=True))
        assert set(OccupationalDisease.objects.values_list("agent", flat=True)) == {"silica dust", "noise"}
        assert "already present" in load(organization=org_a, user=admin_a, rng=random.Random(1))
    assert Incident.objects.count() == 6
