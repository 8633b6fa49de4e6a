"""Initial configuration an organization starts from (create_permit_types, demo)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ohms_core.services.records import record_create

from ..models import CloseoutChecklistTemplate, PermitType, RiskMatrix
from ..states import OverlapPolicy

STANDARD_PPE = ["Casque / hard hat", "Chaussures de sécurité / safety boots", "Gilet haute visibilité / hi-vis vest",
                "Lunettes / safety glasses"]

STANDARD_TYPES = [
    {"code": "hot-work", "name": "Travail par points chauds / Hot work", "category": "hot_work",
     "requires_gas_testing": True, "required_gases": ["O2", "LEL"], "max_validity_hours": 10, "max_extensions": 1,
     "mandatory_ppe": [*STANDARD_PPE, "Écran de soudage / welding shield", "Gants cuir / leather gloves"],
     "safety_checklist_items": [{"key": "fire_watch", "label": "Surveillant incendie désigné / fire watch posted"},
                                {"key": "extinguisher", "label": "Extincteur à moins de 10 m / extinguisher within 10 m"},
                                {"key": "combustibles_removed", "label": "Combustibles retirés (11 m) / combustibles removed"}],
     "location_overlap_policy": OverlapPolicy.BLOCK},
    {"code": "confined-space", "name": "Entrée en espace confiné / Confined space entry", "category": "confined_space",
     "requires_gas_testing": True, "requires_structured_isolation": True, "requires_deisolation_on_closeout": True,
     "max_validity_hours": 8, "max_extensions": 1, "gas_reading_validity_minutes": 60,
     "mandatory_ppe": [*STANDARD_PPE, "Harnais / harness", "Détecteur 4 gaz / 4-gas monitor"],
     "safety_checklist_items": [{"key": "attendant", "label": "Surveillant extérieur / standby attendant"},
                                {"key": "rescue_plan", "label": "Plan de sauvetage / rescue plan"},
                                {"key": "ventilation", "label": "Ventilation forcée / forced ventilation"}],
     "location_overlap_policy": OverlapPolicy.BLOCK},
    {"code": "electrical-isolation", "name": "Consignation électrique / Electrical isolation", "category": "electrical",
     "requires_structured_isolation": True, "requires_deisolation_on_closeout": True, "max_validity_hours": 12,
     "mandatory_ppe": [*STANDARD_PPE, "Gants isolants / insulating gloves"],
     "safety_checklist_items": [{"key": "absence_of_voltage", "label": "VAT réalisée / absence of voltage tested"}]},
    {"code": "work-at-height", "name": "Travail en hauteur / Work at height", "category": "work_at_height",
     "max_validity_hours": 12, "mandatory_ppe": [*STANDARD_PPE, "Harnais / harness"],
     "safety_checklist_items": [{"key": "anchor_checked", "label": "Point d'ancrage vérifié / anchor checked"},
                                {"key": "exclusion_zone", "label": "Zone d'exclusion au sol / exclusion zone below"}]},
    {"code": "excavation", "name": "Excavation / Excavation", "category": "excavation", "requires_isolation": True,
     "max_validity_hours": 12, "mandatory_ppe": STANDARD_PPE,
     "safety_checklist_items": [{"key": "services_located", "label": "Réseaux enterrés repérés / buried services located"},
                                {"key": "shoring", "label": "Blindage ou talutage / shoring or battering"}]},
]

CLOSEOUT_ITEMS = [
    {"key": "tools_removed", "label": "Outils et matériaux retirés / tools and materials removed", "required": True},
    {"key": "area_clean", "label": "Zone propre et dégagée / area clean and clear", "required": True},
    {"key": "guards_refitted", "label": "Protections remises en place / guards refitted", "required": True},
    {"key": "handover", "label": "Remise à l'exploitation signée / handover to operations", "required": True},
    {"key": "photos", "label": "Photos après travaux / after photos", "required": False},
]


def permit_types_load_defaults(*, organization, user=None) -> list[PermitType]:
    """Idempotent: creates the standard types, a default 5x5 risk matrix and closeout templates."""
    created = []
    for spec in STANDARD_TYPES:
        permit_type = PermitType.objects.filter(organization=organization, code=spec["code"]).first()
        if permit_type is None:
            permit_type = record_create(model=PermitType, organization=organization, data=dict(spec), user=user)
            created.append(permit_type)
        if not CloseoutChecklistTemplate.objects.filter(organization=organization, permit_type=permit_type).exists():
            record_create(model=CloseoutChecklistTemplate, organization=organization, user=user, data={
                "permit_type": permit_type, "name": f"{_('Closeout')} — {permit_type.name}", "items": CLOSEOUT_ITEMS})
    if not RiskMatrix.objects.filter(organization=organization).exists():
        record_create(model=RiskMatrix, organization=organization, user=user,
                      data={"name": "Matrice 5x5 (vraisemblance × gravité)", "is_default": True})
    return created
