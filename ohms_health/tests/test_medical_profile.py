"""Medical data off the core Worker (DECISIONS 12): who reads it, what permits learn, and
that the move keeps the data."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from ohms_core import providers, testing
from ohms_core.exceptions import NotAllowedError
from ohms_core.models import AuditLog, Worker

from ..models import MedicalProfile
from ..services import medical_profile_read, medical_profile_save, worker_fitness

SECRET = "Allergie pénicilline, asthme sévère"
MEDICAL_KEYS = {"fitness_status", "chronic_conditions", "allergies", "medical_profile"}


@pytest.fixture
def profiled(org_a, admin_a):
    worker = testing.make_worker(org_a)
    medical_profile_save(worker=worker, user=admin_a, role="org_admin",
                         data={"fitness_status": "temporarily_unfit", "allergies": SECRET, "chronic_conditions": SECRET})
    return worker


# --- who reads ---------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("role", ["integrator", "auditor", "permit_requester", "safety_manager", "worker"])
def test_non_medical_roles_cannot_read_the_profile(profiled, org_a, role):
    user = testing.make_member(org_a, role)
    with pytest.raises(NotAllowedError):
        medical_profile_read(worker=profiled, user=user, role=role)
    with pytest.raises(NotAllowedError):
        medical_profile_save(worker=profiled, user=user, role=role, data={"allergies": ""})
    assert MedicalProfile.objects.get(worker=profiled).allergies == SECRET


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["medical_officer", "org_admin"])
def test_medical_readers_read_and_every_read_is_audited(profiled, org_a, role):
    user = testing.make_member(org_a, role)
    before = AuditLog.objects.filter(action="view", user=user).count()
    profile = medical_profile_read(worker=profiled, user=user, role=role)
    assert profile.allergies == SECRET
    assert AuditLog.objects.filter(action="view", user=user).count() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["integrator", "auditor", "permit_requester"])
def test_core_api_shows_no_medical_field_or_content(profiled, org_a, role):
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    listing = client.get("/api/v1/core/workers/")
    if listing.status_code == 200:
        for row in listing.json()["results"]:
            assert not MEDICAL_KEYS & set(row)
        detail = client.get(f"/api/v1/core/workers/{profiled.pk}/")
        assert detail.status_code == 200 and not MEDICAL_KEYS & set(detail.json())
    else:
        assert listing.status_code in (403, 404)
    # The audit trail names changed fields only, never the medical values.
    log = client.get("/api/v1/core/audit-log/", {"page_size": 200})
    assert log.status_code in (200, 403)
    assert "pénicilline" not in log.content.decode().lower()
    assert "temporarily_unfit" not in log.content.decode()
    assert client.get("/api/v1/core/workers/", {"fitness_status": "unfit"}).status_code in (200, 403)


@pytest.mark.django_db
def test_worker_admin_pages_show_no_medical_field(profiled, org_a):
    for role in ("org_admin", "auditor", "permit_requester"):
        user = testing.make_member(org_a, role)
        client = Client()
        assert client.login(username=user.username, password="pass-1234-word")
        client.session.save()
        for url in ("/admin/core/workers/", f"/admin/core/workers/edit/{profiled.pk}/",
                    f"/admin/core/workers/inspect/{profiled.pk}/"):
            response = client.get(url)
            body = response.content.decode().lower()
            assert "pénicilline" not in body and "chronic" not in body and "allerg" not in body, (role, url)
            assert "temporarily unfit" not in body


@pytest.mark.django_db
def test_core_worker_has_no_medical_columns():
    names = {field.name for field in Worker._meta.get_fields()}
    assert not {"fitness_status", "chronic_conditions", "allergies"} & names


# --- what permits learn -------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("status", "fit", "restricted"), [
    ("fit", True, False), ("fit_with_restrictions", True, True),
    ("temporarily_unfit", False, False), ("unfit", False, False), ("unknown", None, False),
])
def test_fitness_provider_answers_fit_or_not_with_reason(org_a, admin_a, status, fit, restricted):
    worker = testing.make_worker(org_a)
    medical_profile_save(worker=worker, user=admin_a, role="org_admin", data={"fitness_status": status, "allergies": SECRET})
    answer = providers.worker_fitness(worker)
    assert (answer.fit, answer.restricted) == (fit, restricted)
    assert answer.reason and SECRET not in answer.reason


@pytest.mark.django_db
def test_fitness_without_profile_or_expired_is_unknown(org_a, admin_a):
    worker = testing.make_worker(org_a)
    assert providers.worker_fitness(worker).fit is None
    medical_profile_save(worker=worker, user=admin_a, role="org_admin",
                         data={"fitness_status": "fit", "fitness_valid_until": date.today() - timedelta(days=1)})
    answer = worker_fitness(worker)
    assert answer.fit is None and "expired" in answer.reason
    assert worker_fitness(worker, on=date.today() - timedelta(days=2)).fit is True


@pytest.mark.django_db
def test_unfit_worker_is_a_blocking_worker_check(profiled):
    reasons = providers.check_worker(profiled, purpose="permit")
    assert [r.code for r in reasons] == ["worker_not_fit"]
    assert SECRET not in str(reasons[0].message)


def test_no_provider_is_absent_safe(monkeypatch):
    monkeypatch.setattr(providers, "_fitness_provider", None)
    assert providers.worker_fitness(object()).fit is None


# --- the move keeps the data ----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_migration_moves_medical_values_to_the_profile(org_a):
    before_move = [("ohms_core", "0004_document_file_private_names"), ("ohms_health", None)]
    after_move = [("ohms_core", "0005_remove_worker_medical_fields"), ("ohms_health", "0001_medical_profile")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_move)
    try:
        old = MigrationExecutor(connection).loader.project_state([before_move[0]]).apps
        OldWorker, Contact, Enterprise = (old.get_model("ohms_core", m) for m in ("Worker", "Contact", "Enterprise"))
        contact = Contact.objects.create(organization_id=org_a.pk, first_name="A", last_name="B")
        enterprise = Enterprise.objects.create(organization_id=org_a.pk, name="E", code="E")
        sick = OldWorker.objects.create(organization_id=org_a.pk, contact_id=contact.pk, enterprise_id=enterprise.pk,
                                        employee_number="M-1", fitness_status="unfit", allergies=SECRET,
                                        chronic_conditions="Diabète")
        OldWorker.objects.create(organization_id=org_a.pk, contact_id=contact.pk, enterprise_id=enterprise.pk,
                                 employee_number="M-2")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after_move)
    try:
        profiles = list(MedicalProfile.objects.all())
        assert len(profiles) == 1
        profile = profiles[0]
        assert (profile.worker_id, profile.organization_id) == (sick.pk, org_a.pk)
        assert (profile.fitness_status, profile.allergies, profile.chronic_conditions) == ("unfit", SECRET, "Diabète")
    finally:
        # Back to the latest schema: migrating health to zero also unapplied everything that
        # depends on it (regulatory declarations...), which later transactional tests need.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- the admin screen ----------------------------------------------------------------------------

def _admin_client(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["auditor", "permit_requester", "integrator", "safety_manager"])
def test_medical_screen_refused_to_other_roles(profiled, org_a, role):
    response = _admin_client(testing.make_member(org_a, role)).get(f"/admin/health/workers/{profiled.pk}/medical/")
    assert response.status_code in (302, 403)
    assert "pénicilline" not in response.content.decode().lower()


@pytest.mark.django_db
def test_medical_screen_for_medical_officer_reads_audited_and_saves(profiled, org_a, org_b):
    officer = testing.make_member(org_a, "medical_officer")
    client = _admin_client(officer)
    url = f"/admin/health/workers/{profiled.pk}/medical/"
    response = client.get(url)
    assert response.status_code == 200 and SECRET in response.content.decode()
    assert AuditLog.objects.filter(action="view", user=officer).count() == 1
    saved = client.post(url, {"fitness_status": "fit", "allergies": "", "chronic_conditions": SECRET,
                              "fitness_valid_until": ""})
    assert saved.status_code == 302
    assert MedicalProfile.objects.get(worker=profiled).fitness_status == "fit"
    other_worker = testing.make_worker(org_b)
    assert client.get(f"/admin/health/workers/{other_worker.pk}/medical/").status_code == 404
