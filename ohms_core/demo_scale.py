"""``ohms_demo --scale N``: N more demo organizations at mine scale, for the load test.

The normal demo (one organization, a few dozen of everything, each row through the services
so every event and audit entry is real) shows the features; it says nothing about speed.
The load test needs the volume of a mine: thousands of permits, a thousand workers and their
medical exams per organization, several organizations in one database (so every query's
organization filter is exercised on rows of other tenants). Rows at that volume go in with
``bulk_create`` (no signals, audit or events: the data is history, not news); the few
configuration rows (sites, projects, memberships, library points) still go through the
services. Each add-on adds its share through its manifest's ``demo_scale`` hook.

Organizations are ``SC01``, ``SC02``...; each has the demo roles as its own users,
``<role>.sc01@ohms.demo`` (``scaled_login``), with the demo password. An organization that
exists already is skipped (running the command twice adds nothing; a larger N adds the
missing ones); each organization is written in one transaction, so an interrupted run leaves
none half-made.
"""
from __future__ import annotations

import random
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import import_string

from .context import acting_as
from .models import Contact, Enterprise, Organization, Project, Site, Worker
from .registry import addons
from .roles import Role
from .services.records import record_create
from .services.tenancy import membership_upsert, organization_get_or_create

PERMITS_PER_ORG = 3000
WORKERS_PER_ORG = 1000
#: (login prefix, role, first name, last name): the demo roles of a scaled organization.
SCALED_USERS = [
    ("admin", Role.ORG_ADMIN, "Admin", "Échelle"),
    ("securite", Role.SAFETY_MANAGER, "Ange", "Mulumba"),
    ("demandeur", Role.PERMIT_REQUESTER, "Serge", "Kalombo"),
    ("verificateur", Role.VERIFIER, "Olive", "Kasongo"),
    ("approbateur", Role.APPROVER, "Arsène", "Mwenze"),
    ("emetteur", Role.ISSUER, "Jules", "Kabeya"),
    ("medecin", Role.MEDICAL_OFFICER, "Béatrice", "Ngalula"),
    ("conformite", Role.COMPLIANCE_OFFICER, "Paul", "Tshiamala"),
    ("auditeur", Role.AUDITOR, "Claire", "Dubois"),
]


def scaled_code(index: int) -> str:
    """The code of the ``index``-th scaled organization (1-based): ``SC01``."""
    return f"SC{index:02d}"


def scaled_login(prefix: str, index: int) -> str:
    """A scaled organization's login: ``securite.sc01@ohms.demo`` (bench/locustfile.py builds
    the same names from ``LOADTEST_SCALE``)."""
    return f"{prefix}.{scaled_code(index).lower()}@ohms.demo"


def _users(index: int, password_hash: str) -> dict:
    """The organization's demo users, created in one statement (one password hash for all:
    hashing it per user would cost half a second each)."""
    User = get_user_model()
    wanted = {scaled_login(prefix, index): (prefix, first, last) for prefix, _, first, last in SCALED_USERS}
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    User.objects.bulk_create(User(username=login, email=login, password=password_hash, first_name=first,
                                  last_name=last)
                             for login, (prefix, first, last) in wanted.items() if login not in existing)
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    return {wanted[login][0]: user for login, user in users.items()}


def _workers(organization, *, count: int, sites, enterprises, rng) -> list:
    from .management.commands.ohms_demo import EXPOSURE, FIRST_NAMES, JOBS, LAST_NAMES

    today = date.today()
    contacts, rows = [], []
    for _n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contacts.append(Contact(organization=organization, first_name=first, last_name=last,
                                phone=f"+243 97{rng.randint(1000000, 9999999)}"))
    Contact.objects.bulk_create(contacts, batch_size=1000)
    for n, contact in enumerate(contacts):
        dob = date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28))
        hire = min(dob + timedelta(days=365 * rng.randint(19, 30)), today - timedelta(days=30))
        rows.append(Worker(organization=organization, contact=contact, enterprise=enterprises[n % len(enterprises)],
                           site=sites[n % len(sites)], employee_number=f"{organization.code}-{n + 1:05d}",
                           date_of_birth=dob, hire_date=hire, job_title=rng.choice(JOBS),
                           exposure_group=rng.choice(EXPOSURE)))
    return Worker.objects.bulk_create(rows, batch_size=1000)


def _organization(index: int, *, admin, password_hash: str, size: dict, progress) -> list[str]:
    code = scaled_code(index)
    rng = random.Random(index)
    lines = []
    with transaction.atomic():
        organization, _ = organization_get_or_create(code=code, name=f"Mine de démonstration {index:02d}", actor=admin)
        users = _users(index, password_hash)
        with acting_as(user=admin, organization=organization, role=Role.ORG_ADMIN, reason="scaled demo data"):
            for prefix, role, _first, _last in SCALED_USERS:
                membership_upsert(organization=organization, user=users[prefix], role=role, actor=admin)

            def make(model, **data):
                return record_create(model=model, organization=organization, data=data, user=admin)

            plant = make(Site, name=f"Concentrateur {code}", code=f"{code}-CONC", province="Lualaba")
            mine = make(Site, name=f"Mine souterraine {code}", code=f"{code}-UG", province="Lualaba")
            operator = make(Enterprise, name=f"Opérateur {code}", code=f"{code}-OP")
            contractor = make(Enterprise, name=f"Sous-traitant {code}", code=f"{code}-ST", is_contractor=True)
            make(Project, name="Arrêt annuel concentrateur", code=f"{code}-ARRET", site=plant, enterprise=operator)
            make(Project, name="Extension galerie", code=f"{code}-GAL", site=mine, enterprise=contractor)
            make(Project, name="Maintenance courante", code=f"{code}-MAINT", site=plant, enterprise=operator)
            workers = _workers(organization, count=size["workers"], sites=[plant, mine],
                               enterprises=[operator, operator, contractor], rng=rng)
            lines.append(f"{code}: {len(workers)} workers")
            people = {"requester": users["demandeur"], "verifier": users["verificateur"],
                      "approver": users["approbateur"], "issuer": users["emetteur"], "area": users["securite"],
                      "admin": users["admin"], "medical": users["medecin"]}
            for manifest in addons():
                if manifest.demo_scale:
                    load = import_string(manifest.demo_scale)
                    lines.append(f"{code}: " + load(organization=organization, user=admin, people=people,
                                                    workers=workers, size=size, progress=progress))
    return lines


def scale_load(count: int, *, admin, password: str, permits: int = PERMITS_PER_ORG, workers: int = WORKERS_PER_ORG,
               progress=None) -> dict:
    """Create the scaled organizations ``SC01``..``SC<count>`` that do not exist yet.

    Returns ``{"created": [codes], "skipped": [codes], "lines": [report lines], "seconds": s}``."""
    started = time.perf_counter()
    size = {"permits": permits, "workers": max(workers, 1)}
    password_hash = make_password(password)
    created, skipped, lines = [], [], []
    for index in range(1, count + 1):
        code = scaled_code(index)
        if Organization.objects.filter(code=code).exists():
            skipped.append(code)
            continue
        lines += _organization(index, admin=admin, password_hash=password_hash, size=size, progress=progress)
        created.append(code)
        if progress:
            progress(f"{code} loaded ({time.perf_counter() - started:.1f} s)")
    return {"created": created, "skipped": skipped, "lines": lines, "seconds": round(time.perf_counter() - started, 1)}
