"""``process_occupational_health_events``: its modes, the regulatory flags without their
add-on, JobRun rows, idempotence, and the 02:00 job."""
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ohms_core import testing
from ohms_core.jobs import get_job, run_job
from ohms_core.models import JobRun

from .. import processors
from ..models import OverexposureAlert
from .factories import exam, exposure


def run(*args):
    out = StringIO()
    call_command("process_occupational_health_events", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def recent_results(org_a):
    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    exam(worker, exam_type="audiometry", exam_date=today - timedelta(days=3),
         results={"hearing_thresholds": {"right": {"4000": 45}}})  # 112.5 %: critical
    exposure(worker, exposure_type="cobalt", measured_level=Decimal("0.03"), exposure_limit=Decimal("0.02"),
             unit="mg/m³", measured_on=today - timedelta(days=10))  # 150 %, 10 days ago
    return worker


@pytest.mark.django_db
def test_check_recent_exams_with_days_window_is_idempotent(recent_results):
    out = run("--check-recent-exams", "--days", "7")
    assert "ALPHA: 1 results checked, 1 alerts raised" in out
    assert list(OverexposureAlert.objects.values_list("exposure_type", "severity")) == [("noise", "critical")]
    run_row = JobRun.objects.get(name="process_occupational_health_events:check-recent-exams")
    assert run_row.success and run_row.items_processed == 1 and run_row.finished_at
    out = run("--check-recent-exams", "--days", "14")  # the cobalt measurement enters the window
    assert OverexposureAlert.objects.filter(exposure_type="cobalt", severity="emergency").count() == 1
    assert "1 items produced" in out
    again = run("--check-recent-exams", "--days", "14")
    assert "0 items produced" in again and OverexposureAlert.objects.count() == 2
    assert JobRun.objects.filter(name__startswith="process_occupational_health_events").count() == 3


@pytest.mark.django_db
def test_regulatory_flags_without_the_addon_say_so(recent_results):
    if processors.get("generate-cnss-reports"):
        pytest.skip("the regulatory add-on registered its processors")
    out = run("--generate-cnss-reports", "--generate-drc-reports")
    assert "--generate-cnss-reports: nothing to run, the ohms_regulatory add-on is not installed." in out
    assert "--generate-drc-reports: nothing to run, the ohms_regulatory add-on is not installed." in out
    assert not OverexposureAlert.objects.exists()


@pytest.mark.django_db
def test_process_all_runs_every_registered_processor(recent_results):
    calls = []
    real = processors.get("generate-cnss-reports")  # the regulatory add-on's, when installed
    processors.register("generate-cnss-reports", lambda **kw: calls.append(kw["days"]) or 4, "ohms_regulatory",
                        "test stand-in")
    try:
        out = run("--process-all")
    finally:
        processors.unregister("generate-cnss-reports")
        if real is not None:  # put it back for the tests that follow
            processors.register(real.flag, real.func, real.addon, real.help)
    assert calls == [7]
    assert "--generate-cnss-reports: 4 items produced." in out and "Done: 5 items produced." in out
    assert OverexposureAlert.objects.count() == 1


@pytest.mark.django_db
def test_no_flag_or_bad_days_is_an_error():
    with pytest.raises(CommandError, match="--process-all"):
        run()
    with pytest.raises(CommandError):
        run("--check-recent-exams", "--days", "0")


@pytest.mark.django_db
def test_daily_job_at_two_runs_all_processors(recent_results):
    job = get_job("health_process_occupational_health_events")
    assert "02:00" in str(job.schedule_label)
    first = run_job("health_process_occupational_health_events")
    assert first.success and first.items_processed == 1
    second = run_job("health_process_occupational_health_events")
    assert second.success and second.items_processed == 0


@pytest.mark.django_db
def test_demo_alerts_cover_every_state_and_severity_and_are_idempotent(org_a, admin_a):
    import random

    from ohms_core.context import acting_as

    from ..demo import alerts as demo

    for _ in range(4):
        testing.make_worker(org_a)
    with acting_as(organization=org_a, user=admin_a, role="org_admin"):
        assert "9 overexposure alerts" in demo.load(organization=org_a, user=admin_a, rng=random.Random(1))
        assert "already present" in demo.load(organization=org_a, user=admin_a, rng=random.Random(1))
    pairs = set(OverexposureAlert.objects.values_list("status", "severity"))
    assert pairs == {(s, v) for s in ("active", "acknowledged", "resolved") for v in ("warning", "critical", "emergency")}
