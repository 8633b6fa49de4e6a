"""Permit-to-work entities of the offline sync (SPEC 5.1 "Merge policy per entity").

One adapter per entity, registered with ``ohms_core.sync`` when the app is ready. Every
write goes through ``ohms_ptw.services`` (and so through the gates, permissions, audit,
history and events of the ordinary paths); nothing here saves a model directly.

=====================  ==========================================================================
entity / op            policy
=====================  ==========================================================================
permit create          ``permit_create`` (validated like ``POST /permits/``); ``offline_id`` kept
permit update          versions equal: applied. Stale (or no ``client_version``): scalars that
                       differ are conflicts (``stale_version`` / ``missing_client_version``) unless
                       ``force`` (last write wins); ``ppe_requirements`` set-merged (never
                       dropped); ``safety_checklist`` merged by key, True wins (a client False
                       against a server True is recorded as a field conflict)
permit update_status   server-authoritative, through ``permit_update_status`` (state machine and
                       gates); refused -> conflict ``invalid_transition`` with the server status
                       and the gate reasons; already there -> applied (no-op)
isolation_point create ``isolation_assign`` (append-only, never a conflict)
isolation_point update status monotonic (assigned < isolated < verified < deisolated): the
                       server already there or beyond -> applied no-op; forward -> each step
                       through ``isolation_update``; backwards from the client's own
                       ``from_status`` (or to "assigned") -> rejected; ``lock_ids`` set-merged
closeout update        checklist merged by key, True wins; remarks like a scalar; ``complete``
                       is a request checked by ``closeout_complete`` (only the server completes)
gas_reading append     ``gas_reading_submit`` (deduplicated by ``offline_id``)
permit_photo append    ``permit_photo_submit`` (deduplicated by ``offline_id`` or content hash)
=====================  ==========================================================================
"""
from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from rest_framework import serializers

from ohms_core import permissions as policy
from ohms_core import sync as core_sync
from ohms_core.context import get_context
from ohms_core.exceptions import BusinessRuleError, ConflictError, NotAllowedError
from ohms_core.models import AppliedOfflineChange
from ohms_core.sync import (
    APPLIED,
    CONFLICT,
    INVALID_TRANSITION,
    LAST_WRITE_WINS,
    MISSING_CLIENT_VERSION,
    SERVER_AUTHORITATIVE,
    SET_MERGE,
    STALE_VERSION,
    TRUE_WINS,
    VALIDATION_ERROR,
    Outcome,
    SyncAdapter,
    applied,
    field_diff,
)

from .models import IsolationPointLibrary, Permit, PermitIsolationPoint
from .states import Gas, IsolationStatus, PermitStatus, PhotoType

PERMIT_STATE_FIELDS = (
    "permit_number", "status", "title", "description", "location", "priority", "likelihood", "severity",
    "risk_assessment", "control_measures", "isolation_details", "planned_start_time", "planned_end_time",
    "ppe_requirements", "safety_checklist",
)
SET_FIELDS = {"ppe_requirements"}
CHECKLIST_FIELDS = {"safety_checklist"}
#: Never written by a sync update (the state machine owns status; the rest is the server's).
NOT_SYNCED = {"id", "version", "status", "permit_number", "offline_id", "created_at", "updated_at"}
ISOLATION_RANK = {IsolationStatus.ASSIGNED: 0, IsolationStatus.ISOLATED: 1, IsolationStatus.VERIFIED: 2,
                  IsolationStatus.DEISOLATED: 3}
ISOLATION_STEPS = {IsolationStatus.ISOLATED: "isolate", IsolationStatus.VERIFIED: "verify",
                   IsolationStatus.DEISOLATED: "deisolate"}


# --- helpers --------------------------------------------------------------------------------
def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value.pk)
    return value


def permit_state(permit) -> dict:
    """What a device needs to rebase on the server's permit (JSON-ready)."""
    state = {"id": str(permit.pk), "version": permit.version}
    for name in PERMIT_STATE_FIELDS:
        state[name] = _plain(getattr(permit, name))
    state["project"] = str(permit.project_id)
    state["permit_type"] = str(permit.permit_type_id)
    return state


