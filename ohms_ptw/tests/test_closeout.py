"""SPEC 2.6: closeout checklist — template matching, record, validation, read-only, gating."""
import pytest

from ohms_core.context import acting_as

from ..api.serializers import PermitCloseoutSerializer
from ..models import CloseoutChecklistTemplate, PermitAudit, PermitCloseout, PermitType
from ..services.closeout import closeout_template_for
from .helpers import (
    approve,
    orm_point,
    point_action,
    purl,
    set_status,
    status_of,
    to_pending_approval,
    update_status,
)

pytestmark = pytest.mark.django_db

ITEMS_DONE = {"tools_removed": True, "area_clean": True}


def _template(w, risk_level="", name="Clôture haut risque", permit_type=None, **kw):
    with acting_as(organization=w.org):
        return CloseoutChecklistTemplate.objects.create(
            organization=w.org, permit_type=permit_type or w.permit_type, name=name, risk_level=risk_level,
            items=kw.pop("items", [{"key": "gas_free", "label": "Atmosphère contrôlée", "required": True}]), **kw)


def test_template_selection_prefers_risk_level_then_falls_back_to_type_only(plain):
    w = plain
    high = _template(w, risk_level="high")
    _template(w, risk_level="low", name="Inactive", is_active=False)
    other_type = PermitType.objects.create(organization=w.org, name="Autre", code="other")
    _template(w, risk_level="low", name="Autre type", permit_type=other_type)

    high_permit = w.create_permit(likelihood=3, severity=4)  # 12 → high
    low_permit = w.create_permit(likelihood=1, severity=1)  # 1 → low
    assert (high_permit["risk_level"], low_permit["risk_level"]) == ("high", "low")

    from ..models import Permit

    assert closeout_template_for(Permit.objects.get(pk=high_permit["id"])) == high
    # low: the inactive low template and the other type's template are skipped → type-only template.
    assert closeout_template_for(Permit.objects.get(pk=low_permit["id"])) == w.template

    r = w.client(w.issuer).get(purl(low_permit["id"], "closeout"))
    assert r.status_code == 200
    assert r.json()["template"] == str(w.template.pk)
    assert [i["key"] for i in r.json()["template_items"]] == ["tools_removed", "area_clean", "photos"]
    r = w.client(w.issuer).get(purl(high_permit["id"], "closeout"))
    assert r.json()["template"] == str(high.pk)
    assert r.json()["missing_items"] == ["Atmosphère contrôlée"]


def test_no_template_means_no_closeout_and_no_gating(plain):
    w = plain
    CloseoutChecklistTemplate.objects.filter(pk=w.template.pk).update(is_active=False)
    pid = w.create_permit()["id"]
    r = w.client(w.issuer).get(purl(pid, "closeout"))
    assert r.status_code == 200
    assert r.json() == {"template_exists": False, "is_complete": True, "missing_items": [], "template_items": []}
    assert not PermitCloseout.objects.filter(permit_id=pid).exists()

    r = w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "closeout_not_applicable"

    set_status(pid, "active")
    r = update_status(w, pid, "completed", comment="Fin")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "completed"


def test_get_auto_creates_the_record_once(w):
    pid = w.create_permit()["id"]
    assert PermitCloseout.objects.filter(permit_id=pid).count() == 0
    r = w.client(w.issuer).get(purl(pid, "closeout"))
    assert r.status_code == 200
    assert r.json()["template_exists"] is True and r.json()["completed"] is False
    assert PermitCloseout.objects.filter(permit_id=pid).count() == 1
    record = PermitCloseout.objects.get(permit_id=pid)
    assert record.template == w.template and record.checklist == {}
    w.client(w.issuer).get(purl(pid, "closeout"))
    assert PermitCloseout.objects.filter(permit_id=pid).count() == 1
    assert r.json()["id"] == str(record.pk)


def test_update_closeout_saves_checklist_and_remarks(w):
    pid = w.create_permit()["id"]
    r = w.client(w.issuer).post(purl(pid, "update_closeout"),
                                {"checklist": {"tools_removed": True}, "remarks": "Outils rangés au magasin"}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["remarks"] == "Outils rangés au magasin"
    assert body["checklist"]["tools_removed"]["done"] is True
    assert body["checklist"]["tools_removed"]["by"] == w.issuer.pk and body["checklist"]["tools_removed"]["at"]
    assert body["missing_items"] == ["Zone nettoyée"] and body["is_complete"] is False
    record = PermitCloseout.objects.get(permit_id=pid)
    assert record.remarks == "Outils rangés au magasin" and record.is_done("tools_removed")
    assert PermitAudit.objects.filter(permit_id=pid, action="closeout_updated").count() == 1

    # A second save merges: earlier items stay, an item can be unticked.
    r = w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"area_clean": True}}, format="json")
    assert r.json()["missing_items"] == [] and r.json()["remarks"] == "Outils rangés au magasin"
    r = w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"area_clean": False}}, format="json")
    assert r.json()["missing_items"] == ["Zone nettoyée"]
    assert r.json()["checklist"]["area_clean"] == {"done": False, "by": None, "at": None}


