"""French for the occupational-health add-on: the mine works in French, so labels, menus,
fitness reasons (read by permit issuers) and a doctor's admin screens must read in French,
with dates written the French way, while English keeps working."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override, pgettext
from wagtail.users.models import UserProfile

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import (
    AlertSeverity,
    AlertStatus,
    ComplianceStatus,
    ExitExamStatus,
    IncidentSeverity,
    OverexposureAlert,
)
from ..services.alerts import alert_create
from ..services.medical import worker_fitness
from .factories import exam

PASSWORD = "pass-1234-word"


def _french_client(user):
    """A logged-in client for a user whose admin language is French (Wagtail's account setting)."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "fr"
    profile.save()
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_choice_labels_read_in_french():
    with override("fr"):
        assert [str(label) for label in AlertSeverity.labels] == ["Avertissement", "Critique", "Urgence"]
        assert [str(label) for label in AlertStatus.labels] == ["Actif", "Acquitté", "Résolu"]
        assert [str(label) for label in IncidentSeverity.labels] == [
            "Premiers soins", "Soins médicaux", "Avec arrêt de travail", "Grave", "Mortel"]
        assert str(ExitExamStatus.PENDING.label) == "En attente"
        assert str(ExitExamStatus.CERTIFICATE_ISSUED.label) == "Certificat délivré"
        assert str(ExitExamStatus.CNSS_REPORTED.label) == "Déclaré à la CNSS"
        assert str(ComplianceStatus.COMPLIANT.label) == "Conforme"
        assert str(ComplianceStatus.NON_COMPLIANT.label) == "Non conforme"
        assert str(ComplianceStatus.DAMAGED.label) == "Endommagé"
        assert str(OverexposureAlert._meta.verbose_name_plural) == "alertes de surexposition"
    with override("en"):
        assert str(AlertSeverity.EMERGENCY.label) == "Emergency"
        assert str(ExitExamStatus.CNSS_REPORTED.label) == "Reported to the CNSS"


def test_menu_labels_and_spirometry_read_in_french():
    with override("fr"):
        assert gettext("Overexposure alerts") == "Alertes de surexposition"
        assert gettext("Recall list") == "Liste de convocation"
        assert gettext("Medical examinations") == "Examens médicaux"
        assert gettext("FEV1/FVC (ratio)") == "VEMS/CVF (rapport)"
        # The recall list's button is a verb; the core catalog's "Schedule" is a noun (job schedules).
        assert pgettext("verb", "Schedule") == "Planifier"


@pytest.mark.django_db
def test_fitness_reason_in_french_with_a_french_date(org_a):
    """Permit issuers read the reason: French words and a day-first date, never an ISO date."""
    worker = testing.make_worker(org_a)
    exam_date = timezone.localdate() - timedelta(days=400)
    exam(worker, exam_date=exam_date, next_due_date=exam_date + timedelta(days=365))
    with override("fr"):
        reason = worker_fitness(worker).reason
    assert reason.startswith("Pas d'examen périodique valide")
    assert exam_date.strftime("%d/%m/%Y") in reason
    assert exam_date.isoformat() not in reason
    with override("en"):
        assert worker_fitness(worker).reason.startswith("No valid periodic examination")


@pytest.mark.django_db
def test_alert_monitor_in_french_for_a_medical_officer(org_a):
    worker = testing.make_worker(org_a, employee_number="FR-ALERT-1")
    with acting_as(organization=org_a):
        alert_create(organization=org_a, worker=worker, exposure_type="bruit",
                     measured_value=Decimal("130"), exposure_limit=Decimal("100"))
    client = _french_client(testing.make_member(org_a, "medical_officer"))
    response = client.get("/admin/health/overexposure-alerts/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "FR-ALERT-1" in body
    heading = body.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "Alertes de surexposition" in heading
    assert 'ohms-badge--health-alert-emergency">Urgence<' in body
    assert "Acquitter la sélection" in body and "Gravité" in body
    assert "Acknowledge selected" not in body and ">Emergency<" not in body and "Severity" not in body


@pytest.mark.django_db
def test_recall_list_in_french_for_a_medical_officer(org_a):
    worker = testing.make_worker(org_a, employee_number="FR-RECALL-1")
    today = timezone.localdate()
    exam(worker, exam_date=today - timedelta(days=375), next_due_date=today - timedelta(days=10))
    client = _french_client(testing.make_member(org_a, "medical_officer"))
    response = client.get("/admin/health/recall/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "FR-RECALL-1" in body
    assert "Liste de convocation" in body and "Planifier les travailleurs sélectionnés" in body
    assert ">Planifier<" in body
    assert "Recall list" not in body and "Schedule the selected workers" not in body


@pytest.mark.django_db
def test_record_names_carry_localized_dates(org_a):
    """Admin titles, breadcrumbs and pickers show records by name: the date in it is day-first."""
    worker = testing.make_worker(org_a)
    record = exam(worker, exam_type="periodic", exam_date=timezone.localdate().replace(year=2026, month=3, day=1))
    with override("fr"):
        assert str(record) == "Visite périodique 01/03/2026"
    with override("en"):
        assert str(record) == "Periodic 01/03/2026"


@pytest.mark.django_db
def test_ppe_checks_list_says_oui_non_in_french(org_a, admin_a):
    """Boolean columns read Oui / Non, not Python's True / False."""
    from .factories import ppe_item, ppe_record

    item = ppe_item(testing.make_worker(org_a), serial_number="FR-PPE-1")
    ppe_record(item, "compliant")
    ppe_record(item, "damaged")
    body = _french_client(admin_a).get("/admin/health/ppe-checks/").content.decode()
    assert "FR-PPE-1" in body and "Endommagé" in body
    assert ">Oui<" in body.replace("\n", "").replace(" ", "") and ">Non<" in body.replace("\n", "").replace(" ", "")
    assert "True" not in body and "False" not in body


@pytest.mark.django_db
def test_alert_name_uses_a_decimal_comma_in_french(org_a):
    worker = testing.make_worker(org_a)
    with acting_as(organization=org_a):
        alert = alert_create(organization=org_a, worker=worker, exposure_type="cobalt",
                             measured_value=Decimal("90.5"), exposure_limit=Decimal("100"))
    with override("fr"):
        assert str(alert) == "Avertissement cobalt 90,50\u00a0%"
    with override("en"):
        assert str(alert) == "Warning cobalt 90.50\u00a0%"
