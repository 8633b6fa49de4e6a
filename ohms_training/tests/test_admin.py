"""Issue 11, training admin: the screens answer, lists are scoped and their query counts flat,
the matrix shows the states with a legend and exports to Excel, bulk assignment, and the
worker-facing take-the-quiz page (no answers in the page, scored on the server)."""
from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import Certificate, TrainingProgress
from .factories import QUESTIONS, TrainingWorld

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"
RIGHT = [q["answer"] for q in QUESTIONS]


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def t(db):
    return TrainingWorld()


def test_coordinator_screens_answer(t):
    t.assign()
    c = login(t.coordinator)
    for url in ("/admin/training/modules/", "/admin/training/quizzes/", "/admin/training/progress/",
                "/admin/training/progress/?status=assigned", "/admin/training/certificates/",
                "/admin/training/matrix/", "/admin/training/assign/", "/admin/training/my/",
                f"/admin/training/quizzes/edit/{t.quiz.pk}/"):
        assert c.get(url).status_code == 200, url
    body = c.get("/admin/training/progress/?status=passed").content.decode()
    assert "Kasongo" not in body
    assert "Kasongo" in c.get("/admin/training/progress/?status=assigned").content.decode()


def test_a_worker_may_not_open_the_coordinator_screens(t):
    c = login(t.taker)
    assert c.get("/admin/training/matrix/").status_code in (302, 403)  # Wagtail redirects a refusal
    assert c.get("/admin/training/assign/").status_code in (302, 403)
    assert c.get(f"/admin/training/quizzes/edit/{t.quiz.pk}/").status_code in (302, 403)


def test_take_the_quiz_in_the_admin(t):
    t.assign()
    c = login(t.taker)
    assert "Consignation LOTO" in c.get("/admin/training/my/").content.decode()
    page = c.get(f"/admin/training/quiz/{t.quiz.pk}/take/").content.decode()
    assert QUESTIONS[0]["text"].replace("'", "&#x27;") in page
    assert '"answer"' not in page and "answer" not in page.lower().replace("answers", "")
    response = c.post(f"/admin/training/quiz/{t.quiz.pk}/take/", {f"q{i}": a for i, a in enumerate(RIGHT)})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-quiz-result="passed"' in body
    certificate = Certificate.objects.get(worker=t.worker)
    assert f"/admin/training/certificates/{certificate.pk}/pdf/" in body
    pdf = c.get(f"/admin/training/certificates/{certificate.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert TrainingProgress.objects.get().status == "passed"


def test_take_the_quiz_failing_and_missing_answers(t):
    t.assign()
    c = login(t.taker)
    body = c.post(f"/admin/training/quiz/{t.quiz.pk}/take/", {"q0": "0"}).content.decode()
    assert "data-quiz-error" in body and not Certificate.objects.exists()
    wrong = {f"q{i}": (a + 1) % 2 for i, a in enumerate(RIGHT)}
    body = c.post(f"/admin/training/quiz/{t.quiz.pk}/take/", wrong).content.decode()
    assert 'data-quiz-result="failed"' in body and not Certificate.objects.exists()


def test_other_organization_gets_404_on_the_custom_screens(t):
    other = TrainingWorld(code="OTH")
    t.assign()
    t.submit(RIGHT)
    certificate = Certificate.objects.get()
    c = login(other.taker)
    assert c.get(f"/admin/training/quiz/{t.quiz.pk}/take/").status_code == 404
    assert login(other.coordinator).get(f"/admin/training/certificates/{certificate.pk}/pdf/").status_code == 404
    # A worker of the same organization may not download another worker's certificate.
    colleague = testing.make_member(t.org, "worker")
    testing.make_worker(t.org, user=colleague)
    assert login(colleague).get(f"/admin/training/certificates/{certificate.pk}/pdf/").status_code == 404


def test_matrix_states_legend_export_and_flat_queries(t, django_assert_max_num_queries):
    now = timezone.now()
    c = login(t.coordinator)
    c.get("/admin/training/matrix/")

    def add_rows():
        for days in (200, 10, -3):
            worker = testing.make_worker(t.org)
            with acting_as(organization=t.org):
                Certificate.objects.create(organization=t.org, worker=worker, module=t.module,
                                           expires_at=now + timedelta(days=days))

    add_rows()
    with django_assert_max_num_queries(20):
        body = c.get("/admin/training/matrix/").content.decode()
    for state in ("valid", "expiring", "expired", "missing"):
        assert f'data-state="{state}"' in body and f"state-{state}" in body
    assert "data-legend" in body
    add_rows()
    add_rows()
    with django_assert_max_num_queries(20):
        c.get("/admin/training/matrix/")
    filtered = c.get("/admin/training/matrix/?state=expired").content.decode()
    assert filtered.count('data-state="expired"') == 3 and 'data-state="missing"' not in filtered
    response = c.get("/admin/training/matrix/?format=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "Consignation LOTO" and len(rows) == 1 + 10  # 9 certified workers + the taker
    assert any(str(r[-1]).startswith("Expiring") for r in rows[1:])


def test_bulk_assignment_in_the_admin(t):
    enterprise = testing.make_enterprise(t.org)
    workers = [testing.make_worker(t.org, enterprise=enterprise) for _ in range(3)]
    c = login(t.coordinator)
    response = c.post("/admin/training/assign/", {"module": str(t.module.pk), "enterprise": str(enterprise.pk)},
                      follow=True)
    assert response.status_code == 200
    assert set(TrainingProgress.objects.values_list("worker_id", flat=True)) == {w.pk for w in workers}
    response = c.post("/admin/training/assign/", {"module": str(t.module.pk)})
    assert response.status_code == 200 and TrainingProgress.objects.count() == 3  # nothing chosen: form error


def test_progress_list_query_count_is_flat(t, django_assert_max_num_queries):
    c = login(t.coordinator)
    c.get("/admin/training/progress/")
    for _ in range(5):
        t.assign(testing.make_worker(t.org))
    with django_assert_max_num_queries(20):
        c.get("/admin/training/progress/")
    for _ in range(5):
        t.assign(testing.make_worker(t.org))
    with django_assert_max_num_queries(20):
        assert c.get("/admin/training/progress/").status_code == 200
