"""French on the screens merged today (task console, compliance reports, ops health, throttling).

Our users work in French: a user whose Wagtail profile says ``fr`` must see French headings,
filters and messages, and none of the English source strings. The catalog test
(ohms_core/tests/test_translations.py) proves every entry is translated; these tests prove the
new screens actually go through gettext and pick the French catalog up.
"""
from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from .helpers import BASE
from .test_reports import make as report_permit
from .test_task_console import task
from .throttle_utils import throttle_rates

pytestmark = pytest.mark.django_db
HEALTH = "/api/v1/ptw/health/"


def french(user):
    """A logged-in client for ``user`` with French as their admin language (as the user would set it)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "fr"
    profile.save()
    client = Client()
    client.force_login(user)
    return client


def heading(body: str) -> str:
    return unescape(body.split("<h1", 1)[1].split("</h1>", 1)[0])


def test_task_console_in_french(plain):
    step = task(plain, "verification", title="Soudure trémie")
    response = french(plain.admin).get("/admin/ptw/tasks/", {"scope": "projects"})
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert step.workflow.permit.permit_number in body
    assert "Mes tâches" in heading(body)
    for text in ("En retard ou escaladé", "En attente de vérification", "Filtres rapides", "Tous les groupes",
                 "En retard uniquement", "Escaladés uniquement", "1 étape en attente",
                 "toutes les étapes en attente dans mes projets", "Ancienneté", "Échéance",
                 "Aperçu et actions rapides", "Commentaire (obligatoire pour rejeter)", "Rien ici."):
        assert text in body, text
    for text in ("My tasks", "Overdue or escalated", "Pending verification", "Quick filters", "All groups",
                 "pending step", "Nothing here.", "Comment (required to reject)"):
        assert text not in body, text


def test_task_console_quick_action_messages_in_french(plain):
    step = task(plain, "verification")
    number = step.workflow.permit.permit_number
    client = french(plain.verifier)
    approved = client.post(reverse("ohms_ptw_task_decide", args=[step.pk]),
                           {"decision": "approve", "comment": "Contrôlé sur place"})
    assert approved.status_code == 302
    messages = [str(m) for m in get_messages(approved.wsgi_request)]
    assert f"Permis {number} vérifié." in messages, messages
    assert not any("verified" in m for m in messages)


def test_reports_page_in_french(w):
    now = timezone.now()
    report_permit(w, "pending_verification", submitted_at=now - timedelta(hours=9))
    response = french(w.admin).get("/admin/ptw/reports/")
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert "Rapport de conformité des permis" in heading(body)
    for text in ("Exporter le rapport (PDF)", "Exporter le rapport (Excel)", "Exporter les PDF (ZIP)",
                 "Tous les types", "Taux d'incidents", "Permis par statut", "Aucun."):
        assert text in body, text
    assert "Permis créés du " in body and "; situation au " in body
    for text in ("Permit compliance report", "Export report (PDF)", "All types", "Incident rate",
                 "Permits created from", "None."):
        assert text not in body, text


def test_reports_page_bad_range_error_in_french(w):
    today = timezone.localdate()
    response = french(w.admin).get("/admin/ptw/reports/", {"date_from": today.isoformat(),
                                                          "date_to": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    body = unescape(response.content.decode())
    assert "La fin de la période doit être postérieure à son début." in body
    assert "The end of the range must come after its start." not in body


def test_ops_health_refusal_in_french(w):
    client = w.client(w.requester)
    response = client.get(HEALTH, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert "Seuls les administrateurs de l'organisation et les responsables sécurité" in str(response.json())
    english = client.get(HEALTH, HTTP_ACCEPT_LANGUAGE="en")
    assert "Only organization admins and safety managers" in str(english.json())


def test_throttled_answer_in_french(w):
    client = w.client(w.admin)
    with throttle_rates(ptw_kpi="1/min"):
        assert client.get(BASE + "kpis/", HTTP_ACCEPT_LANGUAGE="fr").status_code == 200
        response = client.get(BASE + "kpis/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled"  # the machine code stays stable; the sentence is French
    assert body["detail"].startswith("Requête ralentie.") and "60 secondes" in body["detail"]


def test_new_strings_translate_in_french():
    with override("fr"):
        assert gettext("My tasks") == "Mes tâches"
        assert gettext("Permit compliance report") == "Rapport de conformité des permis"
        assert gettext("Attach a photo.") == "Joignez une photo."
        assert gettext("Isolation steps") == "Étapes de consignation"
        assert gettext("Already used by this device for record %(id)s.") % {"id": "42"} == (
            "Déjà utilisé par cet appareil pour l'enregistrement 42.")
        assert gettext("Site") == "Site"
        assert gettext("Choose a site of this organization.") == "Choisissez un site de cette organisation."
