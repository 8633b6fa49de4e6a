"""Factories of the regulatory tests: an enterprise with its CNSS number, incidents, diseases."""
from datetime import timedelta

from django.utils import timezone

from ohms_core import testing
from ohms_health.models import Incident, OccupationalDisease


def enterprise(org, **kw):
    kw.setdefault("name", "Kamoto Copper Company")
    kw.setdefault("cnss_employer_number", "CNSS-EMP-042517")
    return testing.make_enterprise(org, **kw)


def incident(org, ent, *, severity="fatal", occurred_at=None, workers=(), **kw):
    data = {"occurred_at": occurred_at or timezone.now() - timedelta(hours=2), "severity": severity,
            "location": "Fosse KOV, banc 3", "description": "Chute de pierre"}
    data.update(kw)
    row = Incident.objects.create(organization=org, enterprise=ent, **data)
    row.workers.set(workers)
    return row


def disease(org, worker, *, diagnosed_on=None, **kw):
    data = {"disease": "Silicose", "agent": "silica dust", "diagnosed_on": diagnosed_on or timezone.localdate(),
            "is_occupational": True}
    data.update(kw)
    return OccupationalDisease.objects.create(organization=org, worker=worker, **data)
