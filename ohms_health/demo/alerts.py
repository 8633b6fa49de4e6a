"""Demo overexposure alerts: every state (active, acknowledged, resolved) at every severity
(warning, critical, emergency), each raised from its own exposure measurement through the
services (so events, history and the emergency notifications are real). Idempotent.

The emergency alerts that stay open make their workers unfit, so they go to the last
workers by employee number, away from the permit demo's crews.
"""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ohms_core.models import Worker
from ohms_core.services.records import record_create

from ..models import Exposure, OverexposureAlert
from ..services.alerts import alert_acknowledge, alert_create, alert_resolve

#: (exposure type, unit, limit, measured, state)
PLAN = [
    ("noise", "dB(A)", "85", "72", "active"),  # 84.7 %: warning
    ("silica dust", "mg/m³", "0.05", "0.055", "active"),  # 110 %: critical
    ("noise", "dB(A)", "85", "104", "active"),  # 122.4 %: emergency
    ("cobalt", "mg/m³", "0.02", "0.018", "acknowledged"),  # 90 %: warning
    ("noise", "dB(A)", "85", "92", "acknowledged"),  # 108.2 %: critical
    ("silica dust", "mg/m³", "0.05", "0.07", "acknowledged"),  # 140 %: emergency
    ("silica dust", "mg/m³", "0.05", "0.042", "resolved"),  # 84 %: warning
    ("cobalt", "mg/m³", "0.02", "0.024", "resolved"),  # 120 %: critical
    ("noise", "dB(A)", "85", "110", "resolved"),  # 129.4 %: emergency
]
RESOLUTIONS = ["Bouchons d'oreille remplacés par des casques anti-bruit.",
               "Aspiration du concasseur réparée ; mesure de contrôle conforme.",
               "Travailleur réaffecté à l'atelier ; audiogramme de contrôle stable."]


def load(*, organization, user, rng) -> str:
    if OverexposureAlert.all_objects.filter(organization=organization).exists():
        return "Health demo: overexposure alerts already present."
    workers = list(Worker.objects.filter(organization=organization).order_by("-employee_number")[:len(PLAN)])
    if not workers:
        return "Health demo: no workers, no overexposure alerts."
    today = timezone.localdate()
    created = 0
    for index, (kind, unit, limit, measured, state) in enumerate(PLAN):
        worker = workers[index % len(workers)]
        measurement = record_create(model=Exposure, organization=organization, user=user, data={
            "worker": worker, "exposure_type": kind, "measured_level": Decimal(measured),
            "exposure_limit": Decimal(limit), "unit": unit, "measured_on": today - timedelta(days=rng.randint(1, 20)),
            "high_risk": Decimal(measured) > Decimal(limit)})
        alert = alert_create(organization=organization, worker=worker, exposure_type=kind,
                             measured_value=measurement.measured_level, exposure_limit=measurement.exposure_limit,
                             unit=unit, source_exposure=measurement, user=user,
                             detection="exposure measurement (demo)")
        if state in ("acknowledged", "resolved"):
            alert = alert_acknowledge(instance=alert, user=user, comment="Vu en revue HSE du matin.")
        if state == "resolved":
            alert_resolve(instance=alert, user=user, comment=rng.choice(RESOLUTIONS))
        created += 1
    return f"Health demo: {created} overexposure alerts (every state and severity)."
