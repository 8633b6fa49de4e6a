"""PPE compliance screen: a missed target ("No") is at least as prominent as a met one —
the warning badge in the same shape and weight as "Yes" (issue 8 follow-up)."""
import re

import pytest
from django.test import Client

from ohms_core import testing

from .factories import ppe_item, ppe_record

COMPLIANCE = "/admin/health/ppe-compliance/"
pytestmark = pytest.mark.django_db


def test_target_missed_wears_the_warning_badge(org_a, admin_a):
    good = testing.make_worker(org_a, enterprise=testing.make_enterprise(org_a, name="Toujours Conforme"))
    bad = testing.make_worker(org_a, enterprise=testing.make_enterprise(org_a, name="Jamais Conforme"))
    ppe_record(ppe_item(good), "compliant")
    ppe_record(ppe_item(bad), "damaged")
    client = Client()
    assert client.login(username=admin_a.username, password="pass-1234-word")
    html = client.get(COMPLIANCE).content.decode()
    rows = {name: re.search(rf"{name}.*?</tr>", html, re.S).group(0) for name in ("Toujours", "Jamais")}
    assert 'class="w-status w-status--primary" data-target-met="yes"' in rows["Toujours"]
    no = re.search(r'<span class="([^"]+)" data-target-met="no"[^>]*>', rows["Jamais"])
    assert no, rows["Jamais"]
    assert no.group(1) == "w-status ohms-badge--health-alert-warning"  # the warning style
    assert "w-status--label" not in html  # the old, faint "No"
    # The overall row (1 of 2 compliant: target missed) uses the same badge.
    overall = re.search(r"All enterprises.*?</tr>", html, re.S).group(0)
    assert 'data-target-met="no"' in overall
