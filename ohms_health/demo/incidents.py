"""Demo incidents and occupational diseases (a DEMO_STEPS loader of ``ohms_health_demo``).

Incidents across two enterprises, in every state and several severities, written through the
services and the state machine (so the events, the transition log and the history are the
real ones), and two occupational diseases: silicosis and noise-induced hearing loss.
Idempotent: does nothing when the organization already has incidents.
"""
from datetime import timedelta

from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import Enterprise, Worker
from ohms_core.roles import Role
from ohms_core.workflows import transition_perform

from ..models import CorrectiveAction, Incident, IncidentInjury
from ..services.incidents import (
    disease_diagnose,
    incident_child_save,
    incident_report,
    incident_update,
)

#: (days ago, severity, location, description, final status, root cause, corrective actions, all done)
INCIDENTS = [
    (3, "fatal", "Mine souterraine de Kamoto, galerie -350", "Chute de toit lors du purgeage du front de taille.",
     "reported", "", [], False),
    (9, "severe", "Concentrateur de Kolwezi, broyeur 2", "Main happée par le convoyeur pendant un nettoyage.",
     "investigating", "", [], False),
    (21, "lost_time", "Atelier électrique, poste T4", "Brûlure par arc électrique lors d'une consignation.",
     "actions_open", "Consignation incomplète: absence de vérification d'absence de tension.",
     ["Former l'équipe à la VAT", "Ajouter la VAT à la check-list de consignation"], False),
    (45, "medical_treatment", "Usine SX, bac de décantation", "Projection d'acide sulfurique sur l'avant-bras.",
     "actions_open", "Raccord de flexible usé.", ["Remplacer les flexibles du bac 3", "Inspection mensuelle"], True),
    (70, "first_aid", "Fosse KOV, rampe sud", "Coupure légère à la main en manipulant une tôle.",
     "closed", "Gants non portés.", [], False),
    (120, "lost_time", "Mine souterraine de Kamoto, niveau -280", "Entorse de la cheville en descendant l'échelle.",
     "closed", "Échelle glissante, éclairage insuffisant.", ["Poser des bandes antidérapantes"], True),
]


def load(*, organization, user, rng) -> str:
    # The demo acts as the organization's administrator (investigations need that role).
    with acting_as(organization=organization, user=user, role=Role.ORG_ADMIN, reason="demo data"):
        return _load(organization=organization, user=user, rng=rng)


def _load(*, organization, user, rng) -> str:
    if Incident.all_objects.filter(organization=organization).exists():
        return "Health demo: incidents already present."
    enterprises = list(Enterprise.objects.filter(organization=organization).order_by("code")[:2])
    if not enterprises:
        return "Health demo: no enterprise, no incidents."
    now = timezone.now()
    created = 0
    for index, (days, severity, location, description, status, cause, actions, done) in enumerate(INCIDENTS):
        enterprise = enterprises[index % len(enterprises)]
        pool = list(Worker.objects.filter(organization=organization, enterprise=enterprise).order_by("employee_number"))
        involved = rng.sample(pool, k=min(len(pool), rng.randint(1, 2))) if pool else []
        incident = incident_report(organization=organization, user=user, data={
            "enterprise": enterprise, "occurred_at": now - timedelta(days=days, hours=rng.randint(0, 10)),
            "severity": severity, "location": location, "description": description, "workers": involved,
        })
        if involved and severity != "first_aid":
            incident_child_save(model=IncidentInjury, organization=organization, user=user, data={
                "incident": incident, "worker": involved[0], "injury_type": rng.choice(["fracture", "burn", "sprain"]),
                "body_part": rng.choice(["main droite", "cheville gauche", "avant-bras"]),
                "days_lost": {"lost_time": 12, "severe": 45, "fatal": 0}.get(severity, 0),
            })
        created += 1
        if status == "reported":
            continue
        transition_perform(instance=incident, name="investigate", user=user)
        if status == "investigating":
            continue
        incident = incident_update(instance=Incident.objects.get(pk=incident.pk), data={"root_cause": cause}, user=user)
        for text in actions:
            incident_child_save(model=CorrectiveAction, organization=organization, user=user, data={
                "incident": incident, "description": text, "owner": user,
                "due_date": (now + timedelta(days=rng.randint(7, 30))).date(),
                "done_at": now - timedelta(days=1) if done else None,
            })
        incident = Incident.objects.get(pk=incident.pk)
        if actions:
            transition_perform(instance=incident, name="open_actions", user=user)
        if status == "closed":
            transition_perform(instance=Incident.objects.get(pk=incident.pk), name="close", user=user)

    workers = list(Worker.objects.filter(organization=organization).order_by("employee_number")[:2])
    diseases = 0
    for worker, (disease, agent, detail) in zip(workers, [
        ("Silicose", "silica dust", "Opacités micronodulaires bilatérales (ILO 1/1); exposition de 14 ans."),
        ("Surdité professionnelle", "noise", "Encoche audiométrique à 4 kHz bilatérale, perte moyenne 35 dB."),
    ], strict=False):
        disease_diagnose(organization=organization, user=user, role="org_admin", data={
            "worker": worker, "disease": disease, "agent": agent, "is_occupational": True,
            "diagnosed_on": (now - timedelta(days=rng.randint(30, 200))).date(), "diagnosis_detail": detail,
        })
        diseases += 1
    return f"Health demo: {created} incidents, {diseases} occupational diseases."
