"""PTW configuration screens (Django test client): permit types with toggles and the
structured-isolation filter, the 5x5 risk grid editor, closeout templates, the isolation point
library (filters, search, scoping) and LOTO procedures."""
import json

import pytest

from ohms_core import testing

from ..models import (
    CloseoutChecklistTemplate,
    IsolationPointLibrary,
    LotoProcedure,
    PermitType,
    RiskMatrix,
)
from .factories import PtwWorld
from .test_admin_helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return PtwWorld("SMK")


def _body(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response.content.decode()


# --- permit types ---------------------------------------------------------------------
def test_permit_type_list_filters_on_structured_isolation(w):
    PermitType.objects.create(organization=w.org, name="Travail à froid", code="cold", category="cold_work")
    other = PtwWorld("KCC")
    other.permit_type.name = "Type de la KCC"
    other.permit_type.save()
    client = login(w.admin)
    body = _body(client, "/admin/ptw/permit-types/")
    assert "Travail en espace confiné" in body and "Travail à froid" in body and "Type de la KCC" not in body
    body = _body(client, "/admin/ptw/permit-types/", {"requires_structured_isolation": "true"})
    assert "Travail en espace confiné" in body and "Travail à froid" not in body
    body = _body(client, "/admin/ptw/permit-types/", {"requires_structured_isolation": "false"})
    assert "Travail en espace confiné" not in body and "Travail à froid" in body


def test_permit_type_form_has_toggles_and_saves_lists(w):
    client = login(w.admin)
    body = _body(client, "/admin/ptw/permit-types/new/")
    assert body.count("switch") >= 5  # flags rendered as Wagtail switches
    response = client.post("/admin/ptw/permit-types/new/", {
        "name": "Travail en hauteur", "code": "height", "category": "work_at_height", "description": "",
        "is_active": "on", "requires_structured_isolation": "on", "requires_gas_testing": "",
        "required_gases": ["O2", "CO"], "gas_limits": json.dumps({"O2": {"min": 19.5, "max": 23.5, "unit": "%"}}),
        "gas_reading_validity_minutes": "60", "mandatory_ppe": "Harnais\nCasque\n\n",
        "safety_checklist_items": "anchor_checked | Point d'ancrage vérifié\nFilet installé",
        "max_validity_hours": "10", "max_extensions": "1", "location_overlap_policy": "block",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    permit_type = PermitType.objects.get(code="height")
    assert permit_type.organization == w.org and permit_type.requires_structured_isolation
    assert not permit_type.requires_gas_testing and not permit_type.requires_deisolation_on_closeout
    assert permit_type.mandatory_ppe == ["Harnais", "Casque"]
    assert permit_type.safety_checklist_items == [{"key": "anchor_checked", "label": "Point d'ancrage vérifié"},
                                                  {"key": "filet_installe", "label": "Filet installé"}]
    assert permit_type.required_gases == ["O2", "CO"]
    assert permit_type.history.count() == 1 and permit_type.created_by == w.admin
    body = _body(client, f"/admin/ptw/permit-types/edit/{permit_type.pk}/")
    assert "anchor_checked | Point d&#x27;ancrage vérifié" in body


def test_permit_type_screens_are_for_managers(w):
    client = login(w.requester)
    assert client.get("/admin/ptw/permit-types/").status_code == 200  # everyone may read
    assert client.get("/admin/ptw/permit-types/new/").status_code in (302, 403)
    assert client.post("/admin/ptw/permit-types/new/", {"name": "X", "code": "x"}).status_code in (302, 403)
    assert not PermitType.objects.filter(code="x").exists()


# --- risk matrix ----------------------------------------------------------------------
def _grid_post(grid, **extra):
    data = {f"grid_{lk}_{sv}": grid[lk - 1][sv - 1] for lk in range(1, 6) for sv in range(1, 6)}
    data.update(extra)
    return data


def test_risk_matrix_grid_editor_saves_25_cells(w):
    client = login(w.admin)
    body = _body(client, "/admin/ptw/risk-matrices/new/")
    assert body.count('class="ptw-risk-cell"') == 25
    assert 'name="grid_5_5"' in body and 'name="grid_1_1"' in body
    assert "ohms-badge--ptw-risk-extreme" in body  # legend
    grid = [["low"] * 5 for _ in range(5)]
    grid[4][4] = "extreme"
    grid[2][3] = "high"
    grid[0][1] = "medium"
    response = client.post("/admin/ptw/risk-matrices/new/", _grid_post(grid, name="Matrice prudente", is_active="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    matrix = RiskMatrix.objects.get(name="Matrice prudente")
    assert matrix.grid == grid
    assert matrix.level_for(5, 5) == "extreme" and matrix.level_for(3, 4) == "high" and matrix.level_for(1, 2) == "medium"

    # Edit: the selects show the saved levels; one cell changed.
    body = _body(client, f"/admin/ptw/risk-matrices/edit/{matrix.pk}/")
    assert '<option value="extreme" selected>' in body
    grid[0][0] = "medium"
    response = client.post(f"/admin/ptw/risk-matrices/edit/{matrix.pk}/", _grid_post(grid, name="Matrice prudente",
                                                                                  is_active="on"))
    assert response.status_code == 302
    matrix.refresh_from_db()
    assert matrix.grid[0][0] == "medium"


def test_risk_matrix_incomplete_grid_is_refused(w):
    grid = [["low"] * 5 for _ in range(5)]
    data = _grid_post(grid, name="Incomplète")
    data.pop("grid_3_3")
    data["grid_2_2"] = "catastrophic"
    response = login(w.admin).post("/admin/ptw/risk-matrices/new/", data)
    assert response.status_code == 200
    assert not RiskMatrix.objects.filter(name="Incomplète").exists()


# --- closeout templates ---------------------------------------------------------------
def test_closeout_template_items_from_lines(w):
    client = login(w.admin)
    assert "Clôture standard" in _body(client, "/admin/ptw/closeout-templates/")
    response = client.post("/admin/ptw/closeout-templates/new/", {
        "name": "Clôture risque élevé", "permit_type": str(w.permit_type.pk), "risk_level": "high", "is_active": "on",
        "items": "tools_removed | Outils retirés | required\nphotos | Photos après travaux | optional\nBadges rendus",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    template = CloseoutChecklistTemplate.objects.get(name="Clôture risque élevé")
    assert template.items == [{"key": "tools_removed", "label": "Outils retirés", "required": True},
                              {"key": "photos", "label": "Photos après travaux", "required": False},
                              {"key": "badges_rendus", "label": "Badges rendus", "required": True}]
    response = client.post("/admin/ptw/closeout-templates/new/", {
        "name": "Doublon", "permit_type": str(w.permit_type.pk), "items": "a | A\na | B"})
    assert response.status_code == 200 and "used twice" in response.content.decode()


# --- isolation point library ----------------------------------------------------------
def test_isolation_point_filters_search_and_scoping(w):
    site = testing.make_site(w.org, name="Usine de Kolwezi", code="KZI")
    IsolationPointLibrary.objects.create(organization=w.org, project=w.project, site=site, point_code="VLV-12",
                                         asset_tag="PMP-4", point_type="valve", energy_type="hydraulic")
    IsolationPointLibrary.objects.create(organization=w.org, project=w.other_project, point_code="MINE-SW1",
                                         asset_tag="CONV-9", point_type="switch", energy_type="electrical")
    IsolationPointLibrary.objects.create(organization=w.org, project=None, point_code="GLOBAL-1",
                                         point_type="other", energy_type="pneumatic")
    other = PtwWorld("KCC")
    other.point.point_code = "KCC-SECRET"
    other.point.save()
    url = "/admin/ptw/isolation-points/"
    client = login(w.admin)
    body = _body(client, url)
    assert all(code in body for code in ("MCC-01", "VLV-12", "MINE-SW1", "GLOBAL-1")) and "KCC-SECRET" not in body
    body = _body(client, url, {"energy_type": "hydraulic"})
    assert "VLV-12" in body and "MCC-01" not in body
    body = _body(client, url, {"point_type": "breaker"})
    assert "MCC-01" in body and "VLV-12" not in body
    body = _body(client, url, {"project": str(w.other_project.pk)})
    assert "MINE-SW1" in body and "MCC-01" not in body
    body = _body(client, url, {"site": str(site.pk)})
    assert "VLV-12" in body and "MCC-01" not in body
    body = _body(client, url, {"q": "PMP-4"})
    assert "VLV-12" in body and "MCC-01" not in body
    body = _body(client, url, {"q": "mcc-0"})
    assert "MCC-01" in body and "VLV-12" not in body

    # A member of the concentrator project sees its points and the global ones only.
    member = testing.make_member(w.org, "issuer", projects=[w.project])
    body = _body(login(member), url)
    assert "MCC-01" in body and "GLOBAL-1" in body and "MINE-SW1" not in body
    mine = IsolationPointLibrary.objects.get(point_code="MINE-SW1")
    assert login(member).get(f"{url}edit/{mine.pk}/").status_code == 404
    assert client.get(f"{url}edit/{other.point.pk}/").status_code == 404


def test_isolation_point_create(w):
    response = login(w.admin).post("/admin/ptw/isolation-points/new/", {
        "point_code": "MCC-02", "asset_tag": "BROY-2", "point_type": "breaker", "energy_type": "electrical",
        "project": str(w.project.pk), "location": "Salle MCC", "requires_lock": "on", "default_lock_count": "2",
        "ppe_required": "Gants isolants\nÉcran facial", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    point = IsolationPointLibrary.objects.get(point_code="MCC-02")
    assert str(point) == "MCC-02 - breaker (electrical)"
    assert point.ppe_required == ["Gants isolants", "Écran facial"] and point.default_lock_count == 2


# --- LOTO procedures ------------------------------------------------------------------
def test_loto_procedure_create_with_points(w):
    client = login(w.admin)
    response = client.post("/admin/ptw/loto-procedures/new/", {
        "asset_tag": "BROY-2", "name": "Consignation broyeur 2", "project": str(w.project.pk),
        "steps": "Prévenir la salle de contrôle\nOuvrir MCC-01\nCadenasser", "points": [str(w.point.pk)], "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    procedure = LotoProcedure.objects.get(asset_tag="BROY-2")
    assert list(procedure.points.all()) == [w.point]
    assert "Consignation broyeur 2" in _body(client, "/admin/ptw/loto-procedures/")


def test_menu_group_lists_the_ptw_screens(w):
    body = _body(login(w.admin), "/admin/")
    assert "Permit to work" in body
    for label in ("Permits", "Permit types", "Risk matrices", "Closeout checklists", "Isolation points", "LOTO procedures"):
        assert label in body, label
