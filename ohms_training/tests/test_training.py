"""Issue 11, training: quiz scoring at the pass mark, answers never served to the taker,
certificates on pass only (PDF with the worker's name and module), verification, expiry
and idempotent renewal reminders, bulk assignment, worker-only reads, query counts."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Notification, TransitionLog

from .. import gates, selectors
from ..exports import certificate_pdf
from ..models import (
    Certificate,
    CertificateReminder,
    QuizAttempt,
    TrainingModule,
    TrainingProgress,
    TrainingQuiz,
)
from ..services import certificate_reminders, expiry_for, quiz_score
from .factories import QUESTIONS, TrainingWorld

pytestmark = pytest.mark.django_db

RIGHT = [q["answer"] for q in QUESTIONS]  # 4 questions: each one is 25 %


def _wrong(n):
    """Answers with the first ``n`` questions wrong."""
    return [(a + 1) % len(q["choices"]) if i < n else a for i, (a, q) in enumerate(zip(RIGHT, QUESTIONS, strict=True))]


@pytest.fixture
def t(db):
    return TrainingWorld()


# --- scoring --------------------------------------------------------------------------
def test_score_is_computed_from_the_stored_answers():
    quiz = TrainingQuiz(questions=QUESTIONS)
    assert quiz_score(quiz, RIGHT) == Decimal("100.00")
    assert quiz_score(quiz, _wrong(1)) == Decimal("75.00")
    assert quiz_score(quiz, _wrong(3)) == Decimal("25.00")
    assert quiz_score(quiz, [True, True, True, True]) == Decimal("0.00")  # booleans are not indexes


@pytest.mark.parametrize(("wrong", "pass_mark", "passed"), [
    (2, 75, False),  # 50 % below the mark
    (1, 75, True),   # 75 % equal to the mark passes
    (0, 75, True),   # 100 % above
    (1, 76, False),  # 75 % just below
])
def test_pass_mark_below_equal_above(t, wrong, pass_mark, passed):
    TrainingModule.objects.filter(pk=t.module.pk).update(pass_mark=pass_mark)
    t.assign()
    r = t.submit(_wrong(wrong))
    assert r.status_code == 200, r.json()
    body = r.json()
    assert Decimal(body["score"]) == Decimal(100 - 25 * wrong) and body["passed"] is passed
    progress = TrainingProgress.objects.get(pk=body["progress"])
    assert progress.status == ("passed" if passed else "failed") and progress.attempts == 1
    assert QuizAttempt.objects.filter(progress=progress, passed=passed).count() == 1
    if passed:
        certificate = Certificate.objects.get(pk=body["certificate"])
        assert certificate.worker == t.worker and certificate.module == t.module
    else:
        assert body["certificate"] is None and not Certificate.objects.exists()


def test_fail_then_retake_then_attempts_exhausted(t):
    t.assign()
    assert t.submit(_wrong(4)).json()["passed"] is False
    r = t.submit(_wrong(3))  # the second and last attempt (max_attempts=2): retake runs on its own
    assert r.status_code == 200 and r.json()["passed"] is False
    r = t.submit(RIGHT)
    assert r.status_code == 400 and r.json()["code"] == "attempts_exhausted"
    assert QuizAttempt.objects.count() == 2 and not Certificate.objects.exists()
    progress = TrainingProgress.objects.get()
    # The coordinator assigns it again: a new cycle with fresh attempts.
    r = t.client(t.coordinator).post(f"/api/v1/training/progress/{progress.pk}/transitions/reassign/", {}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "assigned" and r.json()["attempts"] == 0
    assert t.submit(RIGHT).json()["passed"] is True


def test_attempts_gate_on_an_in_memory_progress(t):
    progress = TrainingProgress(worker=t.worker, module=t.module, attempts=1)
    progress._quizzes = [TrainingQuiz(max_attempts=2)]
    assert list(gates.attempts_left_gate(progress)) == []
    progress.attempts = 2
    assert [r.code for r in gates.attempts_left_gate(progress)] == ["attempts_exhausted"]


def test_submit_refuses_bad_input_and_unlinked_accounts(t):
    t.assign()
    assert t.submit([0, 0]).status_code == 400  # too few answers
    r = t.submit([0, 0, 9, 0])
    assert r.status_code == 400 and "answers" in r.json()["errors"]
    assert t.submit("abc").status_code == 400
    # A member without a worker record has nothing to submit for.
    r = t.submit(RIGHT, user=t.coordinator)
    assert r.status_code == 400 and "worker" in r.json()["errors"]
    # A worker whose module is not assigned.
    other = testing.make_member(t.org, "worker")
    testing.make_worker(t.org, user=other)
    r = t.submit(RIGHT, user=other)
    assert r.status_code == 400 and r.json()["code"] == "not_assigned"
    assert not QuizAttempt.objects.exists()


def test_pass_and_fail_are_system_only(t):
    t.assign()
    progress = TrainingProgress.objects.get()
    c = t.client(t.coordinator)
    assert c.post(f"/api/v1/training/progress/{progress.pk}/transitions/start/", {}, format="json").status_code == 200
    r = c.post(f"/api/v1/training/progress/{progress.pk}/transitions/pass_quiz/", {}, format="json")
    assert r.status_code == 403
    assert TrainingProgress.objects.get().status == "in_progress"
    assert TransitionLog.objects.filter(object_id=str(progress.pk), transition="start").count() == 1


# --- answers hidden -------------------------------------------------------------------
def test_answers_never_served_to_the_taker(t):
    t.assign()
    for path in ("/api/v1/training/quizzes/", f"/api/v1/training/quizzes/{t.quiz.pk}/"):
        body = t.client(t.taker).get(path).json()
        quiz = body["results"][0] if "results" in body else body
        assert [q["text"] for q in quiz["questions"]] == [q["text"] for q in QUESTIONS]
        assert all("answer" not in q for q in quiz["questions"])
        assert "answer" not in str(quiz)
    # The auditor reads quizzes but may not manage them: no answers either.
    quiz = t.client(t.auditor).get(f"/api/v1/training/quizzes/{t.quiz.pk}/").json()
    assert all("answer" not in q for q in quiz["questions"])
    # The coordinator manages quizzes and sees them.
    quiz = t.client(t.coordinator).get(f"/api/v1/training/quizzes/{t.quiz.pk}/").json()
    assert [q["answer"] for q in quiz["questions"]] == RIGHT


def test_quiz_questions_are_validated(t):
    c = t.client(t.coordinator)
    for bad in ([], [{"text": "Q", "choices": ["A"], "answer": 0}], [{"text": "Q", "choices": ["A", "B"], "answer": 5}],
                "nope"):
        r = c.post("/api/v1/training/quizzes/", {"module": str(t.module.pk), "questions": bad}, format="json")
        assert r.status_code == 400, (bad, r.json())
    r = c.post("/api/v1/training/quizzes/", {"module": str(t.module.pk), "questions": QUESTIONS, "max_attempts": 3},
               format="json")
    assert r.status_code == 201, r.json()
    assert t.client(t.taker).post("/api/v1/training/quizzes/", {"module": str(t.module.pk), "questions": QUESTIONS},
                                  format="json").status_code == 403


def test_module_contract_and_content_required(t):
    c = t.client(t.coordinator)
    r = c.post("/api/v1/training/modules/", {"title": "Travail en hauteur", "language": "en", "pass_mark": 80,
                                             "validity_months": 24}, format="json")
    assert r.status_code == 400 and "video_url" in r.json()["errors"]
    r = c.post("/api/v1/training/modules/", {"title": "Travail en hauteur", "language": "en", "pass_mark": 80,
                                             "validity_months": 24, "video_url": "https://v.example.test/h"},
               format="json")
    assert r.status_code == 201, r.json()
    assert {"title", "language", "pass_mark", "validity_months", "content_document", "video_url"} <= set(r.json())
    assert c.post("/api/v1/training/modules/", {"title": "X", "pass_mark": 101, "video_url": "https://v.example.test/"},
                  format="json").status_code == 400
    assert t.client(t.taker).post("/api/v1/training/modules/", {"title": "X"}, format="json").status_code == 403


# --- certificates ---------------------------------------------------------------------
def test_certificate_on_pass_only_and_its_pdf(t):
    t.assign()
    assert t.submit(_wrong(4)).json()["certificate"] is None
    assert not Certificate.objects.exists()
    body = t.submit(RIGHT).json()
    certificate = Certificate.objects.get(pk=body["certificate"])
    assert certificate.expires_at == expiry_for(certificate.issued_at, 12)
    assert len(certificate.code) >= 30
    text = certificate_pdf(certificate, compress=False).decode("latin-1")
    assert "Mwamba Kasongo" in text and "Consignation LOTO" in text and "Certificat de formation" in text
    assert "Training certificate" in certificate_pdf(certificate, language="en", compress=False).decode("latin-1")
    r = t.client(t.taker).get(f"/api/v1/training/certificates/{certificate.pk}/download/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and "attachment" in r["Content-Disposition"]
    assert t.client(t.taker).post("/api/v1/training/certificates/", {}, format="json").status_code in (403, 405)


def test_verify_is_public_and_says_valid_or_expired(t):
    t.assign()
    certificate = Certificate.objects.get(pk=t.submit(RIGHT).json()["certificate"])
    from rest_framework.test import APIClient

    anonymous = APIClient()
    r = anonymous.get("/api/v1/training/certificates/verify/", {"code": certificate.code})
    assert r.status_code == 200
    assert r.json()["valid"] is True and r.json()["status"] == "valid"
    assert set(r.json()) == {"valid", "status", "worker", "module", "issued_at", "expires_at"}
    assert r.json()["worker"] == "Mwamba Kasongo" and r.json()["module"] == "Consignation LOTO"
    assert anonymous.get("/api/v1/training/certificates/verify/", {"code": "nope"}).status_code == 404
    assert anonymous.get("/api/v1/training/certificates/verify/").status_code == 404
    page = anonymous.get("/api/v1/training/verify/", {"code": certificate.code})
    assert page.status_code == 200 and "Mwamba Kasongo" in page.content.decode()
    assert 'data-status="valid"' in page.content.decode() and t.worker.employee_number not in page.content.decode()
    Certificate.objects.filter(pk=certificate.pk).update(expires_at=timezone.now() - timedelta(days=1))
    r = anonymous.get("/api/v1/training/certificates/verify/", {"code": certificate.code})
    assert r.json()["valid"] is False and r.json()["status"] == "expired"
    assert 'data-status="expired"' in anonymous.get("/api/v1/training/verify/", {"code": certificate.code}).content.decode()


def test_expiry_adds_calendar_months():
    issued = timezone.now().replace(year=2026, month=1, day=31)
    assert expiry_for(issued, 1).date().isoformat() == "2026-02-28"
    assert expiry_for(issued, 12).date().isoformat() == "2027-01-31"


def test_expired_certificates_no_longer_count(t):
    with acting_as(organization=t.org):
        Certificate.objects.create(organization=t.org, worker=t.worker, module=t.module,
                                   expires_at=timezone.now() - timedelta(minutes=1))
    assert selectors.missing_modules(t.worker, [t.module.pk]) == ["Consignation LOTO"]
    with acting_as(organization=t.org):
        Certificate.objects.create(organization=t.org, worker=t.worker, module=t.module,
                                   expires_at=timezone.now() + timedelta(days=10))
    assert selectors.missing_modules(t.worker, [t.module.pk]) == []


def test_renewal_reminders_30_and_7_days_idempotent(t):
    now = timezone.now()
    with acting_as(organization=t.org):
        soon = Certificate.objects.create(organization=t.org, worker=t.worker, module=t.module,
                                          expires_at=now + timedelta(days=25))
        later = Certificate.objects.create(organization=t.org, worker=testing.make_worker(t.org), module=t.module,
                                           expires_at=now + timedelta(days=90))
    assert certificate_reminders(now=now) == 1
    assert certificate_reminders(now=now) == 0  # idempotent
    assert CertificateReminder.objects.filter(certificate=soon, days_before=30).count() == 1
    assert not CertificateReminder.objects.filter(certificate=later).exists()
    notified = set(Notification.objects.filter(event_type="training.certificate.expiring").values_list("user_id", flat=True))
    assert notified == {t.taker.pk, t.coordinator.pk}
    # Six days before: the 7-day reminder, once.
    assert certificate_reminders(now=now + timedelta(days=19)) == 1
    assert certificate_reminders(now=now + timedelta(days=19)) == 0
    assert CertificateReminder.objects.filter(certificate=soon, days_before=7).count() == 1
    # A renewed certificate silences the old one's reminders.
    with acting_as(organization=t.org):
        Certificate.objects.create(organization=t.org, worker=later.worker, module=t.module,
                                   expires_at=now + timedelta(days=400))
    assert certificate_reminders(now=now + timedelta(days=65)) == 0


def test_the_reminder_job_is_registered():
    from ohms_core.jobs import get_job

    assert get_job("training_certificate_reminders") is not None


# --- assignment and reads -------------------------------------------------------------
def test_bulk_assignment_by_enterprise_site_job_title(t):
    site = testing.make_site(t.org)
    enterprise = testing.make_enterprise(t.org)
    welders = [testing.make_worker(t.org, enterprise=enterprise, job_title="Soudeur", site=site) for _ in range(3)]
    testing.make_worker(t.org, job_title="Électricien")
    c = t.client(t.coordinator)
    r = c.post("/api/v1/training/progress/assign/", {"module": str(t.module.pk), "enterprise": str(enterprise.pk)},
               format="json")
    assert r.status_code == 200 and r.json()["assigned"] == 3
    r = c.post("/api/v1/training/progress/assign/", {"module": str(t.module.pk), "job_title": "soudeur"}, format="json")
    assert r.json() == {"assigned": 0, "unchanged": 3, "progress": r.json()["progress"]}
    r = c.post("/api/v1/training/progress/assign/", {"module": str(t.module.pk), "site": str(site.pk)}, format="json")
    assert r.json()["unchanged"] == 3
    assert set(TrainingProgress.objects.values_list("worker_id", flat=True)) == {w.pk for w in welders}
    assert c.post("/api/v1/training/progress/assign/", {"module": str(t.module.pk)}, format="json").status_code == 400
    assert t.client(t.taker).post("/api/v1/training/progress/assign/", {
        "module": str(t.module.pk), "workers": [str(t.worker.pk)]}, format="json").status_code == 403


def test_bulk_assignment_refuses_other_organizations_ids(t):
    other = TrainingWorld(code="OTH")
    r = t.client(t.coordinator).post("/api/v1/training/progress/assign/", {
        "module": str(t.module.pk), "workers": [str(other.worker.pk)]}, format="json")
    assert r.status_code == 400 and "workers" in r.json()["errors"]
    r = t.client(t.coordinator).post("/api/v1/training/progress/assign/", {
        "module": str(other.module.pk), "workers": [str(t.worker.pk)]}, format="json")
    assert r.status_code == 400 and "module" in r.json()["errors"]
    assert not TrainingProgress.objects.exists()


def test_a_worker_reads_only_their_own_progress_and_certificates(t):
    other_user = testing.make_member(t.org, "worker")
    other = testing.make_worker(t.org, user=other_user)
    t.assign()
    t.assign(other)
    t.submit(RIGHT)
    t.submit(RIGHT, user=other_user)
    mine = t.client(t.taker).get("/api/v1/training/progress/").json()
    assert [p["worker"] for p in mine["results"]] == [str(t.worker.pk)]
    certificates = t.client(t.taker).get("/api/v1/training/certificates/").json()
    assert [c["worker"] for c in certificates["results"]] == [str(t.worker.pk)]
    theirs = Certificate.objects.get(worker=other)
    assert t.client(t.taker).get(f"/api/v1/training/certificates/{theirs.pk}/download/").status_code == 404
    assert t.client(t.coordinator).get("/api/v1/training/certificates/").json()["count"] == 2


def test_other_organization_gets_404(t):
    other = TrainingWorld(code="OTH")
    t.assign()
    certificate = Certificate.objects.get(pk=t.submit(RIGHT).json()["certificate"])
    c = other.client(other.coordinator)
    for path in (f"/api/v1/training/modules/{t.module.pk}/", f"/api/v1/training/quizzes/{t.quiz.pk}/",
                 f"/api/v1/training/progress/{TrainingProgress.objects.get(worker=t.worker).pk}/",
                 f"/api/v1/training/certificates/{certificate.pk}/",
                 f"/api/v1/training/certificates/{certificate.pk}/download/"):
        assert c.get(path).status_code == 404, path
    assert c.post(f"/api/v1/training/quizzes/{t.quiz.pk}/submit/", {"answers": RIGHT}, format="json").status_code == 404


@pytest.mark.parametrize("path", ["progress/", "certificates/", "quizzes/", "modules/"])
def test_list_query_count_is_flat(t, path, django_assert_max_num_queries):
    c = t.client(t.coordinator)
    c.get(f"/api/v1/training/{path}")  # warm the token and membership caches
    for _ in range(6):
        worker = testing.make_worker(t.org)
        with acting_as(organization=t.org):
            module = TrainingModule.objects.create(organization=t.org, title=f"M{worker.pk}", video_url="https://v.test/x")
            TrainingQuiz.objects.create(organization=t.org, module=module, questions=QUESTIONS)
            TrainingProgress.objects.create(organization=t.org, worker=worker, module=module)
            Certificate.objects.create(organization=t.org, worker=worker, module=module,
                                       expires_at=timezone.now() + timedelta(days=100))
    with django_assert_max_num_queries(12):
        r = c.get(f"/api/v1/training/{path}")
    assert r.status_code == 200 and r.json()["count"] >= 6


def test_matrix_states_and_query_count(t, django_assert_num_queries):
    now = timezone.now()
    workers = [testing.make_worker(t.org) for _ in range(4)]
    with acting_as(organization=t.org):
        for worker, days in zip(workers, (200, 10, -5), strict=False):
            Certificate.objects.create(organization=t.org, worker=worker, module=t.module,
                                       expires_at=now + timedelta(days=days))
    from ohms_core.models import Worker

    with django_assert_num_queries(3):
        matrix = selectors.training_matrix(workers=Worker.objects.filter(pk__in=[w.pk for w in workers]),
                                           modules=TrainingModule.objects.all(), now=now)
    states = {row["worker"].pk: row["cells"][0]["state"] for row in matrix}
    assert [states[w.pk] for w in workers] == ["valid", "expiring", "expired", "missing"]


def test_demo_data_through_the_services():
    from django.core.management import call_command

    call_command("ohms_demo", workers=15, stdout=open("/dev/null", "w"))  # runs every add-on's demo, ours included
    modules = TrainingModule.objects.filter(organization__code="SMK")
    assert {m.language for m in modules} == {"fr", "en"} and modules.count() == 6  # 4 + the visitor induction (fr, en)
    assert Certificate.objects.filter(organization__code="SMK").count() >= 16
    assert TrainingProgress.objects.filter(organization__code="SMK", status="failed").exists()
    assert any(row["cells"][0]["state"] == "expiring" for row in selectors.training_matrix(
        workers=t_workers(), modules=modules.filter(title__startswith="Induction")))
    # The visitors' demo site requires the visitor induction, in French with its English version.
    from ..models import SiteVisitorInduction

    requirement = SiteVisitorInduction.objects.get(organization__code="SMK")
    assert "Kolwezi" in requirement.site.name and requirement.is_active
    assert {requirement.module.language, requirement.translated_module.language} == {"fr", "en"}
    assert requirement.module.quizzes.count() == 1 and requirement.translated_module.quizzes.count() == 1
    # The demo worker user is linked to a worker record with modules waiting.
    from ohms_core.management.commands.ohms_demo import WORKER_EMAIL

    worker = t_workers().get(user__username=WORKER_EMAIL)
    assert TrainingProgress.objects.filter(worker=worker, status="assigned").exists()
    call_command("ohms_training_demo", stdout=open("/dev/null", "w"))  # a second run adds nothing
    assert TrainingModule.objects.filter(organization__code="SMK").count() == 6
    assert SiteVisitorInduction.objects.filter(organization__code="SMK").count() == 1


def t_workers():
    from ohms_core.models import Worker

    return Worker.objects.filter(organization__code="SMK")


def test_strings_translate_in_french():
    from django.utils.translation import gettext, override

    from ..manifest import MANIFEST

    with override("fr"):
        assert gettext("Training matrix") == "Matrice des formations"
        assert gettext("No valid training certificate for: %(modules)s.") == \
            "Pas de certificat de formation valide pour : %(modules)s."
        assert str(MANIFEST.summary).startswith("Formation :")


def test_stale_write_is_409_and_withdrawn_certificate_no_longer_verifies(t):
    t.assign()
    progress = TrainingProgress.objects.get()
    c = t.client(t.coordinator)
    r = c.patch(f"/api/v1/training/progress/{progress.pk}/", {"due_date": "2027-01-10", "version": progress.version},
                format="json")
    assert r.status_code == 200, r.json()
    r = c.patch(f"/api/v1/training/progress/{progress.pk}/", {"due_date": "2027-02-10", "version": progress.version},
                format="json")
    assert r.status_code == 409
    certificate = Certificate.objects.get(pk=t.submit(RIGHT).json()["certificate"])
    assert t.client(t.taker).delete(f"/api/v1/training/certificates/{certificate.pk}/").status_code == 403
    assert c.delete(f"/api/v1/training/certificates/{certificate.pk}/").status_code == 204
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/training/certificates/verify/", {"code": certificate.code}).status_code == 404
    assert selectors.missing_modules(t.worker, [t.module.pk]) == ["Consignation LOTO"]
