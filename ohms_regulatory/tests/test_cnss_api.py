"""REST of the declarations (SPEC 4.1-4.2, issue 12's pinned contract): lifecycle order,
submission (exit exam moved on), generate-monthly, filters (overdue), fatal incidents, the
French PDF, the audited Excel export, roles, tenancy and query counts."""
import base64
import re
import zlib
from datetime import date, timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog, TransitionLog
from ohms_health.models import ExitExamination

from ..models import CNSSReport
from ..services import reports as svc
from . import factories as f

pytestmark = pytest.mark.django_db
CNSS = "/api/v1/regulatory/cnss-reports/"
DRC = "/api/v1/regulatory/drc-reports/"
CONTRACT = {"id", "reference_number", "report_type", "status", "enterprise", "submitted_at"}


def pdf_text(data: bytes) -> str:
    """Every content stream of a PDF, inflated (ohms_ptw/tests/test_exports.py)."""
    parts = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = raw.strip()
        if raw.endswith(b"~>"):
            raw = base64.a85decode(raw[:-2].replace(b"\n", b""))
        try:
            parts.append(zlib.decompress(raw))
        except zlib.error:
            parts.append(raw)
    return b"\n".join(parts).decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def _client(org, role="compliance_officer"):
    user = testing.make_member(org, role)
    client = testing.token_client(user, org)
    client.user = user
    return client


@pytest.fixture
def ent(org_a):
    return f.enterprise(org_a)


@pytest.fixture
def worker(org_a, ent):
    return testing.make_worker(org_a, enterprise=ent)


@pytest.fixture
def officer(org_a):
    return _client(org_a)


