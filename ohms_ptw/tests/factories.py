"""PTW test data: a concentrator project with the people a permit needs."""
from datetime import timedelta

from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import CloseoutChecklistTemplate, IsolationPointLibrary, PermitType, RiskMatrix


class PtwWorld:
    """An organization with one project, a permit type and people in every PTW role."""

    def __init__(self, code="SMK", **type_flags):
        self.org = testing.make_organization(code, f"Société {code}")
        self.project = testing.make_project(self.org, name="Concentrateur", code=f"{code}-C")
        self.other_project = testing.make_project(self.org, name="Mine", code=f"{code}-M")
        self.admin = testing.make_member(self.org, "org_admin")
        self.requester = testing.make_member(self.org, "permit_requester")
        self.verifier = testing.make_member(self.org, "verifier")
        self.approver = testing.make_member(self.org, "approver")
        self.issuer = testing.make_member(self.org, "issuer")
        self.area = testing.make_member(self.org, "area_incharge")
        with acting_as(organization=self.org):
            RiskMatrix.objects.create(organization=self.org, name="Matrice 5x5", is_default=True)
            flags = {"requires_gas_testing": True, "requires_structured_isolation": True,
                     "requires_deisolation_on_closeout": True, "mandatory_ppe": ["Casque", "Harnais"],
                     "safety_checklist_items": [{"key": "area_barricaded", "label": "Zone balisée"}], **type_flags}
            self.permit_type = PermitType.objects.create(organization=self.org, name="Travail en espace confiné",
                                                         code="confined", category="confined_space", **flags)
            self.template = CloseoutChecklistTemplate.objects.create(
                organization=self.org, permit_type=self.permit_type, name="Clôture standard",
                items=[{"key": "tools_removed", "label": "Outils retirés", "required": True},
                       {"key": "area_clean", "label": "Zone nettoyée", "required": True},
                       {"key": "photos", "label": "Photos", "required": False}])
            self.point = IsolationPointLibrary.objects.create(
                organization=self.org, project=self.project, point_code="MCC-01", asset_tag="BROY-2",
                point_type="breaker", energy_type="electrical", location="Salle MCC")
        self.clients = {}

    def client(self, user):
        if user.pk not in self.clients:
            self.clients[user.pk] = testing.token_client(user, self.org)
        return self.clients[user.pk]

    def permit_payload(self, **overrides):
        start = timezone.now() + timedelta(minutes=5)
        data = {
            "title": "Nettoyage cuve de lixiviation", "description": "Entrée en cuve T-12",
            "permit_type": str(self.permit_type.pk), "project": str(self.project.pk), "location": "Cuve T-12",
            "planned_start_time": start.isoformat(), "planned_end_time": (start + timedelta(hours=8)).isoformat(),
            "priority": "high", "likelihood": 3, "severity": 4, "ppe_requirements": ["Casque", "Harnais", "ARI"],
            "safety_checklist": {"area_barricaded": True},
            "verifier": self.verifier.pk, "approver": self.approver.pk, "issuer": self.issuer.pk,
            "area_incharge": self.area.pk,
        }
        data.update(overrides)
        return data

    def create_permit(self, **overrides):
        response = self.client(self.requester).post("/api/v1/ptw/permits/", self.permit_payload(**overrides), format="json")
        assert response.status_code == 201, response.json()
        return response.json()