def point_state(point) -> dict:
    return {"id": str(point.pk), "version": point.version, "permit": str(point.permit_id), "name": str(point),
            "status": point.status, "lock_ids": list(point.lock_ids or []), "lock_count": point.lock_count,
            "required": point.required, "isolation_steps": point.isolation_steps}


def closeout_state(closeout) -> dict:
    return {"id": str(closeout.pk), "version": closeout.version, "permit": str(closeout.permit_id),
            "checklist": {key: closeout.is_done(key) for key in (closeout.checklist or {})},
            "remarks": closeout.remarks, "completed": closeout.completed}


def _require(user, resource: str, action: str) -> None:
    decision = policy.check(user=user, role=get_context().role, resource=resource, action=action)
    if not decision.allowed:
        raise NotAllowedError(decision.reason)


def _scoped_get(model, pk, **filters):
    """The row when the acting member may see it (organization and projects), else
    ``ObjectDoesNotExist`` (the engine answers ``permission_denied``)."""
    if not pk:
        raise ValidationError({"server_id": [_("This field is required.")]})
    try:
        obj = model.objects.scoped().filter(pk=pk, **filters).first()
    except (ValidationError, ValueError):
        obj = None
    if obj is None:
        raise ObjectDoesNotExist(pk)
    return obj


def _serializer_context(run):
    return {"organization": run.organization, "request": None}


def _refusal(exc) -> dict:
    return {"code": exc.code, "message": exc.message, **({"errors": exc.errors} if exc.errors else {})}


def _done(value) -> bool:
    return bool(value.get("done")) if isinstance(value, dict) else bool(value)


def set_union(server: list, client: list) -> list:
    """Server order first, then the client's new items (never drops one)."""
    merged = list(server or [])
    merged.extend(item for item in (client or []) if item not in merged)
    return merged


def checklist_merge(server: dict, client: dict) -> tuple[dict, dict]:
    """``(merged, lost)``: by key, True wins; ``lost`` names the keys the client set False
    where the server has True (differing values, recorded as field conflicts)."""
    merged = {key: _done(value) for key, value in (server or {}).items()}
    lost = {}
    for key, value in (client or {}).items():
        done = _done(value)
        if merged.get(key) and not done:
            lost[key] = {"client": False, "server": True}
        merged[key] = merged.get(key, False) or done
    return merged, lost


def permit_lookup(change, run):
    """The permit a change names: ``server_id`` (permit changes), else ``permit_id`` or
    ``permit_offline_id`` (a permit this device created offline, maybe in this very call)."""
    extra, data = change.extra, change.data
    if change.entity == "permit":
        pk = change.server_id or data.get("id")
        offline_id = "" if pk else data.get("offline_id") or ""
    else:
        pk = extra.get("permit_id") or data.get("permit_id") or data.get("permit")
        offline_id = "" if pk else extra.get("permit_offline_id") or data.get("permit_offline_id") or ""
    if not pk and offline_id:
        done = AppliedOfflineChange.objects.filter(organization=run.organization, device_id=run.device_id,
                                                   offline_id=offline_id, entity="permit").first()
        pk = done.server_id if done is not None else None
        if not pk:
            found = Permit.objects.scoped().filter(offline_id=offline_id).values_list("pk", flat=True).first()
            pk = str(found) if found else None
        if not pk:
            raise ValidationError({"permit_offline_id": [_("No permit was created with this offline id.")]})
    if not pk:
        raise ValidationError({"permit_id": [_("Name the permit (permit_id or permit_offline_id).")]})
    return _scoped_get(Permit, pk)


def _conflict_meta(permit) -> dict:
    return {"project": permit.project, "reference": permit.permit_number, "title": permit.title}


