"""PPE in the risk score (SPEC 3.2): "PPE compliance 0-15" (exposure) and "PPE
non-compliance records +5 each" (compliance), worked examples, from records in few queries."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing

from ..models import RiskSettings
from ..scoring import WorkerFacts, ppe_compliance_points, score
from ..services.risk import calculate_profile, gather_facts
from .factories import ppe_item, ppe_record

SEED = RiskSettings()


@pytest.mark.parametrize(("checks", "bad", "points"), [
    (0, 0, "0"), (4, 0, "0"), (4, 1, "3.75"), (3, 1, "5.00"), (4, 4, "15.00"), (7, 2, "4.29")])
def test_ppe_compliance_points_scale_with_the_non_compliant_share(checks, bad, points):
    assert ppe_compliance_points(WorkerFacts(ppe_checks=checks, ppe_noncompliance=bad), SEED) == Decimal(points)


def test_worked_example_with_ppe():
    # Age 40 (20) + fit (0) = health 20. Exposure: 2 exposures x8 = 16 + 7 years (15) + PPE 15 x 2/5 = 6
    # -> 37. Compliance: 2 non-compliance records x5 = 10. Overall 20x0.30 + 37x0.35 + 10x0.35 = 6 + 12.95
    # + 3.5 = 22.45 (low).
    facts = WorkerFacts(age=40, fitness_status="fit", recent_exposures=2, years_employed=7, ppe_checks=5,
                        ppe_noncompliance=2)
    result = score(facts, SEED)
    assert (result.health, result.exposure, result.compliance) == (Decimal(20), Decimal(37), Decimal(10))
    assert result.overall == Decimal("22.45") and result.level == "low"


def test_ppe_points_are_configurable():
    settings = RiskSettings(ppe_compliance_points=30, ppe_noncompliance_points=10)
    facts = WorkerFacts(ppe_checks=2, ppe_noncompliance=1)
    assert ppe_compliance_points(facts, settings) == Decimal("15.00")
    assert score(facts, settings).compliance == Decimal(10)


@pytest.mark.django_db
def test_profile_counts_the_workers_own_checks_of_the_last_twelve_months(org_a):
    hire = date(timezone.localdate().year - 7, 1, 1)
    worker = testing.make_worker(org_a, date_of_birth=date(1990, 1, 1), hire_date=hire)
    colleague = testing.make_worker(org_a, enterprise=worker.enterprise)
    item = ppe_item(worker)
    now = timezone.now()
    for status in ("compliant", "compliant", "damaged", "non_compliant"):
        ppe_record(item, status, checked_at=now - timedelta(days=3))
    ppe_record(item, "lost", checked_at=now - timedelta(days=400))  # older than a year: ignored
    other = ppe_item(colleague)
    ppe_record(other, "lost")  # the colleague's: not counted for the worker
    facts = gather_facts([worker, colleague])[worker.pk]
    assert (facts.ppe_checks, facts.ppe_noncompliance) == (4, 2)
    profile = calculate_profile(worker=worker)
    # exposure 15 (7 years) + 15 x 2/4 = 22.50; compliance 2 x 5 = 10
    assert profile.exposure_risk_score == Decimal("22.50")
    assert profile.compliance_risk_score == Decimal(10)


@pytest.mark.django_db
def test_ppe_facts_add_one_query_whatever_the_number_of_workers(org_a):
    workers = [testing.make_worker(org_a) for _ in range(6)]
    for worker in workers:
        ppe_record(ppe_item(worker), "damaged")
    with CaptureQueriesContext(connection) as few:
        gather_facts(workers[:1])
    with CaptureQueriesContext(connection) as many:
        facts = gather_facts(workers)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert all(f.ppe_noncompliance == 1 for f in facts.values())
