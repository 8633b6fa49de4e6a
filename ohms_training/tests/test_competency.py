"""Issue 11, competency for permits: a permit type names the modules its crew must hold; an
untrained worker is refused on every path (REST, admin form, the crew service that sync and
other callers use, activation through the crew gate) with a reason naming the module; the
permit type's list is validated per organization; absent-safe without the training add-on."""
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from ohms_core import providers, testing
from ohms_core.context import acting_as
from ohms_core.exceptions import BusinessRuleError

from ..models import Certificate, TrainingModule
from ..services import competency_check

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not apps.is_installed("ohms_ptw"), reason="ohms_ptw not in OHMS_ADDONS")]

if apps.is_installed("ohms_ptw"):
    from ohms_ptw.models import PermitType, PermitWorker
    from ohms_ptw.services.crew import permit_worker_add
    from ohms_ptw.tests.factories import PtwWorld
    from ohms_ptw.tests.helpers import purl, set_status, status_of, update_status
    from ohms_ptw.tests.test_admin_helpers import login, make_permit


@pytest.fixture
def w(db):
    world = PtwWorld(code="CMP", requires_gas_testing=False, requires_structured_isolation=False,
                     requires_deisolation_on_closeout=False)
    with acting_as(organization=world.org):
        world.loto = TrainingModule.objects.create(organization=world.org, title="Consignation LOTO",
                                                   video_url="https://v.example.test/loto")
        world.height = TrainingModule.objects.create(organization=world.org, title="Travail en hauteur",
                                                     video_url="https://v.example.test/h")
    PermitType.objects.filter(pk=world.permit_type.pk).update(required_training_modules=[str(world.loto.pk)])
    world.permit_type.refresh_from_db()
    return world


def _certify(w, worker, module, days=100):
    with acting_as(organization=w.org):
        return Certificate.objects.create(organization=w.org, worker=worker, module=module,
                                          expires_at=timezone.now() + timedelta(days=days))


def test_the_check_names_the_missing_modules_and_accepts_a_trained_worker(w):
    worker = testing.make_worker(w.org)
    required = [str(w.loto.pk), str(w.height.pk)]
    reasons = competency_check(worker, purpose="permit", context=required)
    assert [r.code for r in reasons] == ["training_missing"]
    assert "Consignation LOTO" in reasons[0].message and "Travail en hauteur" in reasons[0].message
    assert set(reasons[0].items) == {"Consignation LOTO", "Travail en hauteur"}
    _certify(w, worker, w.loto)
    _certify(w, worker, w.height, days=-1)  # expired: does not count
    reasons = competency_check(worker, purpose="permit", context={"required_training_modules": required})
    assert list(reasons[0].items) == ["Travail en hauteur"]
    _certify(w, worker, w.height)
    assert competency_check(worker, purpose="permit", context=required) == []
    assert competency_check(worker, purpose="permit", context=None) == []


def test_rest_refuses_an_untrained_worker_naming_the_module(w):
    pid = w.create_permit()["id"]
    untrained, trained = testing.make_worker(w.org), testing.make_worker(w.org)
    _certify(w, trained, w.loto)
    r = w.client(w.requester).post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(untrained.pk)},
                                   format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "crew_not_fit"
    crew = r.json()["errors"]["crew"]
    assert crew["codes"] == ["training_missing"] and "Consignation LOTO" in crew["message"]
    assert not PermitWorker.objects.filter(permit_id=pid).exists()
    r = w.client(w.requester).post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(trained.pk)},
                                   format="json")
    assert r.status_code == 201, r.json()


def test_admin_form_refuses_an_untrained_worker(w):
    permit = make_permit(w)
    untrained = testing.make_worker(w.org, employee_number="CMP-00099")
    client = login(w.requester)
    response = client.post(f"/admin/ptw/permits/{permit.pk}/workers/", {"worker-worker": str(untrained.pk)}, follow=True)
    assert response.status_code == 200
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "Consignation LOTO" in messages
    assert not PermitWorker.objects.filter(permit=permit).exists()