# --- permit ---------------------------------------------------------------------------------
class PermitAdapter(SyncAdapter):
    entity = "permit"
    ops = ("create", "update", "update_status", "approval", "sign")

    def apply(self, change, run):
        return getattr(self, f"_{change.op}")(change, run)

    def _create(self, change, run):
        from .api.serializers import PermitSerializer
        from .services.permits import permit_create

        _require(run.user, "permit", policy.ADD)
        data = {k: v for k, v in change.data.items() if k not in NOT_SYNCED}
        serializer = PermitSerializer(data=data, context=_serializer_context(run))
        if not serializer.is_valid():
            if data.get("project") and "project" in serializer.errors:
                raise NotAllowedError(_("You may not create permits in this project."))
            raise serializers.ValidationError(serializer.errors)
        values = dict(serializer.validated_data)
        values.pop("version", None)
        values["offline_id"] = change.offline_id
        permit = permit_create(organization=run.organization, data=values, user=run.user)
        return applied(permit, state=permit_state(permit))

    def _validated_update(self, permit, data, run) -> dict:
        from .api.serializers import PermitSerializer

        data = {k: v for k, v in data.items() if k not in NOT_SYNCED}
        serializer = PermitSerializer(permit, data=data, partial=True, context=_serializer_context(run))
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("version", None)
        return values

    def plan_update(self, permit, values: dict, *, client_version, force: bool):
        """``(write, fields, lost)``: what to write, the conflict fields (every sent field
        that differs, with its hint) and whether a client value lost without a merge."""
        stale = client_version is None or int(client_version) != permit.version
        write, fields, lost = {}, {}, False
        for name, value in values.items():
            server = getattr(permit, name)
            if name in SET_FIELDS:
                if not stale:
                    if list(value) != list(server or []):
                        write[name] = list(value)
                    continue
                union = set_union(server, value)
                if union != list(server or []):
                    write[name] = union
                if set(value) != set(server or []):
                    fields[name] = field_diff(list(value), list(server or []), SET_MERGE)
            elif name in CHECKLIST_FIELDS:
                if not stale:
                    if dict(value) != dict(server or {}):
                        write[name] = {**(server or {}), **{k: bool(v) for k, v in value.items()}}
                    continue
                merged, lost_keys = checklist_merge(server, value)
                if merged != dict(server or {}):
                    write[name] = merged
                if lost_keys or any(_done(value.get(k)) != _done((server or {}).get(k)) for k in value):
                    fields[name] = field_diff(dict(value), dict(server or {}), TRUE_WINS)
                lost = lost or bool(lost_keys)
            else:
                if _plain(value) == _plain(server):
                    continue
                if not stale or force:
                    write[name] = value
                else:
                    fields[name] = field_diff(_plain(value), _plain(server), LAST_WRITE_WINS)
                    lost = True
        return write, fields, lost

    def _update(self, change, run, *, force=None, keep_all=False):
        from .services.permits import permit_update

        permit = permit_lookup(change, run)
        _require(run.user, "permit", policy.CHANGE)
        values = self._validated_update(permit, change.data, run)
        client_version = permit.version if keep_all else change.client_version
        write, fields, lost = self.plan_update(permit, values, client_version=client_version,
                                               force=change.force if force is None else force)
        server_version = permit.version
        updated = permit
        if write:
            try:
                updated = permit_update(permit=permit, data=dict(write), user=run.user, expected_version=server_version)
            except BusinessRuleError as exc:
                sent = {name: field_diff(_plain(value), _plain(getattr(permit, name)), LAST_WRITE_WINS)
                        for name, value in values.items()}
                return Outcome(CONFLICT, server_id=str(permit.pk), reason=VALIDATION_ERROR,
                               client_version=change.client_version, server_version=permit.version, fields=sent,
                               server_state=permit_state(permit), detail=_refusal(exc), **_conflict_meta(permit))
            except ConflictError:
                updated = Permit.objects.get(pk=permit.pk)
                return Outcome(CONFLICT, server_id=str(permit.pk), reason=STALE_VERSION,
                               client_version=change.client_version, server_version=updated.version, fields=fields,
                               server_state=permit_state(updated), **_conflict_meta(updated))
        if lost:
            reason = MISSING_CLIENT_VERSION if change.client_version is None else STALE_VERSION
            return Outcome(CONFLICT, server_id=str(updated.pk), reason=reason, client_version=change.client_version,
                           server_version=updated.version, fields=fields, server_state=permit_state(updated),
                           detail={"merged": sorted(write)} if write else {}, **_conflict_meta(updated))
        return applied(updated, state=permit_state(updated))

    def _update_status(self, change, run):
        from .services.workflow import permit_update_status

        permit = permit_lookup(change, run)
        target = str(change.data.get("status") or "")
        if target not in PermitStatus.values:
            raise ValidationError({"status": [_("Unknown status “%(s)s”.") % {"s": target}]})
        if permit.status == target:
            return applied(permit, state=permit_state(permit))
        try:
            updated = permit_update_status(permit=permit, user=run.user, status=target,
                                           comment=str(change.data.get("comment") or ""))
        except (ValidationError, ConflictError, BusinessRuleError) as exc:
            return self._invalid_transition(change, permit, target, exc)
        return applied(updated, state=permit_state(updated))

    def _invalid_transition(self, change, permit, target, exc):
        permit = Permit.objects.get(pk=permit.pk)
        detail = {"server_status": permit.status}
        if isinstance(exc, ValidationError):
            detail["reasons"] = [{"code": "no_transition", "message": m} for m in exc.messages]
        else:
            detail["reasons"] = exc.errors.get("reasons") or [{"code": exc.code, "message": exc.message}]
        return Outcome(CONFLICT, server_id=str(permit.pk), reason=INVALID_TRANSITION,
                       client_version=change.client_version, server_version=permit.version,
                       fields={"status": field_diff(target, permit.status, SERVER_AUTHORITATIVE)},
                       server_state=permit_state(permit), detail=detail, **_conflict_meta(permit))

    def _approval(self, change, run):
        """Old payload ``approval``: the pending decision (verification or approval) of the permit."""
        from .services.workflow import workflow_decide

        permit = permit_lookup(change, run)
        decision = str(change.data.get("decision") or "approve")
        stage = change.data.get("stage") or {PermitStatus.PENDING_VERIFICATION: "verify",
                                             PermitStatus.PENDING_APPROVAL: "approve"}.get(permit.status)
        target = PermitStatus.PENDING_APPROVAL if stage == "verify" else PermitStatus.APPROVED
        if stage not in ("verify", "approve"):
            return self._invalid_transition(change, permit, target, BusinessRuleError(
                _("Nothing waits for a decision on this permit."), code="invalid_state"))
        try:
            updated = workflow_decide(permit=permit, user=run.user, stage=stage, decision=decision,
                                      comment=str(change.data.get("comment") or ""))
        except (ConflictError, BusinessRuleError) as exc:
            return self._invalid_transition(change, permit, target, exc)
        return applied(updated, state=permit_state(updated))

    def _sign(self, change, run):
        """Old payload ``signature``: ``permit_sign`` (re-asks the password)."""
        from .services.signatures import permit_sign

        permit = permit_lookup(change, run)
        data = change.data
        if not data.get("meaning") or not data.get("password"):
            raise ValidationError({"meaning": [_("Required with the password.")]})
        signature = permit_sign(permit=permit, user=run.user, meaning=str(data["meaning"]), password=str(data["password"]),
                                signature_data=str(data.get("signature_data") or ""))
        permit.refresh_from_db()
        return applied(signature, state={**permit_state(permit), "signature": str(signature.pk)})

    def resolve(self, *, conflict, resolution, user):
        change = core_sync.parse_change(conflict.change)[0]
        run = core_sync.SyncRun(user=user, organization=conflict.organization, device_id=conflict.device_id)
        if conflict.op == "update_status":
            outcome = self._update_status(change, run)
        elif conflict.op == "update":
            if resolution == "merge":
                outcome = self._merge_only(change, run)
            else:
                outcome = self._update(change, run, force=True, keep_all=True)
        else:
            outcome = self.apply(change, run)
        if outcome.kind != APPLIED:
            raise BusinessRuleError(_("The change still cannot be applied: %(r)s.") % {"r": outcome.reason},
                                    code=outcome.reason, errors={"conflict": core_sync._json_safe(outcome.entry(change))})
        return outcome

    def _merge_only(self, change, run):
        """"Merge": only the set and checklist fields, with their merge rules; scalars keep the server's."""
        mergeable = {k: v for k, v in change.data.items() if k in SET_FIELDS | CHECKLIST_FIELDS}
        change = core_sync.Change(entity=change.entity, op=change.op, offline_id=change.offline_id, data=mergeable,
                                  server_id=change.server_id, client_version=change.client_version, extra=change.extra)
        outcome = self._update(change, run)
        if outcome.kind == CONFLICT and outcome.reason in (STALE_VERSION, MISSING_CLIENT_VERSION):
            permit = Permit.objects.get(pk=outcome.server_id)  # True wins: the merged state is the answer
            return applied(permit, state=permit_state(permit))
        return outcome

    def current_state(self, conflict):
        permit = Permit.objects.filter(pk=conflict.server_id).first() if conflict.server_id else None
        return permit_state(permit) if permit is not None else conflict.server_state


