"""Exit examinations: the 30/14/7-day reminders (fixed dates, idempotent), the daily job and
the command, the certificate PDF (French and English, no findings), the fitness check and
the gates on in-memory objects."""
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from ohms_core import jobs, testing
from ohms_core.models import JobRun, Notification
from ohms_core.providers import worker_fitness

from ..models import ExitExamination, ExitExamReminder
from ..models.exit import certificate_ready, completion_ready, follow_up_ready, schedule_ready
from ..services.exit import send_exit_exam_reminders
from ..services.exit_certificate import certificate_pdf

TODAY = date(2026, 11, 2)
SECRET = "Hypoacousie bilatérale débutante"


def make_exam(worker, **kw):
    return ExitExamination.objects.create(organization=worker.organization, worker=worker, **kw)


@pytest.fixture
def officers(org_a):
    return [testing.make_member(org_a, "medical_officer", f"doc{i}@alpha.test") for i in range(2)]


@pytest.mark.django_db
def test_reminders_at_30_14_and_7_days_only_and_never_twice(org_a, officers):
    clinician = testing.make_member(org_a, "org_admin", "clin@alpha.test")
    exams = {days: make_exam(testing.make_worker(org_a), exit_date=TODAY + timedelta(days=days))
             for days in (31, 30, 29, 15, 14, 7, 6)}
    exams[7].clinician = clinician
    exams[7].save()

    assert send_exit_exam_reminders(today=TODAY) == 3
    reminded = set(ExitExamReminder.objects.values_list("exit_examination_id", "days_before"))
    assert reminded == {(exams[30].pk, 30), (exams[14].pk, 14), (exams[7].pk, 7)}
    notes = Notification.objects.filter(event_type="health.exitexamination.reminder")
    assert notes.count() == 2 + 2 + 3  # two officers each, plus the clinician of the 7-day one
    assert set(notes.filter(data__days_before=7).values_list("user_id", flat=True)) == {
        officers[0].pk, officers[1].pk, clinician.pk}
    assert "30" in notes.filter(data__days_before=30).first().title

    # Same day again: nothing resent.
    assert send_exit_exam_reminders(today=TODAY) == 0
    assert notes.count() == 7
    # Next day: the 31- and 15-day exams reach 30 and 14 (once); the others are never resent.
    assert send_exit_exam_reminders(today=TODAY + timedelta(days=1)) == 2
    assert send_exit_exam_reminders(today=TODAY + timedelta(days=1)) == 0
    assert set(ExitExamReminder.objects.filter(sent_on=TODAY + timedelta(days=1))
               .values_list("exit_examination_id", "days_before")) == {(exams[31].pk, 30), (exams[15].pk, 14)}
    assert ExitExamReminder.objects.filter(exit_examination=exams[30]).count() == 1
    assert not ExitExamReminder.objects.filter(exit_examination__in=[exams[29], exams[6]]).exists()


@pytest.mark.django_db
def test_no_reminder_once_the_certificate_is_issued_or_for_other_offsets(org_a, officers):
    make_exam(testing.make_worker(org_a), exit_date=TODAY + timedelta(days=14))
    done = make_exam(testing.make_worker(org_a), exit_date=TODAY + timedelta(days=7))
    ExitExamination.objects.filter(pk=done.pk).update(status="certificate_issued")
    assert send_exit_exam_reminders(today=TODAY) == 1
    assert not ExitExamReminder.objects.filter(exit_examination=done).exists()


@pytest.mark.django_db
def test_reminders_run_in_the_02_00_processing_job_not_a_job_of_their_own(org_a, officers, monkeypatch):
    """One place: the exit-exam opening and reminders are a processor of the 02:00
    ``process_occupational_health_events`` job (and its ``--exit-exam-reminders`` flag)."""
    with pytest.raises(KeyError):
        jobs.get_job("health_exit_exam_reminders")
    job = jobs.get_job("health_process_occupational_health_events")
    assert "02:00" in str(job.schedule_label)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    exam = make_exam(testing.make_worker(org_a), exit_date=TODAY + timedelta(days=30))
    leaving = testing.make_worker(org_a, exit_date=TODAY + timedelta(days=20))
    run = jobs.run_job("health_process_occupational_health_events")
    assert run.success and run.items_processed == 2  # leaving's exam opened, exam's 30-day reminder
    assert ExitExamReminder.objects.filter(exit_examination=exam, days_before=30).exists()
    assert ExitExamination.objects.filter(worker=leaving, status="pending").exists()
    run = jobs.run_job("health_process_occupational_health_events")
    assert run.success and run.items_processed == 0


