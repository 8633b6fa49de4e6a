"""Demo data of the training add-on, written through the services: four modules (induction,
working at height, LOTO, confined space; in French and English) with their quizzes, modules
assigned to the demo workers, some passed (certificates, one expiring soon), some failed,
and, when the permit to work is installed, LOTO required on the confined-space permit type
(every worker already on such a permit holds the certificate, so the demo permits stay valid).

Also (each idempotent on its own, so an older demo database gets them too): the visitors' demo
site requires the visitor induction, a short quiz in French and English (run after the
visitors demo: the training manifest's menu order puts it there), and the demo worker user
(``travailleur@ohms.demo``, made by ``ohms_demo``) has modules waiting in "My training"."""
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import Organization, Worker
from ohms_core.roles import Role
from ohms_core.services.records import record_create, record_update

from ...models import (
    Certificate,
    SiteVisitorInduction,
    TrainingModule,
    TrainingProgress,
    TrainingQuiz,
)
from ...services import progress_assign, quiz_submit, site_induction_set

MODULES = [
    ("Induction sécurité du site", "fr", 70, 12, [
        ("Où se trouve le point de rassemblement ?", ["Au parking principal", "Dans l'atelier", "Au bureau"], 0),
        ("Que faire en cas d'alarme d'évacuation ?", ["Finir son travail", "Rejoindre le point de rassemblement"], 1),
        ("Le port du casque est-il obligatoire sur le site ?", ["Oui, partout hors bureaux", "Non"], 0),
    ]),
    ("Working at height", "en", 80, 24, [
        ("From what height is fall protection required?", ["1.8 m", "5 m", "10 m"], 0),
        ("What must be inspected before each use?", ["The harness and lanyard", "Nothing"], 0),
        ("Where is the lanyard anchored?", ["Above the shoulders on a rated point", "At the feet"], 0),
        ("Who may erect a scaffold?", ["A competent scaffolder", "Anyone"], 0),
    ]),
    ("Consignation LOTO", "fr", 75, 12, [
        ("Quelle est la première étape de la consignation ?", ["Prévenir l'exploitation", "Ouvrir le sectionneur"], 0),
        ("Qui pose un cadenas ?", ["Chaque intervenant", "Le chef d'équipe seul"], 0),
        ("Avant d'intervenir, on vérifie…", ["L'absence d'énergie", "La météo"], 0),
        ("La clé du cadenas est gardée…", ["Par l'intervenant", "Sur le cadenas"], 0),
    ]),
    ("Confined space entry", "en", 80, 12, [
        ("What is tested before entry?", ["The atmosphere (O2, LEL, H2S, CO)", "The temperature only"], 0),
        ("Who stays outside during the entry?", ["A trained attendant", "Nobody"], 0),
        ("Is a rescue plan required?", ["Yes", "No"], 0),
    ]),
]

#: The visitor induction (same quiz in both languages; the visitor picks theirs).
VISITOR_INDUCTION = [
    ("Sécurité du site (visiteurs)", "fr", [
        ("Où circulez-vous sur le site ?", ["Partout", "Uniquement sur les passages piétons balisés"], 1),
        ("Que faites-vous quand l'alarme d'évacuation retentit ?",
         ["Je rejoins le point de rassemblement avec mon hôte", "Je termine ma visite"], 0),
        ("Quels EPI portez-vous hors des bureaux ?", ["Casque, lunettes, chaussures de sécurité, gilet", "Aucun"], 0),
    ]),
    ("Site safety (visitors)", "en", [
        ("Where do you walk on site?", ["Anywhere", "Only on the marked walkways"], 1),
        ("What do you do when the evacuation alarm sounds?",
         ["Go to the muster point with my host", "Finish my visit"], 0),
        ("Which PPE do you wear outside the offices?", ["Helmet, glasses, safety boots, vest", "None"], 0),
    ]),
]


