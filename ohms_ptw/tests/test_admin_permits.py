"""Permit admin screens (Django test client): list filters and search, organization and
project scoping (404), creation and edition through the services, constant list queries."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import GasReading, Permit, PermitAudit, PermitType
from .factories import PtwWorld
from .test_admin_helpers import login, make_permit

pytestmark = pytest.mark.django_db
LIST = "/admin/ptw/permits/"


def _numbers(response):
    assert response.status_code == 200
    body = response.content.decode()
    return {n for n in Permit.objects.values_list("permit_number", flat=True) if n in body}


@pytest.fixture
def world():
    w = PtwWorld("SMK")
    w.p_draft = make_permit(w, title="Nettoyage cuve de lixiviation", location="Cuve T-12")
    w.p_pending = make_permit(w, status="pending_verification", title="Soudure convoyeur", location="Atelier mécanique",
                              likelihood=1, severity=2)
    w.p_mine = make_permit(w, title="Forage de reconnaissance", project=w.other_project, location="Fosse nord")
    return w


@pytest.fixture
def other():
    o = PtwWorld("KCC")
    o.permit = make_permit(o, title="Permis d'une autre société", location="Cuve T-12")
    return o


def test_list_shows_own_organization_with_status_badges(world, other):
    response = login(world.admin).get(LIST)
    assert _numbers(response) == {world.p_draft.permit_number, world.p_pending.permit_number, world.p_mine.permit_number}
    body = response.content.decode()
    assert 'ohms-badge ohms-badge--ptw-status-pending_verification">Pending verification<' in body
    assert "ohms-badge--ptw-risk-high" in body
    # Titles link to the permit screen.
    assert f"/admin/ptw/permits/inspect/{world.p_pending.pk}/" in body


def test_list_filters_and_search_are_in_the_querystring(world, other):
    client = login(world.admin)
    assert _numbers(client.get(LIST, {"status": "pending_verification"})) == {world.p_pending.permit_number}
    assert _numbers(client.get(f"{LIST}?status=draft&status=pending_verification")) == {
        world.p_draft.permit_number, world.p_pending.permit_number, world.p_mine.permit_number}
    assert _numbers(client.get(f"{LIST}?status=pending_verification,active")) == {world.p_pending.permit_number}
    assert _numbers(client.get(LIST, {"project": str(world.other_project.pk)})) == {world.p_mine.permit_number}
    assert _numbers(client.get(LIST, {"risk_level": "low"})) == {world.p_pending.permit_number}
    assert _numbers(client.get(LIST, {"q": world.p_draft.permit_number})) == {world.p_draft.permit_number}
    assert _numbers(client.get(LIST, {"q": "soudure"})) == {world.p_pending.permit_number}
    assert _numbers(client.get(LIST, {"q": "Fosse"})) == {world.p_mine.permit_number}
    # Another organization's permit never matches, even on its own number.
    assert _numbers(client.get(LIST, {"q": "Cuve T-12"})) == {world.p_draft.permit_number}
    # Combined filters, as a shared link would carry them.
    assert _numbers(client.get(LIST, {"status": "draft", "project": str(world.project.pk), "q": "cuve"})) == {
        world.p_draft.permit_number}


def test_list_permit_type_and_date_filters(world):
    welding = PermitType.objects.create(organization=world.org, name="Travail à chaud", code="hot", category="hot_work")
    later = timezone.now() + timedelta(days=10)
    hot = make_permit(world, permit_type=welding, title="Meulage trémie", planned_start_time=later,
                      planned_end_time=later + timedelta(hours=4))
    client = login(world.admin)
    assert _numbers(client.get(LIST, {"permit_type": str(welding.pk)})) == {hot.permit_number}
    day = timezone.localtime(later).date().isoformat()
    # The planned window is planned_from/planned_to; date_from/date_to are on created_at (SPEC 2.11).
    assert _numbers(client.get(LIST, {"planned_from": day, "planned_to": day})) == {hot.permit_number}
    assert hot.permit_number not in _numbers(client.get(LIST, {"planned_to": timezone.localdate().isoformat()}))
    assert hot.permit_number in _numbers(client.get(LIST, {"date_from": timezone.localdate().isoformat()}))


def test_filter_choices_only_offer_own_organization(world, other):
    body = login(world.admin).get(LIST).content.decode()
    assert "Concentrateur" in body
    assert "KCC-C" not in body and str(other.project.pk) not in body and str(other.permit_type.pk) not in body


def test_project_member_sees_only_their_projects(world):
    member = testing.make_member(world.org, "permit_requester", projects=[world.project])
    client = login(member)
    assert _numbers(client.get(LIST)) == {world.p_draft.permit_number, world.p_pending.permit_number}
    for url in (f"{LIST}inspect/{world.p_mine.pk}/", f"{LIST}edit/{world.p_mine.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"{LIST}inspect/{world.p_draft.pk}/").status_code == 200
    response = client.post(f"{LIST}{world.p_mine.pk}/gas/", {"gas-gas": "O2", "gas-value": "20.9"})
    assert response.status_code == 404
    assert not GasReading.objects.filter(permit=world.p_mine).exists()
    # The form only offers the member's projects.
    body = client.get(f"{LIST}new/").content.decode()
    assert str(world.project.pk) in body and str(world.other_project.pk) not in body


def test_another_organizations_permit_is_404_everywhere(world, other):
    client = login(world.admin)
    pk = other.permit.pk
    for url in (f"{LIST}inspect/{pk}/", f"{LIST}edit/{pk}/", f"{LIST}delete/{pk}/"):
        assert client.get(url).status_code == 404, url
    point_pk = "00000000-0000-0000-0000-000000000000"
    posts = {
        f"{LIST}{pk}/gas/": {"gas-gas": "O2", "gas-value": "20.9"},
        f"{LIST}{pk}/hazards/": {"hazard-hazard": "Chute", "hazard-risk_level": "high"},
        f"{LIST}{pk}/workers/": {},
        f"{LIST}{pk}/workflow/initiate/": {},
        f"{LIST}{pk}/isolation/assign/": {"custom-custom_point_name": "Vanne V-1"},
        f"{LIST}{pk}/isolation/{point_pk}/isolate/": {"lock_count": "1"},
        f"{LIST}{pk}/closeout/": {"closeout_action": "complete"},
        f"{LIST}{pk}/sign/": {"sign-meaning": "issuer", "sign-password": "pass-1234-word"},
        f"{LIST}{pk}/extend/": {"extend-reason": "x"},
        f"{LIST}edit/{pk}/": {"title": "Piraté"},
        f"{LIST}delete/{pk}/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    other.permit.refresh_from_db()
    assert other.permit.title == "Permis d'une autre société" and not other.permit.is_deleted
    assert not other.permit.gas_readings.exists() and not other.permit.isolation_points.exists()
    assert not other.permit.signatures.exists()


def test_transition_button_on_another_organizations_permit_is_404(world, other):
    from django.contrib.contenttypes.models import ContentType

    permit = make_permit(other, status="pending_verification")
    ct = ContentType.objects.get_for_model(Permit)
    response = login(world.admin).post(f"/admin/ohms/transition/{ct.pk}/{permit.pk}/verify/", {})
    assert response.status_code == 404
    permit.refresh_from_db()
    assert permit.status == "pending_verification"


def _create_payload(w, **overrides):
    start = timezone.localtime(timezone.now() + timedelta(hours=1))
    data = {
        "title": "Remplacement moteur pompe P-4", "description": "Pompe de relevage", "permit_type": str(w.permit_type.pk),
        "project": str(w.project.pk), "location": "Station de pompage", "priority": "medium",
        "planned_start_time": start.strftime("%Y-%m-%d %H:%M"),
        "planned_end_time": (start + timedelta(hours=6)).strftime("%Y-%m-%d %H:%M"),
        "issuer": str(w.issuer.pk), "verifier": str(w.verifier.pk), "approver": str(w.approver.pk),
        "area_incharge": str(w.area.pk), "likelihood": "4", "severity": "5", "risk_assessment": "Énergie électrique",
        "control_measures": "Consignation", "ppe_requirements": "Casque\nHarnais\n", "safety_checklist": ["area_barricaded"],
        "isolation_details": "",
    }
    data.update(overrides)
    return data


def test_create_permit_through_the_admin_form(world):
    client = login(world.requester)
    response = client.post(f"{LIST}new/", _create_payload(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    permit = Permit.objects.get(title="Remplacement moteur pompe P-4")
    assert response["Location"] == f"{LIST}inspect/{permit.pk}/"
    assert permit.permit_number == f"PTW-SMK-{timezone.localdate().year}-00004"
    assert permit.status == "draft" and permit.organization == world.org and permit.created_by == world.requester
    assert permit.verifier == world.verifier and permit.ppe_requirements == ["Casque", "Harnais"]
    assert permit.safety_checklist == {"area_barricaded": True}
    assert permit.risk_score == 20 and permit.risk_level == "extreme"  # from the default matrix
    assert PermitAudit.objects.filter(permit=permit, action="created", user=world.requester).exists()
    assert permit.history.count() >= 1
    assert client.get(response["Location"]).status_code == 200


def test_create_form_limits_people_and_rejects_outsiders(world, other):
    client = login(world.requester)
    body = client.get(f"{LIST}new/").content.decode()
    assert world.verifier.email in body and other.verifier.email not in body
    assert 'name="status"' not in body and 'name="permit_number"' not in body
    response = client.post(f"{LIST}new/", _create_payload(world, verifier=str(other.verifier.pk),
                                                         project=str(other.project.pk)))
    assert response.status_code == 200
    assert not Permit.objects.filter(title="Remplacement moteur pompe P-4").exists()


def test_create_service_error_is_a_form_error(world):
    # 30 hours is longer than the type's maximum validity: permit_create refuses, the form says why.
    start = timezone.localtime(timezone.now() + timedelta(hours=1))
    response = login(world.requester).post(f"{LIST}new/", _create_payload(
        world, planned_end_time=(start + timedelta(hours=30)).strftime("%Y-%m-%d %H:%M")))
    assert response.status_code == 200
    assert "valid 12 hours at most" in response.content.decode()
    assert not Permit.objects.filter(title="Remplacement moteur pompe P-4").exists()


def test_edit_goes_through_permit_update_and_never_edits_status(world):
    client = login(world.requester)
    permit = world.p_draft
    url = f"{LIST}edit/{permit.pk}/"
    assert client.get(url).status_code == 200
    data = _create_payload(world, title="Nettoyage cuve T-12 (révisé)", status="completed", permit_number="PTW-HACK")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    permit.refresh_from_db()
    assert permit.title == "Nettoyage cuve T-12 (révisé)"
    assert permit.status == "draft" and permit.permit_number.startswith("PTW-SMK-")
    audit = PermitAudit.objects.filter(permit=permit, action="updated").latest("timestamp")
    assert "title" in audit.data["fields"] and "status" not in audit.data["fields"]


def test_edit_in_progress_keeps_type_project_and_times_fixed(world):
    permit = world.p_pending
    client = login(world.admin)
    body = client.get(f"{LIST}edit/{permit.pk}/").content.decode()
    assert "Fixed once the workflow has started" in body
    data = _create_payload(world, title="Soudure convoyeur C-3", project=str(world.other_project.pk))
    response = client.post(f"{LIST}edit/{permit.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    permit.refresh_from_db()
    assert permit.title == "Soudure convoyeur C-3" and permit.project == world.project


def test_list_query_count_does_not_grow_with_rows(world):
    client = login(world.admin)
    client.get(LIST)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    with acting_as(user=world.requester, organization=world.org):
        for i in range(12):
            make_permit(world, title=f"Permis {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(_numbers(response)) == 15
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_permit_screen_renders_every_tab_in_bounded_queries(world):
    permit = make_permit(world, status="active")
    client = login(world.admin)
    url = f"{LIST}inspect/{permit.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    body = response.content.decode()
    for tab in ("overview", "hazards", "workers", "gas", "isolation", "closeout", "signatures", "photos", "history"):
        assert f'id="tab-{tab}"' in body, tab
    assert len(queries) < 60, len(queries)