def test_unknown_item_key_is_400(w):
    pid = w.create_permit()["id"]
    r = w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"tools_removed": True, "nope": True}},
                                format="json")
    assert r.status_code == 400
    assert "nope" in r.json()["errors"]["checklist"][0]
    assert PermitCloseout.objects.get(permit_id=pid).checklist == {}  # nothing saved


def test_complete_with_missing_required_items_is_400_listing_labels(w):
    pid = w.create_permit()["id"]
    w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"tools_removed": True}}, format="json")
    r = w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 400
    closeout = r.json()["errors"]["closeout"]
    assert closeout["codes"] == ["closeout_incomplete"]
    assert closeout["missing_items"] == ["Zone nettoyée"]  # optional "Photos" is not listed
    assert "Zone nettoyée" in closeout["message"]
    assert PermitCloseout.objects.get(permit_id=pid).completed is False


def test_complete_when_done_then_read_only(w):
    pid = w.create_permit()["id"]
    w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": ITEMS_DONE}, format="json")
    r = w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["completed"] is True and r.json()["is_complete"] is True
    assert r.json()["completed_by"] == w.issuer.pk and r.json()["completed_at"]
    assert PermitAudit.objects.filter(permit_id=pid, action="closeout_completed").count() == 1

    before = PermitCloseout.objects.get(permit_id=pid)
    r = w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"area_clean": False}, "remarks": "x"},
                                format="json")
    assert r.status_code == 400 and r.json()["code"] == "closeout_completed"
    after = PermitCloseout.objects.get(permit_id=pid)
    assert after.checklist == before.checklist and after.remarks == before.remarks and after.version == before.version
    # Completing again is harmless (no second audit row).
    assert w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json").status_code == 200
    assert PermitAudit.objects.filter(permit_id=pid, action="closeout_completed").count() == 1


def test_missing_required_items_and_is_complete_model_methods(w):
    pid = w.create_permit()["id"]
    record = PermitCloseout(organization=w.org, permit_id=pid, template=w.template, checklist={})
    assert record.get_missing_required_items() == ["Outils retirés", "Zone nettoyée"]
    assert record.is_complete() is False
    record.checklist = {"tools_removed": {"done": True}, "area_clean": True, "photos": False}
    assert record.get_missing_required_items() == []
    assert record.is_complete() is False  # all done, but not completed yet
    record.completed = True
    assert record.is_complete() is True
    record.checklist = {"tools_removed": {"done": False}, "area_clean": "yes"}  # only True / done count
    assert record.get_missing_required_items() == ["Outils retirés", "Zone nettoyée"]
    assert record.is_complete() is False


def test_serializer_schema_has_missing_items_is_complete_and_template_items(w):
    pid = w.create_permit()["id"]
    body = w.client(w.issuer).get(purl(pid, "closeout")).json()
    assert {"missing_items", "is_complete", "template_items", "checklist", "remarks", "completed", "completed_at",
            "completed_by", "template", "version"} <= set(body)
    assert body["missing_items"] == ["Outils retirés", "Zone nettoyée"] and body["is_complete"] is False
    assert body["template_items"] == w.template.items
    data = PermitCloseoutSerializer(PermitCloseout.objects.get(permit_id=pid)).data
    assert data["missing_items"] == body["missing_items"] and data["is_complete"] is False


def test_incomplete_closeout_never_blocks_approve_or_activate_only_completion(plain):
    w = plain
    pid = w.create_permit()["id"]
    w.client(w.issuer).get(purl(pid, "closeout"))  # the record exists and is incomplete
    to_pending_approval(w, pid)
    r = approve(w, pid)
    assert r.status_code == 200, r.json()
    r = update_status(w, pid, "active")
    assert r.status_code == 200, r.json()
    r = update_status(w, pid, "completed")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["closeout"]["codes"] == ["closeout_incomplete"]
    assert sorted(errors["closeout"]["missing_items"]) == ["Outils retirés", "Zone nettoyée"]
    assert set(errors) == {"reasons", "closeout"}
    assert status_of(pid) == "active"

    w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": ITEMS_DONE}, format="json")
    # Ticked but not completed: still blocked.
    assert update_status(w, pid, "completed").status_code == 400
    assert w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json").status_code == 200
    r = update_status(w, pid, "completed")
    assert r.status_code == 200, r.json()
    assert status_of(pid) == "completed"


def test_completing_closeout_requires_deisolation_when_the_type_says_so(w):
    pid = w.create_permit()["id"]
    point = orm_point(w, pid, status="verified", library_point=w.point)
    set_status(pid, "active")
    w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": ITEMS_DONE}, format="json")
    r = w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["isolation"]["codes"] == ["deisolation_required"]
    assert errors["isolation"]["missing_items"] == ["MCC-01"]
    assert "closeout" not in errors
    assert PermitCloseout.objects.get(permit_id=pid).completed is False

    r = point_action(w, pid, point.pk, "deisolate", deisolated_notes="Cadenas retirés")
    assert r.status_code == 200, r.json()
    r = w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 200 and r.json()["is_complete"] is True


def test_no_deisolation_needed_when_the_type_does_not_track_it(w):
    PermitType.objects.filter(pk=w.permit_type.pk).update(requires_deisolation_on_closeout=False)
    pid = w.create_permit()["id"]
    orm_point(w, pid, status="verified", library_point=w.point)
    w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": ITEMS_DONE}, format="json")
    r = w.client(w.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 200, r.json()