def test_the_crew_service_refuses_on_the_sync_path(w):
    """Every caller (REST, admin, offline sync, imports) goes through ``permit_worker_add``."""
    permit = make_permit(w)
    untrained = testing.make_worker(w.org)
    with acting_as(organization=w.org, user=w.requester), pytest.raises(BusinessRuleError) as refused:
        permit_worker_add(permit=permit, worker=untrained, user=w.requester)
    assert "Consignation LOTO" in str(refused.value.errors)
    assert not PermitWorker.objects.filter(permit=permit).exists()


def test_activation_blocked_and_readiness_lists_the_missing_certificates(w):
    pid = w.create_permit()["id"]
    set_status(pid, "approved")
    worker = testing.make_worker(w.org)
    PermitWorker.objects.create(organization=w.org, permit_id=pid, worker=worker)  # joined before the requirement
    r = update_status(w, pid, "active")
    assert r.status_code == 400
    crew = r.json()["errors"]["crew"]
    assert crew["codes"] == ["training_missing"] and crew["missing_items"] == [str(worker)]
    assert str(worker) in crew["message"] and "Consignation LOTO" in crew["message"]
    readiness = w.client(w.issuer).get(purl(pid, "readiness")).json()
    assert "training_missing" in readiness["missing"]["activate"]
    assert status_of(pid) == "approved"
    _certify(w, worker, w.loto)
    r = update_status(w, pid, "active")
    assert r.status_code == 200, r.json()


def test_permit_type_api_validates_required_modules(w):
    other = PtwWorld(code="OTR")
    with acting_as(organization=other.org):
        foreign = TrainingModule.objects.create(organization=other.org, title="Autre", video_url="https://v.test/o")
    c = w.client(w.admin)
    url = f"/api/v1/ptw/permit-types/{w.permit_type.pk}/"
    assert c.get(url).json()["required_training_modules"] == [str(w.loto.pk)]
    for bad in ([str(foreign.pk)], ["not-a-uuid"], "x", [1]):
        r = c.patch(url, {"required_training_modules": bad}, format="json")
        assert r.status_code == 400 and "required_training_modules" in r.json()["errors"], bad
    r = c.patch(url, {"required_training_modules": [str(w.loto.pk), str(w.height.pk)]}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["required_training_modules"] == [str(w.loto.pk), str(w.height.pk)]


def test_permit_type_admin_form_offers_the_modules(w):
    client = login(w.admin)
    response = client.get(f"/admin/ptw/permit-types/edit/{w.permit_type.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Consignation LOTO" in body and "Travail en hauteur" in body


def test_absent_safe_without_the_training_add_on(w):
    """With the training add-on's providers gone (as with OHMS_ADDONS without training), permits
    work as before: nobody is blocked, and a permit type cannot name modules any more."""
    from ohms_training.manifest import MANIFEST

    providers.unregister_worker_check("training.competency")
    providers.unregister_competency_catalog()
    try:
        pid = w.create_permit()["id"]
        worker = testing.make_worker(w.org)
        r = w.client(w.requester).post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(worker.pk)},
                                       format="json")
        assert r.status_code == 201, r.json()
        r = w.client(w.admin).patch(f"/api/v1/ptw/permit-types/{w.permit_type.pk}/",
                                    {"required_training_modules": [str(w.loto.pk)]}, format="json")
        assert r.status_code == 400
        assert "training add-on is not installed" in str(r.json()["errors"]["required_training_modules"])
        r = w.client(w.admin).patch(f"/api/v1/ptw/permit-types/{w.permit_type.pk}/",
                                    {"required_training_modules": []}, format="json")
        assert r.status_code == 200, r.json()
    finally:
        from django.utils.module_loading import import_string

        for name, check in MANIFEST.worker_checks:
            providers.register_worker_check(name, import_string(check))
        providers.register_competency_catalog(import_string(MANIFEST.competency_catalog))
