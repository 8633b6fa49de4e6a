"""Demo quality audits: an ISO 45001 surveillance audit of the concentrator with findings in
every state (one overdue, owned by the safety manager), and an ISO 14001 audit of the mine."""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ohms_core import workflows
from ohms_core.context import acting_as
from ohms_core.models import Site
from ohms_core.roles import Role
from ohms_core.services.records import record_create, record_update

from ..models import AuditFinding, QualityAudit


def load(*, organization, user, rng) -> str:
    if QualityAudit.objects.filter(organization=organization).exists():
        return "Regulatory demo: quality audits already present."
    sites = list(Site.objects.filter(organization=organization).order_by("name"))
    if not sites:
        return "Regulatory demo: no site, no audit."
    users = get_user_model().objects
    safety = users.filter(username="securite@ohms.demo").first() or user
    compliance = users.filter(username="conformite@ohms.demo").first() or user
    today = timezone.localdate()
    plant = next((s for s in sites if "concentr" in s.name.lower()), sites[0])
    mine = next((s for s in sites if s.pk != plant.pk), plant)
    iso45001 = record_create(model=QualityAudit, organization=organization, user=user, data={
        "site": plant, "audit_date": today - timedelta(days=45), "standard": "ISO 45001:2018",
        "scope": "Audit de surveillance : concentrateur, ateliers de maintenance, consignation (LOTO).",
        "lead_auditor": "Bureau Veritas Congo — M. Ilunga", "result": "minor_nc",
        "summary": "Système globalement conforme ; trois non-conformités mineures sur la consignation et les EPI."})
    findings = [
        ("NC-01", "minor", "8.1.2", "Cadenas de consignation non nominatifs sur deux armoires électriques.",
         "Remplacer par des cadenas personnels étiquetés.", today - timedelta(days=5), safety, ["start"]),
        ("NC-02", "minor", "7.2", "Trois opérateurs sans recyclage « travail en hauteur » à jour.",
         "Planifier la formation et mettre à jour la matrice.", today + timedelta(days=20), compliance, ["start"]),
        ("NC-03", "minor", "8.1.3", "Registre des changements de procédure non signé par le responsable HSE.",
         "Faire signer et archiver le registre.", today - timedelta(days=20), safety, ["start", "verify", "close"]),
        ("OBS-01", "observation", "9.1", "Les tendances des mesures de bruit ne sont pas revues en comité.",
         "", today + timedelta(days=40), None, []),
    ]
    for reference, severity, clause, description, action, due, owner, steps in findings:
        finding = record_create(model=AuditFinding, organization=organization, user=user, data={
            "audit": iso45001, "reference": reference, "severity": severity, "clause": clause,
            "description": description, "corrective_action": action, "due_date": due, "owner": owner})
        for step in steps:
            if step == "verify":
                finding = record_update(instance=finding, data={"action_taken": "Registre signé le "
                                                                 + (due - timedelta(days=2)).isoformat()}, user=user)
            with acting_as(organization=organization, user=user, role=Role.ORG_ADMIN, reason="demo data"):
                finding = workflows.transition_perform(instance=finding, name=step, comment="Démo",
                                                       user=compliance if step != "start" else (owner or user))
    record_create(model=QualityAudit, organization=organization, user=user, data={
        "site": mine, "audit_date": today - timedelta(days=120), "standard": "ISO 14001:2015",
        "scope": "Gestion des eaux d'exhaure et des déchets de la mine à ciel ouvert.",
        "lead_auditor": "Audit interne — P. Tshiamala", "result": "conforming",
        "summary": "Aucune non-conformité ; une piste d'amélioration sur le suivi des hydrocarbures."})
    return f"Regulatory demo: 2 quality audits, {len(findings)} findings (one overdue)."
