"""ESG (SPEC 4.7): emissions = quantity x factor, totals per scope/site/year in few queries,
goal progress over comparable months, validation, roles, tenants and the dashboard."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ohms_core import testing

from .. import esg
from ..models import ActivityData, EmissionFactor, SustainabilityGoal

FACTORS = "/api/v1/regulatory/emission-factors/"
ACTIVITY = "/api/v1/regulatory/activity-data/"
GOALS = "/api/v1/regulatory/sustainability-goals/"
EMISSIONS = "/api/v1/regulatory/emissions/"


@pytest.fixture
def site_a(org_a):
    return testing.make_site(org_a, name="Concentrateur")


@pytest.fixture
def electricity(org_a):
    return EmissionFactor.objects.create(organization=org_a, resource_name="Electricity", unit="kWh",
                                         co2_factor=Decimal("0.4"), emission_scope="scope_2")


@pytest.fixture
def diesel(org_a):
    return EmissionFactor.objects.create(organization=org_a, resource_name="Diesel", unit="L",
                                         co2_factor=Decimal("2.68"), emission_scope="scope_1")


def _activity(factor, site, year, month, quantity):
    return ActivityData.objects.create(organization=factor.organization, factor=factor, site=site, year=year,
                                       month=month, quantity=Decimal(quantity))


@pytest.mark.django_db
def test_emissions_are_quantity_times_factor(client_a, electricity, site_a):
    """SPEC 4.7's example: 10,000 kWh x 0.4 = 4,000 kg CO2."""
    response = client_a.post(ACTIVITY, {"factor": str(electricity.pk), "site": str(site_a.pk), "year": 2026,
                                        "month": 3, "quantity": "10000"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["emissions_kg"] == "4000.000"
    assert response.json()["emission_scope"] == "scope_2"


@pytest.mark.django_db
def test_totals_per_scope_site_and_year(client_a, org_a, electricity, diesel, site_a):
    other_site = testing.make_site(org_a, name="Mine")
    _activity(electricity, site_a, 2026, 1, "10000")   # 4,000 kg scope 2
    _activity(diesel, site_a, 2026, 1, "1000")         # 2,680 kg scope 1
    _activity(diesel, other_site, 2026, 2, "500")      # 1,340 kg scope 1
    _activity(diesel, other_site, 2025, 2, "100")      # another year
    body = client_a.get(f"{EMISSIONS}?year=2026").json()
    assert body["by_scope"] == {"scope_1": "4020.000", "scope_2": "4000.000", "scope_3": "0.000"}
    assert body["total"] == "8020.000"
    assert [(row["site_name"], row["total"]) for row in body["by_site"]] == [
        ("Concentrateur", "6680.000"), ("Mine", "1340.000")]
    years = client_a.get(f"{EMISSIONS}by-year/?scope=scope_1").json()["years"]
    assert years == [{"year": 2025, "total": "268.000"}, {"year": 2026, "total": "4020.000"}]
    assert client_a.get(f"{EMISSIONS}?year=abc").status_code == 400
    assert client_a.get(f"{EMISSIONS}by-year/?scope=scope_9").status_code == 400


@pytest.mark.django_db
def test_a_corrected_factor_restates_the_figures(electricity, site_a, org_a):
    _activity(electricity, site_a, 2026, 1, "1000")
    assert esg.emissions_by_scope(org_a, year=2026)["scope_2"] == Decimal("400")
    electricity.co2_factor = Decimal("0.025")
    electricity.save()
    assert esg.emissions_by_scope(org_a, year=2026)["scope_2"] == Decimal("25")


@pytest.mark.django_db
def test_totals_take_a_fixed_number_of_queries(org_a, electricity, diesel, site_a):
    _activity(electricity, site_a, 2026, 1, "1")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            esg.emissions_by_scope(org_a, year=2026)
            esg.emissions_by_site(org_a, year=2026)
            esg.yearly_by_scope(org_a)
        return len(ctx.captured_queries)

    before = queries()
    for month in range(2, 13):
        _activity(electricity, site_a, 2026, month, "10")
        _activity(diesel, testing.make_site(org_a), 2026, month, "10")
    assert queries() == before == 3


@pytest.mark.django_db
def test_goal_progress_compares_the_same_months(org_a, electricity, site_a):
    for month in range(1, 13):
        _activity(electricity, site_a, 2023, month, "1000" if month <= 6 else "3000")  # 400 / 1,200 kg
    for month in range(1, 7):
        _activity(electricity, site_a, 2026, month, "800")  # 320 kg: -20 % on January-June
    goal = SustainabilityGoal.objects.create(organization=org_a, year=2026, baseline_year=2023,
                                             target_reduction_percentage=Decimal("15"))
    progress = esg.goals_progress(org_a)[0]
    assert progress.compared_year == 2026 and progress.months == [1, 2, 3, 4, 5, 6]
    assert progress.baseline_kg == Decimal("2400") and progress.current_kg == Decimal("1920")
    assert progress.reduction_percentage == Decimal("20.00")
    assert progress.on_track is True and progress.progress_percentage == Decimal("133.3")
    assert progress.target_kg == Decimal("2040.000")
    goal.target_reduction_percentage = Decimal("25")
    assert esg.goals_progress(org_a, [goal])[0].on_track is False


@pytest.mark.django_db
def test_goal_without_comparable_data_has_no_progress(org_a, electricity, site_a):
    _activity(electricity, site_a, 2026, 1, "800")
    SustainabilityGoal.objects.create(organization=org_a, year=2026, baseline_year=2023,
                                      target_reduction_percentage=Decimal("15"))
    progress = esg.goals_progress(org_a)[0]
    assert progress.has_data is False and progress.on_track is None


@pytest.mark.django_db
def test_goals_api_progress_and_query_count(client_a, org_a, electricity, diesel, site_a):
    _activity(electricity, site_a, 2023, 1, "1000")
    _activity(electricity, site_a, 2026, 1, "900")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client_a.get(GOALS)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["results"]

    SustainabilityGoal.objects.create(organization=org_a, year=2026, baseline_year=2023,
                                      target_reduction_percentage=Decimal("5"))
    one, rows = count()
    assert rows[0]["progress"]["reduction_percentage"] == "10.00" and rows[0]["progress"]["on_track"] is True
    for year in range(2027, 2037):
        SustainabilityGoal.objects.create(organization=org_a, year=year, baseline_year=2023,
                                          target_reduction_percentage=Decimal("10"))
    SustainabilityGoal.objects.create(organization=org_a, year=2026, baseline_year=2023, emission_scope="scope_2",
                                      target_reduction_percentage=Decimal("10"))
    many, rows = count()
    assert len(rows) == 12 and many <= one + 1  # one more query for the second scope only


@pytest.mark.django_db
def test_validation_errors(client_a, org_a, org_b, electricity, site_a):
    _activity(electricity, site_a, 2026, 1, "1")
    duplicate = client_a.post(ACTIVITY, {"factor": str(electricity.pk), "site": str(site_a.pk), "year": 2026,
                                         "month": 1, "quantity": "5"}, format="json")
    assert duplicate.status_code == 400
    bad_month = client_a.post(ACTIVITY, {"factor": str(electricity.pk), "site": str(site_a.pk), "year": 2026,
                                         "month": 13, "quantity": "5"}, format="json")
    assert bad_month.status_code == 400 and "month" in bad_month.json()["errors"]
    negative = client_a.post(FACTORS, {"resource_name": "Gas", "unit": "m3", "co2_factor": "-1",
                                       "emission_scope": "scope_1"}, format="json")
    assert negative.status_code == 400 and "co2_factor" in negative.json()["errors"]
    goal = client_a.post(GOALS, {"year": 2023, "baseline_year": 2023, "target_reduction_percentage": "10"},
                         format="json")
    assert goal.status_code == 400 and "baseline_year" in goal.json()["errors"]
    foreign = EmissionFactor.objects.create(organization=org_b, resource_name="X", unit="L", co2_factor=1,
                                            emission_scope="scope_1")
    response = client_a.post(ACTIVITY, {"factor": str(foreign.pk), "site": str(site_a.pk), "year": 2026,
                                        "month": 2, "quantity": "5"}, format="json")
    assert response.status_code == 400 and "factor" in response.json()["errors"]


@pytest.mark.django_db
def test_roles_and_tenants(org_a, client_b, electricity, site_a):
    safety = testing.token_client(testing.make_member(org_a, "safety_manager", "hse@alpha.test"), org_a)
    requester = testing.token_client(testing.make_member(org_a, "permit_requester", "req@alpha.test"), org_a)
    assert safety.post(ACTIVITY, {"factor": str(electricity.pk), "site": str(site_a.pk), "year": 2026,
                                  "month": 4, "quantity": "5"}, format="json").status_code == 201
    assert safety.post(FACTORS, {"resource_name": "Gas", "unit": "m3", "co2_factor": "2",
                                 "emission_scope": "scope_1"}, format="json").status_code == 403
    assert requester.get(EMISSIONS).status_code == 403
    assert client_b.get(f"{FACTORS}{electricity.pk}/").status_code == 404
    assert client_b.get(f"{EMISSIONS}?year=2026").json()["total"] == "0.000"


@pytest.mark.django_db
def test_dashboard(org_a, admin_a, client, electricity, diesel, site_a):
    for month in (1, 2):
        _activity(electricity, site_a, 2023, month, "1000")
        _activity(diesel, site_a, 2023, month, "100")
        _activity(electricity, site_a, 2026, month, "900")
    SustainabilityGoal.objects.create(organization=org_a, year=2026, baseline_year=2023,
                                      target_reduction_percentage=Decimal("5"))
    client.force_login(admin_a)
    page = client.get("/admin/regulatory/esg/?year=2026")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-card="scope_2"' in body and "<svg" in body and 'data-target-year="2026"' in body
    assert 'data-year="2023" data-scope="scope_1"' in body
    assert "ohms-esg-goal--ontrack" in body
    requester = testing.make_member(org_a, "permit_requester", "req@alpha.test")
    client.force_login(requester)
    denied = client.get("/admin/regulatory/esg/")  # Wagtail turns PermissionDenied into a redirect home
    assert denied.status_code == 302 and denied.url == "/admin/"