@pytest.mark.django_db
def test_process_command_flag_runs_the_exit_exam_processor(org_a, officers, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    exam = make_exam(testing.make_worker(org_a), exit_date=TODAY + timedelta(days=14))
    out = StringIO()
    call_command("process_occupational_health_events", "--exit-exam-reminders", stdout=out)
    assert exam.worker.employee_number in out.getvalue()
    assert "--exit-exam-reminders: 1 items produced." in out.getvalue()
    assert JobRun.objects.get(name="process_occupational_health_events:exit-exam-reminders").items_processed == 1
    out = StringIO()
    call_command("process_occupational_health_events", "--process-all", stdout=out)
    assert "--exit-exam-reminders: 0 items produced." in out.getvalue()
    assert ExitExamReminder.objects.count() == 1


@pytest.mark.django_db
def test_command_prints_progress_and_records_a_run(org_a, officers):
    exam = make_exam(testing.make_worker(org_a), exit_date=TODAY + timedelta(days=14))
    out = StringIO()
    call_command("send_exit_exam_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert exam.worker.employee_number in out.getvalue() and "1 exit exams opened or reminders sent" in out.getvalue()
    out = StringIO()
    call_command("send_exit_exam_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert "0 exit exams opened or reminders sent" in out.getvalue()
    assert list(JobRun.objects.filter(name="process_occupational_health_events:exit-exam-reminders")
                .values_list("items_processed", flat=True)
                .order_by("started_at")) == [1, 0]


def _certified(org):
    worker = testing.make_worker(org)
    clinician = testing.make_member(org, "medical_officer", "dr.mwamba@alpha.test")
    clinician.first_name, clinician.last_name = "Aline", "Mwamba"
    clinician.save()
    return make_exam(worker, exit_date=date(2026, 12, 31), clinician=clinician,
                     scheduled_exam_at=datetime(2026, 12, 10, 9, 0, tzinfo=UTC), findings=SECRET,
                     fitness_outcome="fit_with_restrictions", restrictions="No work at height",
                     disease_result="no_disease", certificate_reference="EXIT-ALPHA-TEST1")


@pytest.mark.django_db
def test_certificate_pdf_in_french_and_english_without_findings(org_a):
    exam = _certified(org_a)
    french = certificate_pdf(exam, language="fr", compress=False)
    assert french.startswith(b"%PDF")
    assert b"Apte avec restrictions" in french and b"Date de sortie" in french and b"31/12/2026" in french
    assert b"Aline Mwamba" in french and b"EXIT-ALPHA-TEST1" in french and b"No work at height" in french
    assert b"Hypoacousie" not in french and b"no_disease" not in french
    english = certificate_pdf(exam, language="en", compress=False)
    assert b"Fit with restrictions" in english and b"Exit date" in english and b"Apte" not in english
    assert certificate_pdf(exam, language="fr").startswith(b"%PDF")


@pytest.mark.django_db
def test_fitness_says_the_worker_left(org_a):
    from django.utils import timezone

    today = timezone.localdate()
    gone = make_exam(testing.make_worker(org_a), exit_date=today - timedelta(days=1))
    answer = worker_fitness(gone.worker)
    assert answer.fit is False and (today - timedelta(days=1)).strftime("%d/%m/%Y") in answer.reason
    leaving = make_exam(testing.make_worker(org_a), exit_date=today)
    assert worker_fitness(leaving.worker).fit is not False  # last day, exit exam not done yet
    ExitExamination.objects.filter(pk=leaving.pk).update(status="certificate_issued")
    assert worker_fitness(leaving.worker).fit is False
    staying = make_exam(testing.make_worker(org_a), exit_date=today + timedelta(days=10))
    assert worker_fitness(staying.worker).fit is not False


def test_gates_on_in_memory_objects():
    exam = ExitExamination(exit_date=TODAY)
    assert {r.code for r in schedule_ready(exam)} == {"exam_date_missing", "clinician_missing"}
    exam.scheduled_exam_at, exam.clinician_id = datetime(2026, 12, 1, tzinfo=UTC), 1
    assert not list(schedule_ready(exam))
    assert {r.code for r in completion_ready(exam)} == {"findings_missing", "fitness_outcome_missing"}
    exam.findings, exam.fitness_outcome = "ok", "fit_with_restrictions"
    assert [r.code for r in completion_ready(exam)] == ["restrictions_missing"]
    for outcome, blocked in (("fit", False), ("fit_with_restrictions", False), ("unfit", True), (None, True)):
        exam.fitness_outcome = outcome
        assert bool(list(certificate_ready(exam))) is blocked, outcome
    assert [r.code for r in follow_up_ready(exam)] == ["follow_up_date_missing"]


@pytest.mark.django_db
def test_cnss_from_certificate_issued_by_the_system_only_and_stale_version_is_409(org_a, client_a):
    from ohms_core.exceptions import NotAllowedError

    from ..services.exit import exit_exam_transition

    exam = make_exam(testing.make_worker(org_a), exit_date=TODAY)
    ExitExamination.objects.filter(pk=exam.pk).update(status="certificate_issued", fitness_outcome="fit")
    exam.refresh_from_db()
    stale = client_a.post(f"/api/v1/health/exit-exams/{exam.pk}/schedule-follow-up/",
                          {"follow_up_date": "2027-01-10", "version": exam.version + 5}, format="json")
    assert stale.status_code == 409
    with pytest.raises(NotAllowedError):
        exit_exam_transition(instance=exam, name="report_cnss", user=None)
    exam = exit_exam_transition(instance=exam, name="report_cnss", user=None, system=True)
    assert exam.status == "cnss_reported"


@pytest.mark.django_db
def test_demo_loader_is_idempotent(org_a, admin_a):
    import random

    from ..demo.exit import load

    for _ in range(4):
        testing.make_worker(org_a)
    assert "4" in load(organization=org_a, user=admin_a, rng=random.Random(1))
    assert "already" in load(organization=org_a, user=admin_a, rng=random.Random(1))
    states = set(ExitExamination.objects.values_list("status", flat=True))
    assert {"pending", "exam_scheduled", "certificate_issued", "disease_assessment"} <= states
    assert ExitExamination.objects.filter(certificate__isnull=False).count() == 1


@pytest.mark.django_db
def test_daily_run_opens_a_pending_exam_30_days_before_the_workers_exit(org_a, officers):
    from ..services.exit import open_exit_exams

    leaving = testing.make_worker(org_a, exit_date=TODAY + timedelta(days=30))
    later = testing.make_worker(org_a, exit_date=TODAY + timedelta(days=31))
    gone = testing.make_worker(org_a, exit_date=TODAY - timedelta(days=1))
    inactive = testing.make_worker(org_a, exit_date=TODAY + timedelta(days=5), is_active=False)
    assert open_exit_exams(today=TODAY) == 1
    exam = ExitExamination.objects.get()
    assert exam.worker == leaving and exam.status == "pending" and exam.exit_date == leaving.exit_date
    assert open_exit_exams(today=TODAY) == 0
    # The command opens and reminds in one run: the 30-day reminder of the new exam goes out.
    out = StringIO()
    call_command("send_exit_exam_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert ExitExamReminder.objects.filter(exit_examination=exam, days_before=30).exists()
    assert not ExitExamination.objects.filter(worker__in=[later, gone, inactive]).exists()


@pytest.mark.django_db
def test_worker_record_exit_date_alone_makes_the_worker_unfit(org_a):
    from django.utils import timezone

    today = timezone.localdate()
    gone = testing.make_worker(org_a, exit_date=today - timedelta(days=2))
    answer = worker_fitness(gone)
    assert answer.fit is False and "Left the company" in answer.reason
    assert worker_fitness(testing.make_worker(org_a, exit_date=today)).fit is not False
