"""Demo data for the permit to work (run by ohms_demo; idempotent).

Standard permit types, a risk matrix, closeout templates, an isolation library for the
Kolwezi concentrator, LOTO procedures, notification rules, and permits in every status,
each moved there through the real services and gates.

Every demo role has work waiting (issue 14): the verifier (verificateur@) permits to verify,
the approver (approbateur@) permits to approve, the issuer (emetteur@) an approved confined-space
entry with its gas readings and verified isolation in place, ready to activate, the requester
(demandeur@) a draft and a rejected permit, and the safety manager (securite@) overdue
verification and approval steps on the dashboard. People are named on each permit so the
segregation of duties holds (requester, verifier and approver are three people).
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import Organization, Project
from ohms_core.roles import Role
from ohms_core.services.records import record_create
from ohms_ptw.models import (
    IsolationPointLibrary,
    LotoProcedure,
    Permit,
    PermitHazard,
    PermitType,
    WorkflowStep,
)
from ohms_ptw.services import closeout as closeout_services
from ohms_ptw.services import gas as gas_services
from ohms_ptw.services import isolation as isolation_services
from ohms_ptw.services import permits as permit_services
from ohms_ptw.services import workflow as workflow_services
from ohms_ptw.services.onboarding import notification_rules_load_defaults
from ohms_ptw.services.setup import permit_types_load_defaults

LIBRARY = [
    ("MCC-01", "BROY-2", "breaker", "electrical", "Salle MCC concentrateur", "Disjoncteur moteur broyeur à boulets n°2"),
    ("MCC-02", "CONV-3", "breaker", "electrical", "Salle MCC concentrateur", "Disjoncteur convoyeur CV-03"),
    ("MCC-07", "POMP-11", "disconnect", "electrical", "Salle MCC flottation", "Sectionneur pompe de pulpe P-11"),
    ("V-201", "CUVE-T14", "valve", "hydraulic", "Cuve de lixiviation T-14", "Vanne d'alimentation acide"),
    ("V-101", "CUVE-T12", "valve", "hydraulic", "Cuve de lixiviation T-12", "Vanne d'alimentation acide"),
    ("V-102", "CUVE-T12", "valve", "chemical", "Cuve de lixiviation T-12", "Vanne de vidange"),
    ("LB-07", "CUVE-T12", "line_blind", "chemical", "Cuve de lixiviation T-12", "Joint plein ligne H2SO4"),
    ("PN-04", "FILT-1", "valve", "pneumatic", "Filtre-presse FP-1", "Air comprimé vérins"),
    ("GR-02", "CONV-3", "other", "gravity", "Tête du convoyeur CV-03", "Calage contrepoids tendeur"),
]

PERMITS = [  # (type code, title, location, target status)
    ("hot-work", "Soudure goulotte de décharge CV-03 / Chute welding on CV-03", "Tête du convoyeur CV-03", "draft"),
    ("work-at-height", "Remplacement luminaires hall flottation / Lighting replacement", "Hall flottation", "submitted"),
    ("electrical-isolation", "Remplacement contacteur pompe P-11 / Pump P-11 contactor", "Salle MCC flottation", "pending_verification"),
    ("excavation", "Tranchée câble HT vers sous-station 3 / HV cable trench", "Route sous-station 3", "pending_approval"),
    ("hot-work", "Découpe tuyauterie résidus / Tailings pipe cutting", "Parc à résidus ligne 2", "under_review"),
    ("work-at-height", "Inspection passerelle épaississeur / Thickener walkway", "Épaississeur E-1", "approved"),
    ("confined-space", "Nettoyage cuve de lixiviation T-12 / Leach tank T-12 cleaning", "Cuve de lixiviation T-12", "active"),
    ("electrical-isolation", "Révision moteur broyeur n°2 / Ball mill 2 motor overhaul", "Broyeur à boulets n°2", "suspended"),
    ("electrical-isolation", "Changement bande convoyeur CV-03 / Belt change CV-03", "Convoyeur CV-03", "completed"),
    ("excavation", "Fouille regard eaux pluviales / Stormwater pit dig", "Parking atelier", "cancelled"),
    ("work-at-height", "Peinture charpente hall broyage / Steelwork painting", "Hall broyage", "expired"),
    ("hot-work", "Soudure réservoir gasoil / Diesel tank welding", "Dépôt carburant", "rejected"),
    ("excavation", "Ancienne demande tranchée / Old trench request", "Zone nord", "obsolete"),
    # Work waiting for the issuer: gas readings and isolation in place, ready to activate.
    ("confined-space", "Inspection intérieure cuve T-14 / Leach tank T-14 inspection", "Cuve de lixiviation T-14", "approved"),
    # Overdue steps for the safety manager's dashboard (their clocks are moved back below).
    ("electrical-isolation", "Remplacement moteur agitateur / Agitator motor replacement", "Salle MCC flottation", "pending_verification"),
    ("excavation", "Fondation pompe de relevage / Sump pump foundation", "Station de pompage", "pending_approval"),
]

#: Titles whose pending step is made overdue (waiting for this long) for the safety manager's "Overdue" card.
OVERDUE = {"Remplacement moteur agitateur / Agitator motor replacement": timedelta(hours=30),
           "Fondation pompe de relevage / Sump pump foundation": timedelta(hours=52)}
#: Library point isolated and verified for a permit type needing structured isolation, by title keyword.
POINT_BY_KEYWORD = (("T-14", "V-201"), ("T-12", "V-101"), ("broyeur", "MCC-01"), ("P-11", "MCC-07"))

PATH = {
    "draft": [], "submitted": ["submit"], "pending_verification": ["initiate_workflow"],
    "pending_approval": ["initiate_workflow", "verify"], "under_review": ["initiate_workflow", "verify", "mark_under_review"],
    "approved": ["initiate_workflow", "verify", "approve"], "active": ["initiate_workflow", "verify", "approve", "activate"],
    "suspended": ["initiate_workflow", "verify", "approve", "activate", "suspend"],
    "completed": ["initiate_workflow", "verify", "approve", "activate", "complete"],
    "cancelled": ["initiate_workflow", "verify", "cancel"], "expired": ["initiate_workflow", "verify", "approve", "expire"],
    "rejected": ["initiate_workflow", "verify", "reject"], "obsolete": ["mark_obsolete"],
}
COMMENTS = {"mark_under_review": "Méthode de travail à préciser", "suspend": "Orage en approche : travaux suspendus",
            "cancel": "Travaux reportés à l'arrêt annuel", "reject": "Analyse de risque incomplète"}


class Command(BaseCommand):
    help = "Load permit-to-work demo data for the demo organization (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="SMK")

    def handle(self, *args, **opts):
        organization = Organization.objects.filter(code=opts["org"]).first()
        if organization is None:
            self.stdout.write("PTW demo: no demo organization; run ohms_demo first.")
            return
        if Permit.objects.filter(organization=organization).exists():
            self.stdout.write("PTW demo data already present; nothing to do.")
            return
        User = get_user_model()
        admin = User.objects.get(username="admin@ohms.demo")
        people = {u.username: u for u in User.objects.filter(username__endswith="@ohms.demo")}
        with acting_as(user=admin, organization=organization, role=Role.ORG_ADMIN, reason="PTW demo data"), transaction.atomic():
            self._load(organization, admin, people)
        self.stdout.write(self.style.SUCCESS(f"PTW demo data loaded: {Permit.objects.filter(organization=organization).count()} permits."))

    def _load(self, organization, admin, people):
        permit_types_load_defaults(organization=organization, user=admin)
        project = Project.objects.filter(organization=organization, code="ARRET-2026").first() or Project.objects.filter(organization=organization).first()
        points = {}
        for code, asset, ptype, energy, location, description in LIBRARY:
            points[code] = record_create(model=IsolationPointLibrary, organization=organization, user=admin, data={
                "project": None, "point_code": code, "asset_tag": asset, "point_type": ptype, "energy_type": energy,
                "location": location, "description": description, "isolation_method": "Ouvrir, cadenasser, étiqueter",
                "verification_method": "Essai de démarrage / test de tension nulle", "default_lock_count": 1})
        for asset, name, codes in (("CUVE-T12", "Consignation cuve T-12", ["V-101", "V-102", "LB-07"]),
                                   ("CONV-3", "Consignation convoyeur CV-03", ["MCC-02", "GR-02"])):
            procedure = record_create(model=LotoProcedure, organization=organization, user=admin, data={
                "asset_tag": asset, "name": name, "steps": "1. Prévenir l'exploitation\n2. Arrêter l'équipement\n"
                "3. Ouvrir et cadenasser chaque point\n4. Vérifier l'absence d'énergie\n5. Afficher la fiche de consignation"})
            procedure.points.set([points[c] for c in codes])
        notification_rules_load_defaults(organization=organization, user=admin)
        types = {t.code: t for t in PermitType.objects.filter(organization=organization)}
        now = timezone.now()
        for index, (type_code, title, location, target) in enumerate(PERMITS):
            permit_type = types[type_code]
            start = now - timedelta(hours=9) if target == "expired" else now + timedelta(minutes=10 + index)
            permit = permit_services.permit_create(organization=organization, user=people.get("demandeur@ohms.demo", admin), data={
                "title": title, "description": "", "permit_type": permit_type, "project": project, "location": location,
                "planned_start_time": start, "planned_end_time": start + timedelta(hours=min(8, permit_type.max_validity_hours)),
                "priority": ["low", "medium", "high"][index % 3], "likelihood": 1 + index % 5, "severity": 2 + index % 4,
                "ppe_requirements": list(permit_type.mandatory_ppe),
                "safety_checklist": {i["key"]: True for i in permit_type.safety_checklist_items},
                "isolation_details": "Consignation selon procédure LOTO" if permit_type.requires_isolation else "",
                # Segregation of duties: requester, verifier and approver are three people.
                "verifier": people.get("verificateur@ohms.demo", admin), "approver": people.get("approbateur@ohms.demo", admin),
                "issuer": people.get("emetteur@ohms.demo", admin), "area_incharge": people.get("securite@ohms.demo", admin),
                "risk_assessment": "Analyse de risque jointe / risk assessment attached",
                "control_measures": "Balisage, EPI, surveillance / barriers, PPE, supervision"})
            record_create(model=PermitHazard, organization=organization, user=admin, data={
                "permit": permit, "hazard": "Énergie résiduelle / stored energy", "control_measures": "Consignation LOTO", "risk_level": "high"})
            self._advance(permit, PATH[target], admin, points)
            if title in OVERDUE:
                self._backdate(permit, OVERDUE[title])

    def _prepare(self, permit, admin, points):
        permit_type = permit.permit_type
        if permit_type.requires_gas_testing:
            for gas, value in (("O2", "20.9"), ("LEL", "0"), ("H2S", "0"), ("CO", "3")):
                gas_services.gas_reading_record(permit=permit, user=admin, data={"gas": gas, "value": value, "tested_at": timezone.now()})
        if permit_type.requires_structured_isolation and not permit.isolation_points.exists():
            code = next((c for keyword, c in POINT_BY_KEYWORD if keyword.lower() in permit.title.lower()), "MCC-02")
            point = isolation_services.isolation_assign(permit=permit, user=admin, library_point=points[code])
            point = isolation_services.isolation_update(permit=permit, point=point, user=admin,
                                                        action="isolate", lock_count=1, lock_ids=[f"CAD-{code}"])
            isolation_services.isolation_update(permit=permit, point=point, user=admin, action="verify",
                                                verification_notes="Absence d'énergie vérifiée")

    def _advance(self, permit, steps, admin, points):
        for name in steps:
            permit.refresh_from_db()
            if name == "approve":
                self._prepare(permit, admin, points)
            if name == "complete":
                for point in permit.isolation_points.all():
                    isolation_services.isolation_update(permit=permit, point=point, user=admin,
                                                        action="deisolate", deisolated_notes="Cadenas retirés")
                closeout = closeout_services.closeout_get_or_create(permit=permit, user=admin)
                if closeout is not None:
                    closeout_services.closeout_update(permit=permit, user=admin,
                                                      checklist={i["key"]: True for i in closeout.template.items})
                    closeout_services.closeout_complete(permit=permit, user=admin)
            permit.refresh_from_db()
            actor = {"verify": permit.verifier, "approve": permit.approver, "reject": permit.approver, "activate": permit.issuer,
                     "suspend": permit.issuer}.get(name) or admin
            workflow_services.permit_transition(instance=permit, name=name, user=None if name == "expire" else actor,
                                                comment=COMMENTS.get(name, ""), system=name == "expire")

    def _backdate(self, permit, waited):
        """Move the clock of the permit's pending step back by ``waited`` (demo only: a fresh
        demo has no history, and the dashboard's overdue card and the escalation job need some)."""
        since = timezone.now() - waited
        permit.refresh_from_db()
        if permit.status == "pending_verification":
            Permit.objects.filter(pk=permit.pk).update(submitted_at=since, created_at=since)
        else:
            Permit.objects.filter(pk=permit.pk).update(verified_at=since, submitted_at=since - timedelta(hours=2),
                                                       created_at=since - timedelta(hours=3))
        steps = WorkflowStep.objects.filter(workflow__permit=permit, status="pending")
        for step in steps:
            due = step.due_at - step.assigned_at if step.due_at and step.assigned_at else timedelta(hours=4)
            WorkflowStep.objects.filter(pk=step.pk).update(assigned_at=since, due_at=since + due)