def test_contract_and_lifecycle_in_order(org_a, ent, worker, officer):
    incident = f.incident(org_a, ent, severity="fatal", workers=[worker])
    response = officer.post(CNSS, {"report_type": "fatality", "enterprise": str(ent.pk),
                                   "incident": str(incident.pk)}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert CONTRACT | {"incident", "disease", "deadline_at", "is_overdue"} <= set(body)
    assert body["status"] == "draft" and body["reference_number"].startswith(f"CNSS-{org_a.code}-")
    assert body["deadline_at"] is not None
    url = f"{CNSS}{body['id']}/"
    # Submitting a draft is refused (status order enforced): 409, nothing changes.
    assert officer.post(f"{url}submit/", {}, format="json").status_code == 409
    assert officer.post(f"{url}transitions/mark_ready/", {}, format="json").status_code == 200
    response = officer.post(f"{url}submit/", {"comment": "Déposé au guichet"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["submitted_at"] is not None
    # The authority's answer: acknowledged with its reference, then rejected (comment required).
    response = officer.post(f"{url}authority-response/", {"transition": "acknowledge",
                                                           "authority_reference": "CNSS/KZ/2026/811"}, format="json")
    assert response.status_code == 200 and response.json()["authority_reference"] == "CNSS/KZ/2026/811"
    assert officer.post(f"{url}authority-response/", {"transition": "reject"}, format="json").status_code == 400
    response = officer.post(f"{url}authority-response/", {
        "transition": "reject", "comment": "Pièces manquantes", "required_actions": "Joindre le certificat",
        "follow_up_deadline": "2026-12-15"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["follow_up_deadline"] == "2026-12-15" and response.json()["decided_at"]
    report = CNSSReport.objects.get(pk=body["id"])
    logs = list(TransitionLog.objects.filter(object_id=str(report.pk)).values_list("transition", flat=True))
    assert sorted(logs) == sorted(["mark_ready", "submit", "acknowledge", "reject"])
    assert report.history.filter(history_change_reason="Déposé au guichet").count() == 1


def test_second_declaration_for_one_incident_is_a_400(org_a, ent, officer):
    incident = f.incident(org_a, ent)
    svc.cnss_for_incident(incident)
    response = officer.post(CNSS, {"report_type": "fatality", "enterprise": str(ent.pk),
                                   "incident": str(incident.pk)}, format="json")
    assert response.status_code == 400 and "incident" in response.json()["errors"]


def test_bad_input_is_400_with_field_errors(org_a, ent, officer):
    response = officer.post(CNSS, {"report_type": "incident", "enterprise": str(ent.pk)}, format="json")
    assert response.status_code == 400 and "incident" in response.json()["errors"]
    response = officer.post(f"{CNSS}generate-monthly/", {"enterprise": str(ent.pk), "month": 13, "year": 2026},
                            format="json")
    assert response.status_code == 400 and "month" in response.json()["errors"]
    response = officer.post(f"{CNSS}generate-monthly/", {"month": 2, "year": 2026}, format="json")
    assert response.status_code == 400 and "enterprise" in response.json()["errors"]


def test_stale_version_is_a_409(org_a, ent, officer):
    report, _ = svc.cnss_for_incident(f.incident(org_a, ent))
    response = officer.post(f"{CNSS}{report.pk}/transitions/mark_ready/", {"version": report.version + 5},
                            format="json")
    assert response.status_code == 409


def test_generate_monthly_is_idempotent_and_accepts_enterprise_id(org_a, ent, officer):
    first = officer.post(f"{CNSS}generate-monthly/", {"enterprise": str(ent.pk), "month": 2, "year": 2026},
                         format="json")
    assert first.status_code == 201 and first.json()["report_type"] == "monthly_stats"
    again = officer.post(f"{CNSS}generate-monthly/", {"enterprise_id": str(ent.pk), "month": 2, "year": 2026},
                         format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert CNSSReport.objects.count() == 1


def test_generate_monthly_refuses_another_organizations_enterprise(org_a, org_b, officer):
    other = f.enterprise(org_b, code="OTH")
    response = officer.post(f"{CNSS}generate-monthly/", {"enterprise": str(other.pk), "month": 2, "year": 2026},
                            format="json")
    assert response.status_code == 400 and not CNSSReport.objects.exists()


def test_exit_exam_moves_to_cnss_reported_on_submission(org_a, ent, worker, officer):
    exam = ExitExamination.objects.create(organization=org_a, worker=worker, exit_date=date(2026, 12, 31))
    ExitExamination.objects.filter(pk=exam.pk).update(status="certificate_issued")
    report = svc.cnss_report_create(organization=org_a, data={
        "report_type": "disease", "enterprise": ent, "exit_examination": exam,
        "disease": f.disease(org_a, worker)})
    officer.post(f"{CNSS}{report.pk}/transitions/mark_ready/", {}, format="json")
    assert officer.post(f"{CNSS}{report.pk}/submit/", {}, format="json").status_code == 200
    exam.refresh_from_db()
    assert exam.status == "cnss_reported" and exam.cnss_reference == report.reference_number


def test_lists_filter_by_status_type_enterprise_and_overdue(org_a, ent, worker, officer):
    late = svc.drc_for_incident(f.incident(org_a, ent, severity="fatal",
                                           occurred_at=timezone.now() - timedelta(hours=30)))[0]
    fresh = svc.drc_for_incident(f.incident(org_a, ent, severity="severe"))[0]
    notice = svc.drc_for_disease(f.disease(org_a, worker))[0]
    ids = lambda r: {row["id"] for row in r.json()["results"]}  # noqa: E731
    assert ids(officer.get(DRC, {"overdue": "true"})) == {str(late.pk)}
    assert ids(officer.get(DRC, {"overdue": "false"})) == {str(fresh.pk), str(notice.pk)}
    assert ids(officer.get(DRC, {"report_type": "disease_notice"})) == {str(notice.pk)}
    assert ids(officer.get(DRC, {"status": "draft", "enterprise": str(ent.pk)})) == {str(late.pk), str(fresh.pk),
                                                                                    str(notice.pk)}
    assert ids(officer.get(f"{DRC}fatal-incidents/")) == {str(late.pk)}
    row = officer.get(f"{DRC}{late.pk}/").json()
    assert row["is_overdue"] is True and row["incidents"] == [str(late.incidents.get().pk)]
    assert officer.get(f"{DRC}{notice.pk}/").json()["diseases"] == [str(notice.diseases.get().pk)]
    assert ids(officer.get(f"{DRC}pending/")) == {str(late.pk), str(fresh.pk), str(notice.pk)}


def test_list_query_count_is_flat(org_a, ent, worker, officer, django_assert_max_num_queries):
    for _ in range(2):
        svc.drc_for_incident(f.incident(org_a, ent, severity="severe"))
        svc.cnss_for_incident(f.incident(org_a, ent, severity="lost_time"))
    with django_assert_max_num_queries(14) as small:
        assert officer.get(DRC).status_code == 200
        assert officer.get(CNSS).status_code == 200
    for _ in range(6):
        svc.drc_for_incident(f.incident(org_a, ent, severity="severe"))
        svc.cnss_for_incident(f.incident(org_a, ent, severity="lost_time"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(officer.get(DRC).json()["results"]) == 8
        assert len(officer.get(CNSS).json()["results"]) == 8


def test_french_pdf_has_reference_and_cnss_number_and_is_audited(org_a, ent, worker, officer):
    report, _ = svc.cnss_for_incident(f.incident(org_a, ent, severity="fatal", workers=[worker]))
    response = officer.get(f"{CNSS}{report.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'{report.reference_number}.pdf' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert report.reference_number in text and "CNSS-EMP-042517" in text
    assert "accident du travail mortel" in text and worker.employee_number in text
    assert AuditLog.objects.filter(action="export", object_id=str(report.pk)).count() == 1


def test_disease_pdf_names_the_disease_but_not_the_agent_or_detail(org_a, ent, worker, officer):
    dis = f.disease(org_a, worker, diagnosis_detail="Opacités nodulaires bilatérales")
    report, _ = svc.drc_for_disease(dis)
    text = pdf_text(officer.get(f"{DRC}{report.pk}/pdf/").content)
    assert "Silicose" in text and report.reference_number in text
    assert "silica dust" not in text and "Opacit" not in text


def test_excel_export_of_the_filtered_list_is_audited(org_a, ent, officer):
    from io import BytesIO

    from openpyxl import load_workbook

    late = svc.drc_for_incident(f.incident(org_a, ent, severity="fatal",
                                           occurred_at=timezone.now() - timedelta(hours=30)))[0]
    svc.drc_for_incident(f.incident(org_a, ent, severity="severe"))
    response = officer.get(f"{DRC}export-excel/", {"overdue": "true"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert len(rows) == 2 and rows[1][0] == late.reference_number
    log = AuditLog.objects.get(action="export")
    assert log.changes["count"] == 1 and log.changes["format"] == "xlsx"


@pytest.mark.parametrize("role", ["safety_manager", "medical_officer", "auditor", "integrator"])
def test_readers_read_but_do_not_write(org_a, ent, role):
    report, _ = svc.cnss_for_incident(f.incident(org_a, ent))
    client = _client(org_a, role)
    assert client.get(f"{CNSS}{report.pk}/").status_code == 200
    assert client.get(f"{CNSS}pending/").status_code == 200
    assert client.post(f"{CNSS}{report.pk}/submit/", {}, format="json").status_code == 403
    assert client.get(f"{CNSS}{report.pk}/pdf/").status_code == 403
    assert client.post(f"{CNSS}generate-monthly/", {"enterprise": str(ent.pk), "month": 1, "year": 2026},
                       format="json").status_code == 403
    assert client.post(f"{CNSS}{report.pk}/transitions/mark_ready/", {}, format="json").status_code == 403


@pytest.mark.parametrize("role", ["worker", "permit_requester", "approver"])
def test_other_roles_see_nothing(org_a, ent, role):
    report, _ = svc.drc_for_incident(f.incident(org_a, ent))
    client = _client(org_a, role)
    assert client.get(DRC).status_code == 403
    assert client.get(f"{DRC}{report.pk}/").status_code == 403


def test_other_organization_gets_404_on_every_endpoint(org_a, org_b, ent, worker):
    cnss, _ = svc.cnss_for_incident(f.incident(org_a, ent))
    drc, _ = svc.drc_for_incident(f.incident(org_a, ent))
    other = _client(org_b, "org_admin")
    for base, report in ((CNSS, cnss), (DRC, drc)):
        url = f"{base}{report.pk}/"
        assert other.get(url).status_code == 404
        assert other.get(f"{url}pdf/").status_code == 404
        assert other.post(f"{url}submit/", {}, format="json").status_code == 404
        assert other.post(f"{url}authority-response/", {}, format="json").status_code == 404
        assert other.post(f"{url}transitions/mark_ready/", {}, format="json").status_code == 404
        assert other.get(base).json()["results"] == []
        assert other.get(f"{base}pending/").json()["results"] == []
    assert other.get(f"{DRC}fatal-incidents/").json()["results"] == []
    cnss.refresh_from_db()
    assert cnss.status == "draft"
