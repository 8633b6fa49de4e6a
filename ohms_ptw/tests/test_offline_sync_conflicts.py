"""Offline sync with versions and conflicts (SPEC 5.1): ``POST /api/v1/ptw/sync-offline-data/``.

The eight seed tests by their SPEC names, then the old payload, ``missing_client_version``,
``force``, permissions, the append-only entities and the closeout merge.
"""
from __future__ import annotations

import base64

import pytest

from ohms_core import testing
from ohms_core.models import AppliedOfflineChange, AuditLog, SyncConflict, SyncRunLog

from ..models import GasReading, Permit, PermitCloseout, PermitIsolationPoint, PermitPhoto
from .helpers import BASE, assign, orm_gas, point_action, purl, to_pending_approval

pytestmark = pytest.mark.django_db

URL = "/api/v1/ptw/sync-offline-data/"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PNG2 = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


def sync(w, changes, *, user=None, device="tablet-1"):
    response = w.client(user or w.requester).post(URL, {"device_id": device, "client_time": "2026-11-30T08:00:00Z",
                                                        "changes": changes}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def permit_change(pid, version, data, *, op="update", offline_id="c-1", **extra):
    return {"entity": "permit", "op": op, "offline_id": offline_id, "server_id": str(pid), "client_version": version,
            "data": data, **extra}


def server_edit(w, pid, **data):
    """Someone else edits the permit on the server (REST, version bumped)."""
    response = w.client(w.requester).patch(purl(pid), data, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["version"]


# --- SPEC 5.1 seed tests ------------------------------------------------------------------------
def test_apply_update_when_versions_match(w):
    permit = w.create_permit()
    body = sync(w, [permit_change(permit["id"], permit["version"], {"title": "Cuve T-12 : nettoyage", "location": "Cuve T-13"})])
    assert body["conflicts"] == [] and body["rejected"] == []
    [entry] = body["applied"]
    assert entry["entity"] == "permit" and entry["offline_id"] == "c-1" and entry["server_id"] == permit["id"]
    assert entry["new_version"] == permit["version"] + 1
    assert entry["server_state"]["title"] == "Cuve T-12 : nettoyage" and entry["server_state"]["version"] == entry["new_version"]
    stored = Permit.objects.get(pk=permit["id"])
    assert (stored.title, stored.location, stored.version) == ("Cuve T-12 : nettoyage", "Cuve T-13", permit["version"] + 1)
    assert AppliedOfflineChange.objects.filter(device_id="tablet-1", offline_id="c-1", entity="permit").count() == 1
    run = SyncRunLog.objects.get()
    assert (run.applied_count, run.conflict_count, run.rejected_count, run.device_id) == (1, 0, 0, "tablet-1")


def test_conflict_when_stale_version_scalar_field(w):
    permit = w.create_permit()
    server_version = server_edit(w, permit["id"], title="Titre du bureau")
    body = sync(w, [permit_change(permit["id"], permit["version"], {"title": "Titre du terrain"})])
    assert body["applied"] == [] and body["rejected"] == []
    [conflict] = body["conflicts"]
    assert conflict["reason"] == "stale_version"
    assert (conflict["client_version"], conflict["server_version"]) == (permit["version"], server_version)
    assert conflict["fields"]["title"] == {"client": "Titre du terrain", "server": "Titre du bureau",
                                           "merge_hint": "last_write_wins"}
    assert conflict["server_state"]["title"] == "Titre du bureau"
    assert Permit.objects.get(pk=permit["id"]).title == "Titre du bureau"  # the server's value stays
    stored = SyncConflict.objects.get()
    assert (stored.reason, stored.status, stored.device_id, stored.reference) == (
        "stale_version", "open", "tablet-1", permit["permit_number"])
    assert stored.fields["title"]["client"] == "Titre du terrain" and str(stored.pk) == conflict["conflict_id"]
    assert SyncRunLog.objects.get().conflict_count == 1


def test_set_merge_ppe_when_stale(w):
    permit = w.create_permit()  # ppe: Casque, Harnais, ARI
    server_edit(w, permit["id"], ppe_requirements=["Casque", "Harnais", "ARI", "Bottes"])
    body = sync(w, [permit_change(permit["id"], permit["version"], {"ppe_requirements": ["Casque", "Gants"]})])
    # Union, server order first: nothing the offline client lacked is dropped.
    assert Permit.objects.get(pk=permit["id"]).ppe_requirements == ["Casque", "Harnais", "ARI", "Bottes", "Gants"]
    assert body["conflicts"] == [] and body["applied"][0]["server_state"]["ppe_requirements"][-1] == "Gants"


def test_checklist_merge_true_wins(w):
    permit = w.create_permit(safety_checklist={"area_barricaded": True, "gas_tested": False})
    server_edit(w, permit["id"], title="Autre titre")
    body = sync(w, [permit_change(permit["id"], permit["version"],
                                  {"safety_checklist": {"area_barricaded": False, "gas_tested": True, "ventilated": True}})])
    stored = Permit.objects.get(pk=permit["id"])
    assert stored.safety_checklist == {"area_barricaded": True, "gas_tested": True, "ventilated": True}
    # The client's False against the server's True lost: recorded as a field conflict.
    [conflict] = body["conflicts"]
    assert conflict["fields"]["safety_checklist"]["merge_hint"] == "true_wins"
    assert conflict["server_state"]["safety_checklist"]["gas_tested"] is True
    assert conflict["detail"]["merged"] == ["safety_checklist"]


def test_append_photo_idempotent_by_offline_id(w):
    permit = w.create_permit()
    change = {"entity": "permit_photo", "op": "append", "offline_id": "photo-1", "permit_id": permit["id"],
              "data": {"content_base64": base64.b64encode(PNG).decode(), "caption": "Avant", "photo_type": "before"}}
    first = sync(w, [change])
    again = sync(w, [change])
    assert first["applied"][0]["server_id"] == again["applied"][0]["server_id"]
    assert PermitPhoto.objects.filter(permit_id=permit["id"]).count() == 1
    photo = PermitPhoto.objects.get()
    assert (photo.offline_id, photo.device_id, photo.caption) == ("photo-1", "tablet-1", "Avant")
    # Another photo under a new offline id is a new row; a permit from a permit_offline_id too.
    sync(w, [{**change, "offline_id": "photo-2", "data": {"content_base64": base64.b64encode(PNG2).decode()}}])
    assert PermitPhoto.objects.filter(permit_id=permit["id"]).count() == 2


def test_status_transition_rejected_when_invalid_or_already_advanced(w):
    permit = w.create_permit()
    # Invalid from draft: no transition leads to "approved".
    body = sync(w, [permit_change(permit["id"], permit["version"], {"status": "approved"}, op="update_status")])
    [conflict] = body["conflicts"]
    assert conflict["reason"] == "invalid_transition" and conflict["detail"]["server_status"] == "draft"
    assert conflict["fields"]["status"] == {"client": "approved", "server": "draft", "merge_hint": "server_authoritative"}
    # Already advanced: the server moved to pending_approval; the device still asks to send for verification.
    to_pending_approval(w, permit["id"])
    body = sync(w, [permit_change(permit["id"], permit["version"], {"status": "pending_verification"},
                                  op="update_status", offline_id="c-2")])
    [conflict] = body["conflicts"]
    assert conflict["reason"] == "invalid_transition" and conflict["server_state"]["status"] == "pending_approval"
    # Gates: approving without gas readings or verified points is refused with the gates' reasons.
    body = sync(w, [permit_change(permit["id"], None, {"status": "approved"}, op="update_status", offline_id="c-3")],
                user=w.approver)
    [conflict] = body["conflicts"]
    assert conflict["reason"] == "invalid_transition"
    gates = {reason.get("gate") for reason in conflict["detail"]["reasons"]}
    assert {"gas", "isolation"} <= gates
    assert Permit.objects.get(pk=permit["id"]).status == "pending_approval"
    assert SyncConflict.objects.filter(reason="invalid_transition").count() == 3
    # A legal transition is applied through the workflow service (history, step, event).
    orm_gas(w, permit["id"])
    body = sync(w, [permit_change(permit["id"], None, {"status": "cancelled", "comment": "Travaux reportés"},
                                  op="update_status", offline_id="c-4")], user=w.admin)
    assert body["applied"][0]["server_state"]["status"] == "cancelled"


def test_isolation_status_monotonic(w):
    permit = w.create_permit()
    point_id = assign(w, permit["id"], library_point=w.point).json()["id"]

    def point_change(offline_id, data, version=None):
        return {"entity": "isolation_point", "op": "update", "offline_id": offline_id, "server_id": point_id,
                "client_version": version, "data": data}

    body = sync(w, [point_change("p-1", {"status": "isolated", "lock_ids": ["L-1"]})], user=w.issuer)
    assert body["applied"][0]["server_state"]["status"] == "isolated"
    assert point_action(w, permit["id"], point_id, "verify").status_code == 200
    # The server is beyond the client's value: accepted as a no-op (locks set-merged).
    body = sync(w, [point_change("p-2", {"status": "isolated", "lock_ids": ["L-2"]})], user=w.issuer)
    [entry] = body["applied"]
    point = PermitIsolationPoint.objects.get(pk=point_id)
    assert point.status == "verified" and point.lock_ids == ["L-1", "L-2"]
    assert entry["server_state"]["status"] == "verified"
    # Regressions are rejected: back to "assigned", or below the client's own previous status.
    body = sync(w, [point_change("p-3", {"status": "assigned"}),
                    point_change("p-4", {"status": "isolated", "from_status": "verified"})], user=w.issuer)
    assert [r["reason"] for r in body["rejected"]] == ["validation_error", "validation_error"]
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "verified"


def test_applied_change_deduplication_table(w):
    permit = w.create_permit()
    change = permit_change(permit["id"], permit["version"], {"title": "Une seule fois"})
    first = sync(w, [change])
    audits = AuditLog.objects.count()
    second = sync(w, [change])
    assert second["applied"] == first["applied"]  # the first answer, again
    assert Permit.objects.get(pk=permit["id"]).version == permit["version"] + 1  # applied once
    assert AuditLog.objects.count() == audits and AppliedOfflineChange.objects.count() == 1
    # The key is (device, offline id, entity): another device's change with the same id is its own.
    other = sync(w, [permit_change(permit["id"], permit["version"] + 1, {"title": "Autre tablette"})], device="tablet-2")
    assert other["applied"][0]["new_version"] == permit["version"] + 2
    assert AppliedOfflineChange.objects.count() == 2
    # A conflict sent again is the same conflict (one stored row).
    stale = permit_change(permit["id"], permit["version"], {"title": "Périmé"}, offline_id="c-9")
    assert sync(w, [stale])["conflicts"][0]["conflict_id"] == sync(w, [stale])["conflicts"][0]["conflict_id"]
    assert SyncConflict.objects.count() == 1


# --- beyond the seed tests -------------------------------------------------------------------------
def test_old_payload_still_accepted(w):
    payload = w.permit_payload(title="Permis hors ligne")
    response = w.client(w.requester).post(URL, {"offline_data": [{"type": "permit", "data": payload}]}, format="json",
                                          HTTP_X_DEVICE_ID="vieux-terminal")
    assert response.status_code == 200, response.json()
    [entry] = response.json()["applied"]
    permit = Permit.objects.get(pk=entry["server_id"])
    assert permit.title == "Permis hors ligne" and permit.offline_id.startswith("legacy-")
    # The same item again is a repeat (derived offline id): still one permit.
    w.client(w.requester).post(URL, {"offline_data": [{"type": "permit", "data": payload}]}, format="json",
                               HTTP_X_DEVICE_ID="vieux-terminal")
    assert Permit.objects.filter(title="Permis hors ligne").count() == 1
    # photo, update (id + version), approval and signature items.
    items = [{"type": "photo", "data": {"permit_id": str(permit.pk), "content_base64": base64.b64encode(PNG).decode()}},
             {"type": "permit", "data": {"id": str(permit.pk), "version": permit.version, "location": "Cuve T-14"}}]
    body = w.client(w.requester).post(URL, {"offline_data": items}, format="json", HTTP_X_DEVICE_ID="vieux-terminal").json()
    assert len(body["applied"]) == 2 and PermitPhoto.objects.filter(permit=permit).count() == 1
    assert Permit.objects.get(pk=permit.pk).location == "Cuve T-14"
    to_pending_approval(w, permit.pk)
    body = w.client(w.approver).post(URL, {"offline_data": [
        {"type": "approval", "data": {"permit_id": str(permit.pk), "decision": "approve"}},
        {"type": "signature", "data": {"permit_id": str(permit.pk), "meaning": "approval", "password": "wrong"}},
    ]}, format="json").json()
    # Approval is refused by the gates (no gas test yet): a conflict with the reasons, never applied.
    assert body["conflicts"][0]["reason"] == "invalid_transition"
    assert Permit.objects.get(pk=permit.pk).status == "pending_approval"
    assert len(body["conflicts"]) + len(body["rejected"]) + len(body["applied"]) == 2


def test_missing_client_version_applies_only_safe_changes(w):
    permit = w.create_permit()
    body = sync(w, [permit_change(permit["id"], None, {"title": "Sans version", "ppe_requirements": ["Gants"]})])
    [conflict] = body["conflicts"]
    assert conflict["reason"] == "missing_client_version" and "title" in conflict["fields"]
    stored = Permit.objects.get(pk=permit["id"])
    assert stored.title == permit["title"] and stored.ppe_requirements == ["Casque", "Harnais", "ARI", "Gants"]
    # Nothing conflicting (same title, set additions only): applied.
    body = sync(w, [permit_change(permit["id"], None, {"title": permit["title"], "ppe_requirements": ["Bottes"]},
                                  offline_id="c-2")])
    assert body["conflicts"] == [] and len(body["applied"]) == 1


def test_force_is_last_write_wins(w):
    permit = w.create_permit()
    server_edit(w, permit["id"], title="Titre du bureau")
    body = sync(w, [permit_change(permit["id"], permit["version"], {"title": "Titre du terrain"}, force=True)])
    assert body["conflicts"] == [] and Permit.objects.get(pk=permit["id"]).title == "Titre du terrain"


def test_permission_denied_outside_projects_and_organizations(w):
    mine = w.create_permit(title="Projet A")
    theirs = w.create_permit(title="Projet B", project=str(w.other_project.pk))
    member = testing.make_member(w.org, "org_admin", projects=[w.project])
    body = sync(w, [permit_change(theirs["id"], theirs["version"], {"title": "Piraté"}),
                    permit_change(mine["id"], mine["version"], {"title": "Le mien"}, offline_id="c-2"),
                    {"entity": "gas_reading", "op": "append", "offline_id": "g-1", "permit_id": theirs["id"],
                     "data": {"gas": "O2", "value": "20.9", "tested_at": "2026-11-29T07:00:00Z"}}], user=member)
    assert [r["reason"] for r in body["rejected"]] == ["permission_denied", "permission_denied"]
    assert "server_state" not in body["rejected"][0]  # nothing about the other project's permit leaks
    assert Permit.objects.get(pk=theirs["id"]).title == "Projet B"
    assert len(body["applied"]) == 1
    # Another organization's permit: the same answer.
    other = type(w)(code="KCC")
    foreign = other.create_permit()
    body = sync(w, [permit_change(foreign["id"], foreign["version"], {"title": "x"}, offline_id="c-3")])
    assert body["rejected"][0]["reason"] == "permission_denied"
    # A role that may not edit permits is refused per change.
    auditor = testing.make_member(w.org, "auditor")
    body = sync(w, [permit_change(mine["id"], None, {"title": "y"}, offline_id="c-4")], user=auditor)
    assert body["rejected"][0]["reason"] == "permission_denied"


def test_gas_reading_append_deduplicated(w):
    permit = w.create_permit()
    change = {"entity": "gas_reading", "op": "append", "offline_id": "g-1", "permit_id": permit["id"],
              "data": {"gas": "O2", "value": "20.9", "tested_at": "2026-11-29T07:00:00Z"}}
    first, again = sync(w, [change], user=w.issuer), sync(w, [change], user=w.issuer)
    assert first["applied"][0]["server_id"] == again["applied"][0]["server_id"]
    assert GasReading.objects.filter(permit_id=permit["id"]).count() == 1
    # The REST path with the same offline id and device returns the same reading (one rule).
    response = w.client(w.issuer).post("/api/v1/ptw/gas-readings/", {
        "permit": permit["id"], "gas": "O2", "value": "20.9", "tested_at": "2026-11-29T07:00:00Z", "offline_id": "g-1",
        "device_id": "tablet-1"}, format="json")
    assert response.status_code == 200 and GasReading.objects.count() == 1


def test_permit_created_offline_then_children_by_permit_offline_id(w):
    payload = w.permit_payload(title="Créé hors ligne")
    body = sync(w, [{"entity": "permit", "op": "create", "offline_id": "new-permit", "data": payload},
                    {"entity": "gas_reading", "op": "append", "offline_id": "g-1", "permit_offline_id": "new-permit",
                     "data": {"gas": "LEL", "value": "0", "tested_at": "2026-11-29T07:00:00Z"}}])
    assert len(body["applied"]) == 2, body
    permit = Permit.objects.get(offline_id="new-permit")
    assert permit.gas_readings.count() == 1 and permit.permit_number.startswith("PTW-SMK-")


def test_closeout_checklist_merge_true_wins(w):
    permit = w.create_permit()
    closeout = w.client(w.requester).get(purl(permit["id"], "closeout")).json()
    r = w.client(w.requester).post(purl(permit["id"], "update_closeout"), {"checklist": {"tools_removed": True}}, format="json")
    assert r.status_code == 200
    change = {"entity": "closeout", "op": "update", "offline_id": "co-1", "permit_id": permit["id"],
              "client_version": closeout["version"],
              "data": {"checklist": {"tools_removed": False, "area_clean": True}, "complete": True}}
    body = sync(w, [change])
    record = PermitCloseout.objects.get(permit_id=permit["id"])
    assert record.is_done("tools_removed") and record.is_done("area_clean")
    # The client's False against the server's True is a recorded field conflict (True wins).
    [conflict] = body["conflicts"]
    assert conflict["fields"]["checklist"]["merge_hint"] == "true_wins"
    assert conflict["server_state"]["checklist"]["area_clean"] is True
    # "complete" is a request the server checks: only done when every required item is.
    assert conflict["server_state"]["completed"] == record.completed
    assert record.completed == (not record.get_missing_required_items() and conflict["reason"] != "validation_error")


def test_bad_envelope_is_400_and_bad_change_rejected(w):
    client = w.client(w.requester)
    assert client.post(URL, {"changes": []}, format="json").status_code == 400  # device_id required
    response = client.post(URL, {"device_id": "t", "changes": "x"}, format="json")
    assert response.status_code == 400 and "changes" in response.json()["errors"]
    body = sync(w, [{"entity": "permit"}, {"entity": "rocket", "op": "launch", "offline_id": "r"},
                    permit_change("not-a-uuid", 1, {"title": "x"}),
                    permit_change(w.create_permit()["id"], None, {"likelihood": 9}, offline_id="c-5")])
    assert [r["reason"] for r in body["rejected"]] == ["validation_error", "validation_error", "permission_denied",
                                                       "validation_error"]
    assert "offline_id" in body["rejected"][0]["detail"] and "likelihood" in body["rejected"][3]["detail"]


def test_versions_bumped_by_every_server_update(w):
    permit = w.create_permit()
    v1 = permit["version"]
    v2 = server_edit(w, permit["id"], title="v2")
    to_pending_approval(w, permit["id"])
    stored = Permit.objects.get(pk=permit["id"])
    assert v2 == v1 + 1 and stored.version >= v2 + 2  # each transition bumps it too
    response = w.client(w.requester).get(BASE + permit["id"] + "/")
    assert response.json()["version"] == stored.version


# --- resolving stored conflicts: /api/v1/integrations/sync-conflicts/ ------------------------------
CONFLICTS = "/api/v1/integrations/sync-conflicts/"
needs_integrations = pytest.mark.skipif(not __import__("django.apps").apps.apps.is_installed("ohms_integrations"),
                                        reason="the integrations add-on serves the conflict API")


def stale_title_conflict(w, *, offline_id="c-1", device="tablet-1"):
    permit = w.create_permit()
    server_edit(w, permit["id"], title="Titre du bureau")
    body = sync(w, [permit_change(permit["id"], permit["version"], {"title": "Titre du terrain"},
                                  offline_id=offline_id)], device=device)
    return permit, SyncConflict.objects.get(pk=body["conflicts"][0]["conflict_id"])


def resolve(w, conflict, resolution, *, user=None, **extra):
    return w.client(user or w.admin).post(f"{CONFLICTS}{conflict.pk}/resolve/", {"resolution": resolution, **extra},
                                          format="json")


@needs_integrations
def test_resolve_keep_client_applies_through_the_services_and_is_audited(w):
    permit, conflict = stale_title_conflict(w)
    response = resolve(w, conflict, "keep_client")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["resolution"], body["resolved_by"]) == ("resolved", "keep_client", w.admin.pk)
    stored = Permit.objects.get(pk=permit["id"])
    assert stored.title == "Titre du terrain"
    assert body["server_state"]["title"] == "Titre du terrain" and body["server_version"] == stored.version
    assert AuditLog.objects.filter(object_id=str(conflict.pk), action="update").exists()
    # Resolved once: a second resolution is a 409.
    assert resolve(w, conflict, "discard").status_code == 409


@needs_integrations
def test_resolve_keep_server_and_discard_change_nothing_on_the_permit(w):
    permit, conflict = stale_title_conflict(w)
    _permit2, other = stale_title_conflict(w, offline_id="c-2")
    assert resolve(w, conflict, "keep_server").json()["status"] == "resolved"
    assert resolve(w, other, "discard").json()["status"] == "discarded"
    assert Permit.objects.get(pk=permit["id"]).title == "Titre du bureau"
    assert set(SyncConflict.objects.values_list("resolution", flat=True)) == {"keep_server", "discard"}


@needs_integrations
def test_resolve_merge_only_where_the_hints_allow(w):
    _permit, scalar = stale_title_conflict(w)
    response = resolve(w, scalar, "merge")
    assert response.status_code == 400 and "resolution" in response.json()["errors"]
    assert SyncConflict.objects.get(pk=scalar.pk).status == "open"
    options = {o["value"]: o for o in w.client(w.admin).get(f"{CONFLICTS}{scalar.pk}/").json()["resolutions"]}
    assert options["merge"]["allowed"] is False and options["merge"]["reason"]
    assert options["keep_client"]["allowed"] is True
    # A checklist conflict may be merged (True wins): resolved, the merged checklist kept.
    permit = w.create_permit(safety_checklist={"area_barricaded": True})
    server_edit(w, permit["id"], title="Autre")
    body = sync(w, [permit_change(permit["id"], permit["version"], {"safety_checklist": {"area_barricaded": False}},
                                  offline_id="c-7")])
    checklist = SyncConflict.objects.get(pk=body["conflicts"][0]["conflict_id"])
    response = resolve(w, checklist, "merge")
    assert response.status_code == 200 and response.json()["resolution"] == "merge"
    assert Permit.objects.get(pk=permit["id"]).safety_checklist == {"area_barricaded": True}


@needs_integrations
def test_resolve_keep_client_of_a_refused_transition_runs_the_gates_again(w):
    permit = w.create_permit()
    to_pending_approval(w, permit["id"])
    body = sync(w, [permit_change(permit["id"], None, {"status": "approved"}, op="update_status")], user=w.approver)
    conflict = SyncConflict.objects.get(pk=body["conflicts"][0]["conflict_id"])
    assert resolve(w, conflict, "merge").status_code == 400  # a status is server-authoritative: never merged
    response = resolve(w, conflict, "keep_client")  # the gates still refuse (no gas test): 400 with the reasons
    assert response.status_code == 400
    assert SyncConflict.objects.get(pk=conflict.pk).status == "open"
    assert Permit.objects.get(pk=permit["id"]).status == "pending_approval"


@needs_integrations
def test_sync_conflicts_scoped_filtered_and_role_checked(w, django_assert_max_num_queries):
    _permit, conflict = stale_title_conflict(w)
    client = w.client(w.admin)
    assert [c["id"] for c in client.get(CONFLICTS).json()["results"]] == [str(conflict.pk)]
    assert client.get(CONFLICTS, {"status": "resolved"}).json()["results"] == []
    assert client.get(CONFLICTS, {"device": "tablet-9"}).json()["results"] == []
    assert len(client.get(CONFLICTS, {"entity": "permit", "device": "tablet-1", "status": "open"}).json()["results"]) == 1
    assert client.get(CONFLICTS, {"status": "bogus"}).status_code == 400
    # Another organization: 404 on read and resolve, nothing in its list.
    other = type(w)(code="KCC")
    assert other.client(other.admin).get(f"{CONFLICTS}{conflict.pk}/").status_code == 404
    assert resolve(other, conflict, "discard", user=other.admin).status_code == 404
    assert other.client(other.admin).get(CONFLICTS).json()["results"] == []
    # A member of another project does not see it; a role that may read but not resolve gets 403.
    limited = testing.make_member(w.org, "org_admin", projects=[w.other_project])
    assert w.client(limited).get(f"{CONFLICTS}{conflict.pk}/").status_code == 404
    assert resolve(w, conflict, "discard", user=w.verifier).status_code == 403
    assert w.client(testing.make_member(w.org, "worker")).get(CONFLICTS).status_code == 403
    assert resolve(w, conflict, "bogus").status_code == 400
    # The list's query count does not grow with rows.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(CONFLICTS)
    with CaptureQueriesContext(connection) as one:
        assert client.get(CONFLICTS).status_code == 200
    baseline = len(one)  # read now: each later request resets Django's query log
    assert 0 < baseline <= 12
    for n in range(9):
        stale_title_conflict(w, offline_id=f"n-{n}")
    with django_assert_max_num_queries(baseline):
        assert len(client.get(CONFLICTS).json()["results"]) == 10


@needs_integrations
def test_admin_sync_conflicts_screen(w, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    permit, conflict = stale_title_conflict(w)
    client.force_login(w.admin)
    url = "/admin/integrations/sync-conflicts/"
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert permit["permit_number"] in page and "stale_version" in page and "tablet-1" in page
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    baseline = len(one)
    for n in range(9):
        stale_title_conflict(w, offline_id=f"a-{n}")
    with CaptureQueriesContext(connection) as ten:
        page = client.get(url).content.decode()
    assert page.count("data-conflict=") == 10 and len(ten) <= baseline  # flat with rows
    assert client.get(url, {"status": "bogus"}).status_code == 400
    assert client.get(url, {"device": "other"}).content.decode().count("data-conflict=") == 0
    # Detail: field by field, the hint, the four buttons (merge disabled with its reason).
    detail = client.get(f"{url}{conflict.pk}/").content.decode()
    assert 'data-field="title"' in detail and "Titre du terrain" in detail and "Titre du bureau" in detail
    assert "last_write_wins" in detail and 'data-disabled-reason="merge"' in detail
    assert 'data-disabled-reason="keep_client"' not in detail
    response = client.post(f"{url}{conflict.pk}/resolve/", {"resolution": "keep_client", "version": conflict.version})
    assert response.status_code == 302
    assert SyncConflict.objects.get(pk=conflict.pk).status == "resolved"
    assert Permit.objects.get(pk=permit["id"]).title == "Titre du terrain"
    # Merge refused with its reason, as a message; nothing changes.
    other_conflict = SyncConflict.objects.filter(status="open").first()
    client.post(f"{url}{other_conflict.pk}/resolve/", {"resolution": "merge"})
    assert SyncConflict.objects.get(pk=other_conflict.pk).status == "open"
    # A role that may read but not resolve: buttons disabled, POST 403; another organization: 404.
    client.force_login(w.verifier)
    assert 'data-disabled-reason="keep_server"' in client.get(f"{url}{other_conflict.pk}/").content.decode()
    refused = client.post(f"{url}{other_conflict.pk}/resolve/", {"resolution": "discard"})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's answer to PermissionDenied
    assert SyncConflict.objects.get(pk=other_conflict.pk).status == "open"
    other = type(w)(code="KCC")
    client.force_login(other.admin)
    assert client.get(f"{url}{other_conflict.pk}/").status_code == 404
    assert client.post(f"{url}{other_conflict.pk}/resolve/", {"resolution": "discard"}).status_code == 404
    assert "data-conflict=" not in client.get(url).content.decode()


def test_sync_run_logs_are_kept_30_days(w):
    from datetime import timedelta

    from django.utils import timezone

    from ohms_core import jobs

    old = SyncRunLog.objects.create(organization=w.org, device_id="t")
    SyncRunLog.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=31))
    recent = SyncRunLog.objects.create(organization=w.org, device_id="t")
    run = jobs.run_job("sync_logs_cleanup")
    assert run.success and list(SyncRunLog.objects.values_list("pk", flat=True)) == [recent.pk]