# --- isolation points -------------------------------------------------------------------------
class IsolationPointAdapter(SyncAdapter):
    entity = "isolation_point"
    ops = ("create", "update")

    def apply(self, change, run):
        return self._create(change, run) if change.op == "create" else self._update(change, run)

    def _create(self, change, run):
        from .services.isolation import isolation_assign

        permit = permit_lookup(change, run)
        data = change.data
        library_point = None
        if data.get("library_point_id"):
            library_point = _scoped_get(IsolationPointLibrary, data["library_point_id"])
        point = isolation_assign(permit=permit, user=run.user, library_point=library_point,
                                 custom_point_name=str(data.get("custom_point_name") or ""),
                                 custom_point_details=str(data.get("custom_point_details") or ""),
                                 required=bool(data.get("required", True)), order=int(data.get("order") or 0))
        return applied(point, state=point_state(point))

    def _update(self, change, run, *, force=False):
        from .services.isolation import isolation_update
        from .services.loto import isolation_steps_update
        from .services.offline_sync import isolation_lock_ids_merge

        point = _scoped_get(PermitIsolationPoint, change.server_id or change.data.get("id"))
        permit = point.permit
        data = change.data
        target = data.get("status")
        lock_ids = [str(i).strip() for i in (data.get("lock_ids") or []) if str(i).strip()]
        if target is not None and target not in ISOLATION_RANK:
            raise ValidationError({"status": [_("Use isolated, verified or deisolated.")]})
        source = data.get("from_status")
        if target is not None and (target == IsolationStatus.ASSIGNED or (
                source in ISOLATION_RANK and ISOLATION_RANK[target] < ISOLATION_RANK[source])):
            raise ValidationError({"status": [_("An isolation point never goes back (assigned → isolated → verified → "
                                                "de-isolated).")]})
        meta = {"project": permit.project, "reference": permit.permit_number, "title": str(point)}
        if point.status == IsolationStatus.CANCELLED and target is not None:
            return Outcome(CONFLICT, server_id=str(point.pk), reason=INVALID_TRANSITION, client_version=change.client_version,
                           server_version=point.version, server_state=point_state(point),
                           fields={"status": field_diff(target, point.status, SERVER_AUTHORITATIVE)},
                           detail={"server_status": point.status}, **meta)
        stale = change.client_version is None or change.client_version != point.version
        steps = data.get("isolation_steps")
        if steps is not None and str(steps).strip() != point.isolation_steps:
            if stale and not force:
                return Outcome(CONFLICT, server_id=str(point.pk),
                               reason=MISSING_CLIENT_VERSION if change.client_version is None else STALE_VERSION,
                               client_version=change.client_version, server_version=point.version,
                               server_state=point_state(point),
                               fields={"isolation_steps": field_diff(steps, point.isolation_steps, LAST_WRITE_WINS)}, **meta)
            point = isolation_steps_update(permit=permit, point=point, steps=str(steps), user=run.user)
        if target is not None:
            while ISOLATION_RANK[point.status] < ISOLATION_RANK[target]:
                action = ISOLATION_STEPS[{0: IsolationStatus.ISOLATED, 1: IsolationStatus.VERIFIED,
                                          2: IsolationStatus.DEISOLATED}[ISOLATION_RANK[point.status]]]
                kwargs = {}
                if action == "isolate":
                    kwargs = {"lock_ids": lock_ids, "lock_count": data.get("lock_count") or (len(lock_ids) or None)}
                elif action == "verify":
                    kwargs = {"verification_notes": str(data.get("verification_notes") or "")}
                else:
                    kwargs = {"deisolated_notes": str(data.get("deisolated_notes") or "")}
                try:
                    point = isolation_update(permit=permit, point=point, user=run.user, action=action, **kwargs)
                except (BusinessRuleError, ConflictError) as exc:
                    point = PermitIsolationPoint.objects.get(pk=point.pk)
                    return Outcome(CONFLICT, server_id=str(point.pk), reason=INVALID_TRANSITION,
                                   client_version=change.client_version, server_version=point.version,
                                   server_state=point_state(point),
                                   fields={"status": field_diff(target, point.status, SERVER_AUTHORITATIVE)},
                                   detail={"server_status": point.status, **_refusal(exc)}, **meta)
        if lock_ids and point.status in (IsolationStatus.ISOLATED, IsolationStatus.VERIFIED):
            merged = set_union(point.lock_ids, lock_ids)
            if merged != list(point.lock_ids or []):
                point = isolation_lock_ids_merge(point=point, lock_ids=merged, user=run.user)
        return applied(point, state=point_state(point))

    def resolve(self, *, conflict, resolution, user):
        change = core_sync.parse_change(conflict.change)[0]
        run = core_sync.SyncRun(user=user, organization=conflict.organization, device_id=conflict.device_id)
        outcome = self._update(change, run, force=resolution == "keep_client")
        if outcome.kind != APPLIED:
            raise BusinessRuleError(_("The change still cannot be applied: %(r)s.") % {"r": outcome.reason},
                                    code=outcome.reason, errors={"conflict": core_sync._json_safe(outcome.entry(change))})
        return outcome


