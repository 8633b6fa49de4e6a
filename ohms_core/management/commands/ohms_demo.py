"""Load realistic demo data once (idempotent) and print how to sign in.

Creates a Congolese copper/cobalt mining organization with sites, projects, employers,
workers, contacts and documents, demo users for the main roles, and then runs the demo
command of every other installed add-on that declares one in its manifest.

Before printing the login, every event the demo emitted is dispatched here, synchronously
(``events.sweep`` with no grace period): the notification bells are full when the first
demo user signs in, even before the job consumer of ``make run`` has started. The jobs
queued for the same events later find them delivered and skip them (dispatch is at most
once per subscriber).

``--scale N`` loads something else: N organizations at mine scale for the load test (see
``ohms_core.demo_scale``), each with its own demo logins, printed at the end.
"""
import os
import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.context import acting_as
from ohms_core.demo_scale import (
    PERMITS_PER_ORG,
    SCALED_USERS,
    WORKERS_PER_ORG,
    scale_load,
    scaled_code,
    scaled_login,
)
from ohms_core.models import Contact, Enterprise, Organization, Project, Site, Worker
from ohms_core.registry import addons
from ohms_core.roles import Role
from ohms_core.services.documents import document_upload
from ohms_core.services.people import worker_create
from ohms_core.services.records import record_create, record_update
from ohms_core.services.tenancy import membership_upsert, organization_get_or_create

DEMO_CODE = "SMK"
DEMO_NAME = "Société Minière du Katanga"
ADMIN_EMAIL = "admin@ohms.demo"
DEFAULT_PASSWORD = "ohms-demo-2026"
SWEEP_BATCH = 500

FIRST_NAMES = ["Jean", "Marie", "Patrick", "Grâce", "Joseph", "Esther", "Didier", "Chantal", "Papy", "Nadine",
               "Trésor", "Ruth", "Fiston", "Aline", "Héritier", "Solange", "Blaise", "Mireille", "Cédric", "Josée"]
LAST_NAMES = ["Kabongo", "Mukendi", "Ilunga", "Kasongo", "Mwamba", "Tshibangu", "Banza", "Ngoy", "Kalenga", "Mbuyi",
              "Nkulu", "Kyungu", "Mutombo", "Kapend", "Musonda", "Lukusa", "Kalala", "Mpanga", "Numbi", "Kazadi"]
JOBS = ["Opérateur de broyeur", "Électricien de maintenance", "Mécanicien engins", "Foreur", "Boutefeu",
        "Opérateur flottation", "Soudeur", "Technicien HSE", "Chauffeur dumper", "Laborantin"]
EXPOSURE = ["Poussières/silice", "Bruit", "Cobalt", "Acide sulfurique", "Vibrations", "Chaleur"]
#: Operator jobs done underground at Kamoto; support jobs are based at the Musonoi camp;
#: every other job is at the Kolwezi concentrator (``demo_site``).
MINE_JOBS = {"Foreur", "Boutefeu", "Chauffeur dumper", "Mécanicien engins"}
CAMP_JOBS = {"Technicien HSE", "Laborantin"}


def demo_site(*, employer, job, drilling, electric, mine, plant, camp):
    """The site a demo worker is based at: the drilling contractor works the underground
    mine, the electrical contractor the concentrator, the operator's staff by job."""
    if employer == drilling or (employer != electric and job in MINE_JOBS):
        return mine
    if employer != electric and job in CAMP_JOBS:
        return camp
    return plant


#: The demo user with the worker role, linked to a worker record (takes modules, downloads certificates).
WORKER_EMAIL = "travailleur@ohms.demo"

DEMO_USERS = [
    ("securite@ohms.demo", Role.SAFETY_MANAGER, "Ange", "Mulumba"),
    ("demandeur@ohms.demo", Role.PERMIT_REQUESTER, "Serge", "Kalombo"),
    ("verificateur@ohms.demo", Role.VERIFIER, "Olive", "Kasongo"),
    ("approbateur@ohms.demo", Role.APPROVER, "Arsène", "Mwenze"),
    ("emetteur@ohms.demo", Role.ISSUER, "Jules", "Kabeya"),
    ("medecin@ohms.demo", Role.MEDICAL_OFFICER, "Dr Béatrice", "Ngalula"),
    ("conformite@ohms.demo", Role.COMPLIANCE_OFFICER, "Paul", "Tshiamala"),
    ("auditeur@ohms.demo", Role.AUDITOR, "Claire", "Dubois"),
]


def deliver_pending_events() -> int:
    """Dispatch every event not yet dispatched, now, in this process (bounded: the sweeper
    stops retrying an event after ``OHMS_EVENT_MAX_ATTEMPTS``)."""
    total = 0
    while True:
        count = events.sweep(grace=timedelta(0), limit=SWEEP_BATCH)
        total += count
        if count < SWEEP_BATCH:
            return total


