"""Property-based test of the offline sync (SPEC 5.1, issue 10).

Two devices and the server edit one permit (title, PPE set, checklist keys) and ask for
status changes, in random interleavings; devices sync in random orders. Devices keep one
pending "update" per permit (offline edits are folded into it, as a client queue does) plus
their status requests, and rebase on the ``server_state`` the server answers (applied or
conflict: "keep server" on the device). Properties:

* every change sent comes back exactly once (applied, conflict or rejected), and every
  conflict is stored as a ``SyncConflict``: nothing is lost silently;
* an applied update is on the server (title equal, PPE a superset, checklist Trues kept,
  Falses applied); a stale one keeps every PPE item and every True (merged), and a scalar
  it could not apply is named in the stored conflict's ``fields``;
* status changes are server-authoritative: every ``TransitionLog`` row is a legal edge of
  the permit state machine, and a refused request leaves the status as it was;
* after a final sync round, both devices and the server agree.

Runs on the services (``ohms_core.sync.sync_run``), not HTTP, to stay fast.
"""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ohms_core import sync as core_sync
from ohms_core.context import acting_as
from ohms_core.models import SyncConflict, TransitionLog
from ohms_core.workflows import machine_for

from ..models import Permit
from ..services import permits as permit_services
from ..sync import permit_state

pytestmark = pytest.mark.django_db

TITLES = ["Alpha", "Bravo", "Charlie"]
PPE = ["Casque", "Gants", "Bottes", "ARI"]
KEYS = ["k1", "k2", "k3"]
TARGETS = ["submitted", "pending_verification", "pending_approval", "approved", "cancelled", "draft"]

device = st.sampled_from(["A", "B"])
action = st.one_of(
    st.tuples(st.just("edit_title"), device, st.sampled_from(TITLES)),
    st.tuples(st.just("edit_ppe"), device, st.sampled_from(PPE)),
    st.tuples(st.just("edit_check"), device, st.tuples(st.sampled_from(KEYS), st.booleans())),
    st.tuples(st.just("status"), device, st.sampled_from(TARGETS)),
    st.tuples(st.just("server_title"), st.just("S"), st.sampled_from(TITLES)),
    st.tuples(st.just("server_ppe"), st.just("S"), st.lists(st.sampled_from(PPE), unique=True, max_size=3)),
    st.tuples(st.just("sync"), device, st.just(None)),
)

_ids = itertools.count()


class Device:
    def __init__(self, name, state):
        self.name, self.state = name, dict(state)
        self.edit: dict = {}
        self.status_requests: list[str] = []

    def queue(self, permit_id) -> list[dict]:
        changes = []
        if self.edit:
            changes.append({"entity": "permit", "op": "update", "offline_id": f"{self.name}-{next(_ids)}",
                            "server_id": permit_id, "client_version": self.state["version"], "data": dict(self.edit)})
        for target in self.status_requests:
            changes.append({"entity": "permit", "op": "update_status", "offline_id": f"{self.name}-{next(_ids)}",
                            "server_id": permit_id, "client_version": self.state["version"],
                            "data": {"status": target, "comment": "hors ligne"}})
        self.edit, self.status_requests = {}, []
        return changes


def legal_edges(model) -> set[tuple[str, str, str]]:
    edges = set()
    for transition in machine_for(model).transitions():
        edges.add((transition.name, str(transition.source), str(transition.target)))
    return edges