# --- closeout -------------------------------------------------------------------------------
class CloseoutAdapter(SyncAdapter):
    entity = "closeout"
    ops = ("update",)

    def apply(self, change, run, *, force=False):
        from .services.closeout import closeout_complete, closeout_get_or_create, closeout_update

        permit = permit_lookup(change, run) if not change.server_id else None
        if permit is None:
            from .models import PermitCloseout

            permit = _scoped_get(PermitCloseout, change.server_id).permit
        _require(run.user, "permit", policy.CHANGE)
        data = change.data
        checklist = data.get("checklist") or {}
        if not isinstance(checklist, dict):
            raise ValidationError({"checklist": [_("Must be an object of item keys.")]})
        closeout = closeout_get_or_create(permit=permit, user=run.user)
        meta = _conflict_meta(permit)
        if closeout is None:
            raise BusinessRuleError(_("No closeout checklist applies to this permit."), code="closeout_not_applicable")
        stale = change.client_version is None or change.client_version != closeout.version
        server = {key: closeout.is_done(key) for key in (closeout.checklist or {})}
        fields, lost = {}, False
        if stale and not force:
            merged, lost_keys = checklist_merge(server, checklist)
            write = {key: True for key, done in merged.items() if done and not server.get(key)}
            if lost_keys:
                fields["checklist"] = field_diff({k: _done(v) for k, v in checklist.items()}, server, TRUE_WINS)
                lost = True
        else:
            write = {key: _done(value) for key, value in checklist.items() if _done(value) != server.get(key, False)}
        remarks = data.get("remarks")
        if remarks is not None and str(remarks) == closeout.remarks:
            remarks = None
        if remarks is not None and stale and not force:
            fields["remarks"] = field_diff(str(remarks), closeout.remarks, LAST_WRITE_WINS)
            remarks, lost = None, True
        try:
            if write or remarks is not None:
                closeout = closeout_update(permit=permit, user=run.user, checklist=write or None, remarks=remarks)
            if data.get("complete") and not closeout.completed:
                closeout = closeout_complete(permit=permit, user=run.user)
        except BusinessRuleError as exc:
            closeout.refresh_from_db()
            fields.setdefault("completed", field_diff(bool(data.get("complete")), closeout.completed, SERVER_AUTHORITATIVE))
            return Outcome(CONFLICT, server_id=str(closeout.pk), reason=VALIDATION_ERROR,
                           client_version=change.client_version, server_version=closeout.version,
                           server_state=closeout_state(closeout), fields=fields, detail=_refusal(exc), **meta)
        if lost:
            return Outcome(CONFLICT, server_id=str(closeout.pk),
                           reason=MISSING_CLIENT_VERSION if change.client_version is None else STALE_VERSION,
                           client_version=change.client_version, server_version=closeout.version,
                           server_state=closeout_state(closeout), fields=fields, **meta)
        return applied(closeout, state=closeout_state(closeout))

    def resolve(self, *, conflict, resolution, user):
        change = core_sync.parse_change(conflict.change)[0]
        run = core_sync.SyncRun(user=user, organization=conflict.organization, device_id=conflict.device_id)
        if resolution == "merge":
            change.data = {k: v for k, v in change.data.items() if k == "checklist"}
        outcome = self.apply(change, run, force=resolution == "keep_client")
        if outcome.kind != APPLIED and not (resolution == "merge" and outcome.reason in (STALE_VERSION, MISSING_CLIENT_VERSION)):
            raise BusinessRuleError(_("The change still cannot be applied: %(r)s.") % {"r": outcome.reason},
                                    code=outcome.reason, errors={"conflict": core_sync._json_safe(outcome.entry(change))})
        return outcome