class Command(BaseCommand):
    help = "Load demo data (idempotent) for every installed add-on and print the admin login."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=40)
        parser.add_argument("--scale", type=int, default=0, metavar="N",
                            help=_("Add N demo organizations at mine scale (SC01...) for the load test; "
                                   "the normal demo is not loaded."))
        parser.add_argument("--permits-per-org", type=int, default=PERMITS_PER_ORG,
                            help=_("With --scale: permits per organization."))
        parser.add_argument("--workers-per-org", type=int, default=WORKERS_PER_ORG,
                            help=_("With --scale: workers per organization (each with two medical exams)."))

    def handle(self, *args, **opts):
        password = os.environ.get("OHMS_DEMO_PASSWORD", DEFAULT_PASSWORD)
        User = get_user_model()
        admin = User.objects.filter(username=ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create_superuser(ADMIN_EMAIL, ADMIN_EMAIL, password, first_name="Admin", last_name="OHMS")
        if opts["scale"]:
            return self._scale(opts, admin, password)
        created = not Organization.objects.filter(code=DEMO_CODE).exists()
        if created:
            with transaction.atomic():
                organization, _ = organization_get_or_create(code=DEMO_CODE, name=DEMO_NAME)
                with acting_as(user=admin, organization=organization, role=Role.ORG_ADMIN, reason="demo data"):
                    self._load_core(organization, admin, password, opts["workers"])
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded for {DEMO_NAME} ({DEMO_CODE})."))
        else:
            self.stdout.write(f"Demo data already present for {DEMO_NAME} ({DEMO_CODE}); nothing to do.")
        organization = Organization.objects.get(code=DEMO_CODE)
        with acting_as(user=admin, organization=organization, role=Role.ORG_ADMIN, reason="demo data"):
            demo_worker = self._demo_worker_user(organization, admin, password)
        for manifest in addons():
            if manifest.demo_command and manifest.demo_command != "ohms_demo":
                call_command(manifest.demo_command, stdout=self.stdout)
        delivered = deliver_pending_events()
        if delivered:
            self.stdout.write(f"Demo events delivered (notifications ready): {delivered}.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Sign in at http://127.0.0.1:%s/admin/" % os.environ.get("PORT", "8000")))
        self.stdout.write(f"  admin:  {ADMIN_EMAIL} / {password}")
        self.stdout.write(f"  others: {', '.join(u[0] for u in DEMO_USERS)} (same password)")
        if demo_worker is not None:
            self.stdout.write(f"  worker: {WORKER_EMAIL} (same password; worker {demo_worker.employee_number}, "
                              f"{demo_worker.contact.full_name}): take a module, pass its quiz, download the certificate")

    def _demo_worker_user(self, organization, admin, password):
        """The demo user with the worker role, linked to a worker record so that "My training"
        has modules to take (idempotent: found again on later runs)."""
        User = get_user_model()
        linked = Worker.objects.filter(organization=organization, user__username=WORKER_EMAIL).first()
        if linked is not None:
            return linked
        worker = (Worker.objects.filter(organization=organization, is_active=True, user__isnull=True)
                  .select_related("contact").order_by("-employee_number").first())
        if worker is None:
            return None
        user = User.objects.filter(username=WORKER_EMAIL).first() or User.objects.create_user(
            WORKER_EMAIL, WORKER_EMAIL, password, first_name=worker.contact.first_name,
            last_name=worker.contact.last_name)
        membership_upsert(organization=organization, user=user, role=Role.WORKER)
        return record_update(instance=worker, data={"user": user}, user=admin)

    def _scale(self, opts, admin, password):
        """``--scale N``: the scaled organizations (``ohms_core.demo_scale``), then their logins."""
        if opts["scale"] < 0 or opts["permits_per_org"] < 0 or opts["workers_per_org"] < 1:
            raise CommandError(_("--scale and --permits-per-org must be positive, --workers-per-org at least 1."))
        result = scale_load(opts["scale"], admin=admin, password=password, permits=opts["permits_per_org"],
                            workers=opts["workers_per_org"], progress=self.stdout.write)
        for line in result["lines"]:
            self.stdout.write(f"  {line}")
        if result["skipped"]:
            self.stdout.write(_("Already present, left as they are: %(codes)s.") % {"codes": ", ".join(result["skipped"])})
        if result["created"]:
            self.stdout.write(self.style.SUCCESS(_("Scaled demo loaded: %(codes)s in %(seconds)s s.") % {
                "codes": ", ".join(result["created"]), "seconds": result["seconds"]}))
        delivered = deliver_pending_events()
        if delivered:
            self.stdout.write(f"Demo events delivered (notifications ready): {delivered}.")
        self.stdout.write(_("Logins (password %(password)s):") % {"password": password})
        for index in range(1, opts["scale"] + 1):
            logins = ", ".join(scaled_login(prefix, index) for prefix, *_rest in SCALED_USERS)
            self.stdout.write(f"  {scaled_code(index)}: {logins}")

    def _load_core(self, organization, admin, password, n_workers):
        rng = random.Random(2026)
        membership_upsert(organization=organization, user=admin, role=Role.ORG_ADMIN)
        User = get_user_model()
        for email, role, first, last in DEMO_USERS:
            user = User.objects.filter(username=email).first() or User.objects.create_user(
                email, email, password, first_name=first, last_name=last
            )
            membership_upsert(organization=organization, user=user, role=role)

        def make(model, **data):
            return record_create(model=model, organization=organization, data=data, user=admin)

        kolwezi = make(Site, name="Concentrateur de Kolwezi", code="KZI-CONC", province="Lualaba", address="Route de Likasi, Kolwezi")
        kamoto = make(Site, name="Mine souterraine de Kamoto", code="KTO-UG", province="Lualaba")
        musonoi = make(Site, name="Camp de base Musonoi", code="MSN-CAMP", province="Lualaba")
        operator = make(Enterprise, name=DEMO_NAME, code="000", cnss_employer_number="CNSS-1020304")
        drilling = make(Enterprise, name="Forages du Lualaba SARL", code="FLU", is_contractor=True)
        electric = make(Enterprise, name="Katanga Électrique Services", code="KES", is_contractor=True)
        make(Project, name="Arrêt annuel concentrateur 2026", code="ARRET-2026", site=kolwezi, enterprise=operator)
        make(Project, name="Extension galerie niveau -350", code="GAL-350", site=kamoto, enterprise=drilling)
        make(Project, name="Remplacement transformateur T4", code="TRANSFO-T4", site=kolwezi, enterprise=electric)

        employers = [operator, operator, operator, drilling, electric]
        today = date.today()
        workers = []
        for i in range(n_workers):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            dob = date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28))
            hire = dob + timedelta(days=365 * rng.randint(19, 30) + rng.randint(0, 300))
            hire = min(hire, today - timedelta(days=30))
            job = rng.choice(JOBS)
            employer = employers[i % len(employers)]
            workers.append(worker_create(
                organization=organization,
                data={
                    "enterprise": employer,
                    "site": demo_site(employer=employer, job=job, drilling=drilling, electric=electric,
                                      mine=kamoto, plant=kolwezi, camp=musonoi),
                    "employee_number": f"SMK-{i + 1:05d}",
                    "date_of_birth": dob,
                    "hire_date": hire,
                    "job_title": job,
                    "exposure_group": rng.choice(EXPOSURE),
                },
                contact_data={
                    "first_name": first, "last_name": last,
                    "email": f"{first.lower().replace('é', 'e').replace('è', 'e').replace('ê', 'e').replace('â', 'a')}."
                             f"{last.lower()}.{i + 1}@smk.demo",
                    "phone": f"+243 97{rng.randint(1000000, 9999999)}",
                },
                user=admin,
            ))
        make(Contact, contact_type="provider", first_name="Clinique", last_name="Sainte-Barbe", phone="+243 990000111", city="Kolwezi")
        make(Contact, contact_type="vendor", first_name="EPI", last_name="Katanga Sécurité", email="ventes@epi-katanga.demo", city="Lubumbashi")
        docs = [
            ("Politique santé-sécurité 2026", "procedure", "internal", b"Politique SST de la SMK, revue 2026."),
            ("Procédure consignation électrique (LOTO)", "procedure", "internal", b"Etapes de consignation et deconsignation."),
            ("Contrat Forages du Lualaba", "contract", "confidential", b"Contrat de sous-traitance 2026-2027."),
        ]
        for title, kind, privacy, body in docs:
            document_upload(
                organization=organization,
                data={"title": title, "document_type": kind, "privacy_level": privacy,
                      "file": SimpleUploadedFile(f"{kind}.txt", body, content_type="text/plain")},
                user=admin,
            )
        for worker in workers[:3]:
            document_upload(
                organization=organization,
                data={"title": f"Aptitude médicale — {worker.contact.full_name}", "document_type": "medical_record",
                      "privacy_level": "restricted", "worker": worker, "access_logging_required": True,
                      "retention_until": today + timedelta(days=365 * 40),
                      "file": SimpleUploadedFile("aptitude.txt", b"Apte au poste.", content_type="text/plain")},
                user=admin,
            )
