"""Factories of the regulatory tests: an enterprise with its CNSS number, incidents, diseases, policy pages."""
from __future__ import annotations

import datetime
from datetime import timedelta

from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_health.models import Incident, OccupationalDisease

from ..models import PolicyPage
from ..services.policies import policy_create, policy_index_for, policy_tree_setup


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


BODY = [
    ("heading", "Scope"),
    ("paragraph", "<p>Applies to every person on site.</p>"),
    ("list", {"ordered": False, "items": ["Wear a helmet", "Wear boots"]}),
    ("key_rule", {"title": "Stop work", "text": "Anyone may stop unsafe work."}),
]


def policy_tree(organization):
    with acting_as(organization=organization):
        policy_tree_setup(organization=organization)
    return policy_index_for(organization)


def make_policy(organization, *, title=None, user=None, **fields) -> PolicyPage:
    """A draft policy of ``organization`` (its tree created when missing)."""
    index = policy_index_for(organization) or policy_tree(organization)
    n = next(testing._seq)
    fields.setdefault("effective_date", datetime.date.today())
    fields.setdefault("review_date", datetime.date.today() + datetime.timedelta(days=365))
    return policy_create(index=index, title=title or f"Policy {n}", slug=f"policy-{n}", user=user, body=BODY, **fields)


def make_live_policy(organization, **kwargs) -> PolicyPage:
    """A published policy (version 1), published directly as the system would."""
    page = make_policy(organization, **kwargs)
    page.get_latest_revision().publish()
    page.refresh_from_db()
    return page