# --- append-only: gas readings and photos ----------------------------------------------------
class GasReadingInput(serializers.Serializer):
    gas = serializers.ChoiceField(choices=Gas.choices)
    value = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True)
    tested_at = serializers.DateTimeField()
    instrument = serializers.CharField(max_length=100, required=False, allow_blank=True)


class GasReadingAdapter(SyncAdapter):
    entity = "gas_reading"
    ops = ("append", "create")

    def apply(self, change, run):
        from .services.gas import gas_reading_submit

        permit = permit_lookup(change, run)
        _require(run.user, "permitchild", policy.ADD)
        payload = GasReadingInput(data=change.data)
        payload.is_valid(raise_exception=True)
        data = {**payload.validated_data, "offline_id": change.offline_id, "device_id": run.device_id}
        reading = gas_reading_submit(permit=permit, data=data, user=run.user).record
        return applied(reading, state={"id": str(reading.pk), "version": reading.version, "permit": str(permit.pk),
                                       "gas": reading.gas, "value": str(reading.value), "unit": reading.unit,
                                       "safe": reading.safe, "tested_at": reading.tested_at.isoformat()})


class PhotoInput(serializers.Serializer):
    content_base64 = serializers.CharField(required=False, allow_blank=False)
    file = serializers.CharField(required=False, allow_blank=False, help_text="data: URI or base64")
    filename = serializers.CharField(max_length=100, required=False, default="photo.jpg")
    caption = serializers.CharField(max_length=255, required=False, allow_blank=True)
    photo_type = serializers.ChoiceField(choices=PhotoType.choices, required=False)
    taken_at = serializers.DateTimeField(required=False)


