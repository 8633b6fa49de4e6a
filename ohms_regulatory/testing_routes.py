"""Regulatory add-on objects for the cross-tenant route matrix (``ohms_core.testing_routes``)."""
from datetime import timedelta

from django.utils import timezone

from ohms_core.models import Enterprise
from ohms_core.testing_routes import register_factory
from ohms_health.models import Incident, OccupationalDisease

from .models import CNSSReport, DRCReport, RegulatorySettings

# --- CNSS and DRC declarations (models/reports.py) ------------------------------------------


def _deadline():
    return timezone.now() + timedelta(hours=20)


register_factory(CNSSReport, lambda w: CNSSReport.objects.create(
    organization=w.org, enterprise=w.get(Enterprise), report_type="incident", incident=w.get(Incident),
    reference_number=f"CNSS-M-{w.seq()}", event_at=timezone.now() - timedelta(hours=4), deadline_at=_deadline()))


def _drc(w):
    report = DRCReport.objects.create(
        organization=w.org, enterprise=w.get(Enterprise), report_type="severe_incident",
        reference_number=f"DRC-M-{w.seq()}", event_at=timezone.now() - timedelta(hours=4), deadline_at=_deadline())
    report.incidents.add(w.get(Incident))
    report.diseases.add(w.get(OccupationalDisease))
    return report


register_factory(DRCReport, _drc)
register_factory(RegulatorySettings, lambda w: RegulatorySettings.objects.get_or_create(organization=w.org)[0])