def check_sync(plain, dev: Device, permit_id: str, changes: list[dict]):
    before = Permit.objects.get(pk=permit_id)
    with acting_as(user=plain.admin, organization=plain.org, role="org_admin"):
        result = core_sync.sync_run(user=plain.admin, organization=plain.org, device_id=dev.name, changes=changes,
                                    role="org_admin")
    after = Permit.objects.get(pk=permit_id)
    answered = [e["offline_id"] for kind in ("applied", "conflicts", "rejected") for e in result[kind]]
    assert sorted(answered) == sorted(c["offline_id"] for c in changes)  # each change answered exactly once
    by_id = {e["offline_id"]: (kind, e) for kind in ("applied", "conflicts", "rejected") for e in result[kind]}
    for change in changes:
        kind, entry = by_id[change["offline_id"]]
        assert kind != "rejected", entry  # the admin may do all of this: nothing is refused outright
        if kind == "conflicts":
            stored = SyncConflict.objects.get(pk=entry["conflict_id"])
            assert stored.offline_id == change["offline_id"] and stored.fields == entry["fields"]
        data = change["data"]
        # A permit the server has closed meanwhile (cancelled, completed...) takes no edit: the
        # whole change is a recorded conflict (checked above), nothing is merged into it.
        refused = kind == "conflicts" and entry.get("reason") not in ("stale_version", "missing_client_version")
        if change["op"] == "update" and not refused:
            if "ppe_requirements" in data:  # never dropped (applied or merged)
                assert set(data["ppe_requirements"]) <= set(after.ppe_requirements)
            for key, value in data.get("safety_checklist", {}).items():
                if value:
                    assert after.safety_checklist.get(key) is True
                elif kind == "applied":
                    assert after.safety_checklist.get(key) is False
            if "title" in data:
                if kind == "applied":
                    assert after.title == data["title"]
                elif data["title"] != after.title:
                    assert entry["fields"]["title"]["client"] == data["title"]  # the losing write is recorded
        elif change["op"] == "update":
            assert after.status in ("cancelled", "completed", "closed", "expired", "rejected"), entry
        else:
            if kind == "conflicts":
                assert entry["reason"] == "invalid_transition"
            else:
                assert entry["server_state"]["status"] == data["status"]
    assert after.version >= before.version
    # The device rebases on the server's answer (keep server after a conflict).
    states = [e["server_state"] for kind in ("applied", "conflicts") for e in result[kind] if e.get("server_state")]
    if states:
        dev.state = max(states, key=lambda s: s["version"])
    return result


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(actions=st.lists(action, min_size=1, max_size=10))
def test_two_devices_and_the_server_converge_without_losing_updates(plain, actions):
    with acting_as(user=plain.requester, organization=plain.org, role="permit_requester"):
        from ..api.serializers import PermitSerializer

        serializer = PermitSerializer(data=plain.permit_payload(ppe_requirements=["Casque"], safety_checklist={"k1": False}),
                                      context={"organization": plain.org})
        serializer.is_valid(raise_exception=True)
        permit = permit_services.permit_create(organization=plain.org, data=dict(serializer.validated_data),
                                               user=plain.requester)
    permit_id = str(permit.pk)
    devices = {name: Device(name, permit_state(permit)) for name in ("A", "B")}
    for kind, who, value in actions:
        if kind == "edit_title":
            devices[who].edit["title"] = value
        elif kind == "edit_ppe":
            current = devices[who].edit.get("ppe_requirements", list(devices[who].state["ppe_requirements"]))
            devices[who].edit["ppe_requirements"] = [*current, value] if value not in current else current
        elif kind == "edit_check":
            key, done = value
            devices[who].edit.setdefault("safety_checklist", {})[key] = done
        elif kind == "status":
            devices[who].status_requests.append(value)
        elif kind in ("server_title", "server_ppe"):
            current = Permit.objects.get(pk=permit_id)
            data = {"title": value} if kind == "server_title" else {"ppe_requirements": value}
            with acting_as(user=plain.admin, organization=plain.org, role="org_admin"):
                try:
                    permit_services.permit_update(permit=current, data=data, user=plain.admin)
                except Exception as exc:  # a closed permit refuses edits: that is the server's own rule
                    assert getattr(exc, "code", "") == "permit_closed"
        else:
            changes = devices[who].queue(permit_id)
            if changes:
                check_sync(plain, devices[who], permit_id, changes)
    # Final round: everyone sends what is left, then one empty update to learn the server's state.
    for dev in devices.values():
        changes = dev.queue(permit_id)
        if changes:
            check_sync(plain, dev, permit_id, changes)
    for dev in devices.values():
        check_sync(plain, dev, permit_id, [{"entity": "permit", "op": "update", "offline_id": f"{dev.name}-{next(_ids)}",
                                            "server_id": permit_id, "client_version": dev.state["version"], "data": {}}])
    server = permit_state(Permit.objects.get(pk=permit_id))
    assert devices["A"].state == devices["B"].state == server
    # Only legal transitions were ever accepted, and the status is the last one's target.
    edges = legal_edges(Permit)
    logs = list(TransitionLog.objects.filter(object_id=permit_id).order_by("timestamp"))
    for log in logs:
        assert any(name == log.transition and log.from_state == source and target == log.to_state
                   for name, source, target in edges), (log.transition, log.from_state, log.to_state)
    if logs:
        assert logs[-1].to_state == server["status"]