def _decode(raw: str) -> bytes:
    if raw.startswith("data:") and "," in raw:
        raw = raw.split(",", 1)[1]
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"content_base64": [_("Not valid base64.")]}) from None


class PermitPhotoAdapter(SyncAdapter):
    entity = "permit_photo"
    ops = ("append", "create")

    def apply(self, change, run):
        from .services.photos import permit_photo_submit

        permit = permit_lookup(change, run)
        _require(run.user, "permitchild", policy.ADD)
        payload = PhotoInput(data=change.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        raw = values.pop("content_base64", None) or values.pop("file", None)
        values.pop("file", None)
        if not raw:
            raise ValidationError({"content_base64": [_("Attach the photo (base64).")]})
        name = str(values.pop("filename", "photo.jpg")).replace("/", "_")[:100]
        data = {**values, "file": ContentFile(_decode(raw), name=name), "offline_id": change.offline_id,
                "device_id": run.device_id}
        photo = permit_photo_submit(permit=permit, data=data, user=run.user).record
        return applied(photo, state={"id": str(photo.pk), "version": photo.version, "permit": str(permit.pk),
                                     "content_hash": photo.content_hash, "caption": photo.caption})


#: Registered through the manifest (``sync_adapters``).
PERMIT, ISOLATION_POINT, CLOSEOUT = PermitAdapter(), IsolationPointAdapter(), CloseoutAdapter()
GAS_READING, PERMIT_PHOTO = GasReadingAdapter(), PermitPhotoAdapter()

__all__ = ["CLOSEOUT", "GAS_READING", "ISOLATION_POINT", "PERMIT", "PERMIT_PHOTO", "checklist_merge", "permit_state",
           "set_union"]