class Command(BaseCommand):
    help = "Load the training demo data (modules, quizzes, progress, certificates) into the demo organization."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="SMK")

    def handle(self, *args, **opts):
        organization = Organization.objects.filter(code=opts["org"]).first()
        if organization is None:
            self.stdout.write("Training demo: no demo organization; run ohms_demo first.")
            return
        admin = get_user_model().objects.filter(username="admin@ohms.demo").first()
        with acting_as(user=admin, organization=organization, role=Role.ORG_ADMIN, reason="Training demo data"), \
                transaction.atomic():
            if TrainingModule.objects.filter(organization=organization, title=MODULES[0][0]).exists():
                self.stdout.write("Training demo data already present.")
            else:
                count = self._load(organization, admin)
                self.stdout.write(self.style.SUCCESS(
                    f"Training demo data loaded: {len(MODULES)} modules, {count} certificates."))
            site = self._visitor_induction(organization, admin)
            if site is not None:
                self.stdout.write(f"Training demo: visitors of {site} take the visitor induction before check-in.")
            self._demo_worker(organization, admin)

    def _quiz_module(self, organization, admin, title, language, pass_mark, months, questions, max_attempts=3):
        module = record_create(model=TrainingModule, organization=organization, user=admin, data={
            "title": title, "language": language, "pass_mark": pass_mark, "validity_months": months,
            "video_url": f"https://formation.ohms.demo/{TrainingModule.objects.filter(organization=organization).count() + 1}",
            "description": title})
        record_create(model=TrainingQuiz, organization=organization, user=admin, data={
            "module": module, "title": title, "max_attempts": max_attempts,
            "questions": [{"text": q, "choices": c, "answer": a} for q, c, a in questions]})
        return module

    def _visitor_induction(self, organization, admin):
        """The visitors' demo site (the Kolwezi concentrator) requires the visitor induction."""
        from ohms_core.models import Site

        if SiteVisitorInduction.all_objects.filter(organization=organization).exists():
            return None
        sites = list(Site.objects.filter(organization=organization).order_by("name"))
        site = next((s for s in sites if "Kolwezi" in s.name), sites[0] if sites else None)
        if site is None:
            return None
        french, english = (self._quiz_module(organization, admin, title, language, 100, 12, questions)
                           for title, language, questions in VISITOR_INDUCTION)
        site_induction_set(organization=organization, site=site, module=french, translated_module=english, user=admin)
        return site

    def _demo_worker(self, organization, admin):
        """The demo worker user finds modules waiting in "My training" (assigned, not yet taken)."""
        from ohms_core.management.commands.ohms_demo import WORKER_EMAIL

        worker = Worker.objects.filter(organization=organization, user__username=WORKER_EMAIL).first()
        if worker is None:
            return
        for title in ("Induction sécurité du site", "Working at height"):
            module = TrainingModule.objects.filter(organization=organization, title=title).first()
            if module is not None and not TrainingProgress.objects.filter(worker=worker, module=module).exists():
                progress_assign(organization=organization, module=module, worker=worker, user=admin,
                                due_date=timezone.localdate() + timedelta(days=14))

    def _load(self, organization, admin):
        modules = []
        for title, language, pass_mark, months, questions in MODULES:
            module = record_create(model=TrainingModule, organization=organization, user=admin, data={
                "title": title, "language": language, "pass_mark": pass_mark, "validity_months": months,
                "video_url": f"https://formation.ohms.demo/{len(modules) + 1}",
                "description": title})
            record_create(model=TrainingQuiz, organization=organization, user=admin, data={
                "module": module, "title": title, "max_attempts": 3,
                "questions": [{"text": q, "choices": c, "answer": a} for q, c, a in questions]})
            modules.append(module)
        induction, height, loto, confined = modules
        workers = list(Worker.objects.filter(organization=organization, is_active=True).order_by("employee_number"))
        crew_ids = set()
        if apps.is_installed("ohms_ptw"):
            PermitType = apps.get_model("ohms_ptw", "PermitType")
            PermitWorker = apps.get_model("ohms_ptw", "PermitWorker")
            permit_type = PermitType.objects.filter(organization=organization, category="confined_space").first()
            if permit_type is not None:
                crew_ids = set(PermitWorker.objects.filter(permit__permit_type=permit_type)
                               .values_list("worker_id", flat=True))
                record_update(instance=permit_type, user=admin,
                              data={"required_training_modules": [str(loto.pk)]})
        certified = 0
        for index, worker in enumerate(workers):
            for module in (induction, loto) if (index < 12 or worker.pk in crew_ids) else (induction,):
                progress_assign(organization=organization, module=module, worker=worker, user=admin,
                                due_date=timezone.localdate() + timedelta(days=30))
            if index < 8 or worker.pk in crew_ids:
                for module in (induction, loto):
                    quiz = module.quizzes.first()
                    result = quiz_submit(quiz=quiz, worker=worker, user=admin,
                                         answers=[q["answer"] for q in quiz.questions])
                    certified += bool(result["certificate"])
            elif index < 10:
                quiz = loto.quizzes.first()
                quiz_submit(quiz=quiz, worker=worker, user=admin, answers=[0] * len(quiz.questions[:-2])
                            + [1, 1])  # a failed attempt: two wrong answers
        for worker in workers[:3]:
            progress_assign(organization=organization, module=height, worker=worker, user=admin)
            progress_assign(organization=organization, module=confined, worker=worker, user=admin)
        # One certificate expiring within the reminder window, so the matrix shows "expiring".
        soon = Certificate.objects.filter(organization=organization, module=induction).order_by("issued_at").first()
        if soon is not None:
            record_update(instance=soon, user=admin, data={"expires_at": timezone.now() + timedelta(days=20)})
        return certified
