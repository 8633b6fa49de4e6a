"""French catalogs: complete, compiled, and actually used by the code and the admin."""
import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.utils.translation import gettext, override

from ohms_core import permissions, testing
from ohms_core.models import Worker
from ohms_core.roles import Role

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [
    ROOT / "ohms_core" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ROOT / "ohms_ptw" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ROOT / "ohms_health" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ROOT / "ohms_regulatory" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ROOT / "ohms_integrations" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ROOT / "ohms_visitors" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ROOT / "site" / "ohms_site" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
]
#: The add-on tests below need the add-on installed (CI also runs core alone, OHMS_ADDONS=core).
needs_ptw = pytest.mark.skipif(not apps.is_installed("ohms_ptw"), reason="ohms_ptw not in OHMS_ADDONS")
needs_health = pytest.mark.skipif(not apps.is_installed("ohms_health"), reason="ohms_health not in OHMS_ADDONS")
PASSWORD = "pass-1234-word"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _unquote(line):
    return line[line.index('"') + 1:line.rindex('"')].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def parse_po(path):
    """Minimal .po reader: [(flags, msgid, {msgstr key: text})], header excluded.
    A msgctxt entry's msgid is context + EOT (\\x04) + msgid, the key gettext itself looks up."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        flags, msgid, msgstrs, current, context = set(), [], {}, None, []
        for line in block.splitlines():
            if line.startswith("#~"):
                continue  # obsolete entry
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(","))
            elif line.startswith("msgctxt "):
                current = context
                current.append(_unquote(line))
            elif line.startswith("msgid_plural "):
                current = msgstrs.setdefault("plural_id", [])
                current.append(_unquote(line))
            elif line.startswith("msgid "):
                current = msgid
                current.append(_unquote(line))
            elif line.startswith("msgstr"):
                key = line.split(" ", 1)[0]
                current = msgstrs.setdefault(key, [])
                current.append(_unquote(line))
            elif line.startswith('"') and current is not None:
                current.append(_unquote(line))
        msgid = "".join(msgid)
        if msgid and context:
            msgid = "".join(context) + "\x04" + msgid
        if msgid:
            entries.append((flags, msgid, {k: "".join(v) for k, v in msgstrs.items()}))
    return entries


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-5])
def test_catalog_complete_and_compiled(po):
    entries = parse_po(po)
    assert entries
    untranslated = [msgid for _f, msgid, strs in entries if any(k != "plural_id" and not v for k, v in strs.items())]
    assert untranslated == []
    assert [msgid for flags, msgid, _s in entries if "fuzzy" in flags] == []
    assert "fuzzy" not in po.read_text(encoding="utf-8").split("msgid", 1)[0], "header still fuzzy"
    for _f, msgid, strs in entries:
        for key, text in strs.items():
            if key != "plural_id":
                assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), (msgid, text)
    # The committed .mo matches the .po (not stale).
    with po.with_suffix(".mo").open("rb") as fh:
        mo = gettext_module.GNUTranslations(fh)
    for _f, msgid, strs in entries:
        if "msgstr" in strs:
            assert mo.gettext(msgid) == strs["msgstr"], msgid


def test_strings_translate_in_french():
    with override("fr"):
        assert str(Worker._meta.verbose_name_plural) == "travailleurs"
        assert str(Worker._meta.get_field("employee_number").verbose_name) == "matricule"
        assert str(Role.ORG_ADMIN.label) == "Administrateur de l'organisation"
        assert str(Role.AUDITOR.label) == "Auditeur (lecture seule)"
        decision = permissions.check(user=None, role="auditor", resource="worker", action="add")
        assert not decision.allowed
        assert decision.reason == "Votre rôle «\u00a0Auditeur (lecture seule)\u00a0» ne permet pas de créer les travailleurs."
        assert gettext("Service health") == "État du service"  # site/ohms_site catalog
    with override("en"):
        assert str(Worker._meta.verbose_name_plural) == "workers"


def test_shared_msgids_do_not_break_wagtail_buttons():
    """ohms_* apps come first in INSTALLED_APPS, so their catalogs win for msgids Wagtail
    and Django also use (e.g. the audit actions "Create"/"Delete" are Wagtail's button labels)."""
    with override("fr"):
        assert gettext("Create") == "Créer"
        assert gettext("Delete") == "Supprimer"
        assert gettext("Update") == "Mettre à jour"
        assert gettext("Active") == "Actif"


@pytest.mark.django_db
def test_admin_worker_list_in_french(admin_a, org_a):
    from wagtail.users.models import UserProfile

    testing.make_worker(org_a, employee_number="FR-1")
    profile = UserProfile.get_for_user(admin_a)
    profile.preferred_language = "fr"
    profile.save()
    client = Client()
    assert client.login(username=admin_a.username, password=PASSWORD)
    response = client.get("/admin/core/workers/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "FR-1" in body
    assert "Travailleurs" in body
    assert "Matricule" in body


@needs_ptw
def test_ptw_strings_translate_in_french():
    from ohms_ptw.models import Permit
    from ohms_ptw.states import PermitStatus, SignatureMeaning

    with override("fr"):
        assert str(PermitStatus.PENDING_APPROVAL.label) == "En attente d'approbation"
        assert str(PermitStatus.PENDING_VERIFICATION.label) == "En attente de vérification"
        assert str(SignatureMeaning.ISSUER.label) == "Émetteur"
        assert str(Permit._meta.verbose_name) == "permis"
        assert gettext("Permit to work") == "Permis de travail"
        # Shared with Wagtail's buttons: Wagtail's own French wording is kept.
        assert gettext("Cancel") == "Annuler"
        assert gettext("Status") == "Statut"
    with override("en"):
        assert str(PermitStatus.PENDING_APPROVAL.label) == "Pending approval"


@needs_ptw
@pytest.mark.django_db
def test_admin_permit_list_in_french():
    from wagtail.users.models import UserProfile

    from ohms_ptw.tests.factories import PtwWorld
    from ohms_ptw.tests.test_admin_helpers import make_permit

    world = PtwWorld("FRA")
    permit = make_permit(world, status="pending_verification")
    profile = UserProfile.get_for_user(world.admin)
    profile.preferred_language = "fr"
    profile.save()
    client = Client()
    assert client.login(username=world.admin.username, password=PASSWORD)
    response = client.get("/admin/ptw/permits/")
    assert response.status_code == 200
    body = response.content.decode()
    assert permit.permit_number in body
    assert "<h1" in body and "Permis" in body.split("<h1", 1)[1].split("</h1>", 1)[0]  # page heading
    assert "Début prévu" in body  # column "Planned start"
    assert 'ohms-badge--ptw-status-pending_verification">En attente de vérification<' in body
    assert "Pending verification" not in body


@needs_health
def test_health_strings_translate_in_french():
    """The occupational-health catalog is loaded: fitness answers, field names and the
    confidentiality refusal read in French (a medical officer's screen)."""
    from ohms_health.models import FitnessStatus, MedicalProfile

    with override("fr"):
        assert str(FitnessStatus.TEMPORARILY_UNFIT.label) == "Inapte temporaire"
        assert str(FitnessStatus.UNKNOWN.label) == "Non évalué"
        assert str(MedicalProfile._meta.verbose_name) == "dossier médical"
        assert str(MedicalProfile._meta.get_field("fitness_status").verbose_name) == "aptitude médicale"
        assert str(apps.get_app_config("ohms_health").verbose_name) == "Santé au travail"
        assert gettext("Fit for work with restrictions: ask the medical officer.") == (
            "Apte au travail avec restrictions\u00a0: consultez le médecin du travail.")
    with override("en"):
        assert str(FitnessStatus.TEMPORARILY_UNFIT.label) == "Temporarily unfit"


def test_new_security_messages_translate_in_french():
    """Messages added with the hardening work (invitations, lockout, body limits) are in the core catalog."""
    with override("fr"):
        assert gettext("The request body is too large.") == "Le corps de la requête est trop volumineux."
        assert gettext("This invitation is not yours.") == "Cette invitation ne vous est pas destinée."
        assert gettext("History") == "Historique"  # Wagtail's own wording kept for the shared msgid
        assert gettext("Edit") == "Modifier"


def test_job_labels_and_addon_summaries_translate_in_french():
    """The Jobs and About screens show job labels, schedules and add-on summaries: translated too."""
    from ohms_core import jobs
    from ohms_core.manifest import MANIFEST

    with override("fr"):
        job = jobs.get_job("events_sweep")
        assert str(job.label) == "Relance des événements"
        assert str(job.schedule_label) == "chaque minute"
        assert str(MANIFEST.summary).startswith("Organisations et projets")
    with override("en"):
        assert str(jobs.get_job("events_sweep").label) == "Event sweeper"
