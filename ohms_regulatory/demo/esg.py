"""Demo ESG figures: four emission factors (grid electricity, diesel, explosives, contracted
ore haulage), monthly activity of the sites for the baseline year 2023 and the last two
years, and two goals (total -15 % in 2026 against 2023, scope 2 -25 % in 2027)."""
from decimal import Decimal

from django.utils import timezone

from ohms_core.models import Site
from ohms_core.services.records import record_create

from ..models import ActivityData, EmissionFactor, SustainabilityGoal

FACTORS = [
    # resource, unit, kg CO2e per unit, scope, source, monthly quantity at the largest site in 2023
    ("Électricité réseau (SNEL)", "kWh", "0.025", "scope_2", "SNEL, mix hydroélectrique 2023", 4_200_000),
    ("Gazole (engins miniers)", "L", "2.68", "scope_1", "GIEC 2006, combustion mobile", 310_000),
    ("Explosifs (ANFO)", "t", "170", "scope_1", "Facteur fournisseur", 95),
    ("Transport du minerai sous-traité", "t.km", "0.105", "scope_3", "DEFRA 2023, poids lourds", 1_800_000),
]


def load(*, organization, user, rng) -> str:
    if EmissionFactor.objects.filter(organization=organization).exists():
        return "Regulatory demo: ESG figures already present."
    sites = list(Site.objects.filter(organization=organization).order_by("name"))[:2]
    if not sites:
        return "Regulatory demo: no site, no ESG figures."
    today = timezone.localdate()
    factors = [(record_create(model=EmissionFactor, organization=organization, user=user, data={
        "resource_name": name, "unit": unit, "co2_factor": Decimal(factor), "emission_scope": scope,
        "source": source, "owner": user}), base) for name, unit, factor, scope, source, base in FACTORS]
    rows = []
    # The baseline year, then the last two years up to last month, a little less each year.
    periods = [(2023, m) for m in range(1, 13)]
    for year in (today.year - 1, today.year):
        last = 12 if year < today.year else today.month - 1
        periods += [(year, m) for m in range(1, last + 1)]
    for factor, base in factors:
        for index, site in enumerate(sites):
            share = Decimal("1") if index == 0 else Decimal("0.35")
            for year, month in periods:
                trend = Decimal("1") - Decimal("0.06") * (year - 2023)
                noise = Decimal(str(round(rng.uniform(0.92, 1.08), 3)))
                rows.append(record_create(model=ActivityData, organization=organization, user=user, data={
                    "factor": factor, "site": site, "year": year, "month": month,
                    "quantity": (Decimal(base) * share * trend * noise).quantize(Decimal("1"))}))
    record_create(model=SustainabilityGoal, organization=organization, user=user, data={
        "year": 2026, "baseline_year": 2023, "target_reduction_percentage": Decimal("15"), "owner": user})
    record_create(model=SustainabilityGoal, organization=organization, user=user, data={
        "year": 2027, "baseline_year": 2023, "target_reduction_percentage": Decimal("25"),
        "emission_scope": "scope_2", "owner": user})
    return f"Regulatory demo: {len(factors)} emission factors, {len(rows)} monthly figures, 2 goals."
