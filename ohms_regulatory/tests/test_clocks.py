"""The statutory clocks (issue 12): escalations at 50 %, 90 % and expiry, once each, to the
compliance officers and org admins only; a submitted declaration stops its clock; the bell
and the dashboard count the same overdue declarations."""
from datetime import timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Notification

from ..models import ReportClockNotice
from ..reports_selectors import dashboard_counts
from ..services import clocks
from ..services import reports as svc
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(org_a):
    return f.enterprise(org_a)


def _notes(user):
    return list(Notification.objects.filter(user=user, event_type=clocks.CLOCK_EVENT).order_by("created_at"))


def test_escalations_at_50_90_and_expiry_once_each(org_a, org_b, ent, django_capture_on_commit_callbacks):
    officer = testing.make_member(org_a, "compliance_officer")
    admin = testing.make_member(org_a, "org_admin")
    bystanders = [testing.make_member(org_a, "safety_manager"), testing.make_member(org_b, "compliance_officer")]
    start = timezone.now() - timedelta(hours=1)
    report, _ = svc.drc_for_incident(f.incident(org_a, ent, severity="fatal", occurred_at=start))
    assert report.deadline_at == start + timedelta(hours=24)

    def run(hours):
        with django_capture_on_commit_callbacks(execute=True):
            return clocks.clocks_check(now=start + timedelta(hours=hours))

    assert run(11).notified == 0  # 46 %
    assert run(12).notified == 1  # 50 %
    assert run(13).notified == 0  # again: nothing
    assert [n.data["level"] for n in _notes(officer)] == ["50"]
    assert run(21.6).notified == 1  # 90 %
    assert run(22).notified == 0
    assert run(24).notified == 1  # expired
    assert run(30).notified == 0
    for user in (officer, admin):
        assert [n.data["level"] for n in _notes(user)] == ["50", "90", "expired"]
        assert report.reference_number in _notes(user)[-1].title
    for user in bystanders:
        assert _notes(user) == []
    assert ReportClockNotice.objects.filter(report_id=report.pk).count() == 3


def test_a_late_first_run_sends_only_the_highest_level(org_a, ent, django_capture_on_commit_callbacks):
    officer = testing.make_member(org_a, "compliance_officer")
    start = timezone.now() - timedelta(hours=1)
    svc.cnss_for_incident(f.incident(org_a, ent, severity="severe", occurred_at=start))
    with django_capture_on_commit_callbacks(execute=True):
        clocks.clocks_check(now=start + timedelta(hours=47))  # 98 % of 48 h
    assert [n.data["level"] for n in _notes(officer)] == ["90"]


def test_submitted_declaration_stops_its_clock(org_a, ent, django_capture_on_commit_callbacks):
    officer = testing.make_member(org_a, "compliance_officer")
    start = timezone.now() - timedelta(hours=1)
    report, _ = svc.drc_for_incident(f.incident(org_a, ent, severity="fatal", occurred_at=start))
    with acting_as(user=officer, organization=org_a, role="compliance_officer"):
        report = svc.report_transition(instance=report, name="mark_ready", user=officer)
        svc.report_transition(instance=report, name="submit", user=officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert clocks.clocks_check(now=start + timedelta(hours=30)).notified == 0
    assert _notes(officer) == []


def test_bell_and_dashboard_agree_on_overdue(org_a, ent, django_capture_on_commit_callbacks):
    officer = testing.make_member(org_a, "compliance_officer")
    now = timezone.now()
    for hours in (30, 50, 2):
        svc.drc_for_incident(f.incident(org_a, ent, severity="fatal", occurred_at=now - timedelta(hours=hours)))
    with django_capture_on_commit_callbacks(execute=True):
        clocks.clocks_check(now=now)
    expired = [n for n in _notes(officer) if n.data["level"] == "expired"]
    counts = dashboard_counts(organization=org_a, now=now)
    assert counts["overdue"] == len(expired) == 2
    assert counts["open"] == 3


def test_the_job_runs_the_clock(org_a, ent):
    from ..tasks import declaration_clocks

    testing.make_member(org_a, "compliance_officer")
    svc.drc_for_incident(f.incident(org_a, ent, severity="fatal", occurred_at=timezone.now() - timedelta(hours=13)))
    assert declaration_clocks() == 1
    assert declaration_clocks() == 0
