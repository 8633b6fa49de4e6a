"""PTW reads: project-scoped querysets and readiness (no N+1, few queries)."""
from __future__ import annotations

from django.db.models import Prefetch

from ohms_core import scoping, workflows
from ohms_core.context import get_context

from . import gates
from .models import (
    CloseoutChecklistTemplate,
    GasReading,
    Permit,
    PermitCloseout,
    PermitIsolationPoint,
)
from .states import PermitStatus


def allowed_project_ids(ctx=None):
    """None means every project of the organization (kept for callers; lives in core)."""
    return scoping.allowed_project_ids(ctx)


def scope_to_projects(queryset, field: str = "project", ctx=None):
    """The project part of the core scope (``ohms_core.scoping.to_projects``), for querysets
    reached through a relation other than the model's declared one."""
    return scoping.to_projects(queryset, field, org_wide_allowed=False, ctx=ctx)


def permit_queryset(*, organization, ctx=None):
    queryset = Permit.objects.select_related(
        "permit_type", "project", "risk_matrix", "issuer", "receiver", "verifier", "approver", "area_incharge", "created_by")
    return scoping.scope_queryset(queryset, ctx or get_context(), organization=organization)


def permit_with_checks(permit_id, *, organization, ctx=None):
    """A permit with everything the gates read, prefetched (readiness in a few queries)."""
    return (permit_queryset(organization=organization, ctx=ctx)
            .prefetch_related(Prefetch("gas_readings", queryset=GasReading.objects.order_by("-tested_at")),
                              Prefetch("isolation_points", queryset=PermitIsolationPoint.objects.select_related("point")))
            .filter(pk=permit_id).first())


STAGES = (("verify", "verify"), ("approve", "approve"), ("activate", "activate"), ("complete", "complete"))


def permit_readiness(permit, user) -> dict:
    """SPEC 2.12: simulate each transition with the same gates the state machine uses."""
    options = {o["name"]: o for o in workflows.transition_options(permit, user)}
    readiness, missing = {}, {}
    for key, transition in STAGES:
        option = options.get(transition)
        if option is None:
            readiness[f"can_{key}"] = False
            missing[key] = [f"invalid_transition_from_{permit.status}"]
            continue
        codes = [r["code"] for r in option["reasons"]]
        readiness[f"can_{key}"] = not codes
        missing[key] = codes
    permit_type = permit.permit_type
    latest = gates.latest_gas_readings(permit)
    gas_reasons = list(gates.gas_gate(permit))
    closeout = closeout_state(permit)
    summary = gates.isolation_summary(permit)
    conflicts, truncated = gates.simops_summary(permit)
    return {
        "permit_id": str(permit.pk),
        "permit_number": permit.permit_number,
        "status": permit.status,
        "requires": {"gas_testing": permit_type.requires_gas_testing,
                     "structured_isolation": permit_type.requires_structured_isolation,
                     "closeout": closeout["template_exists"]},
        "readiness": readiness,
        "missing": missing,
        "details": {
            "gas": {"required": permit_type.requires_gas_testing, "safe": not gas_reasons,
                    "latest": {gas: {"value": str(r.value), "unit": r.unit, "safe": r.safe, "tested_at": r.tested_at.isoformat()}
                               for gas, r in latest.items()}},
            "isolation": {"required_points": summary["required"], "verified_required": summary["verified_required"],
                          "pending_required": summary["pending_required"], "deisolated_required": summary["deisolated_required"]},
            "ppe": {"required_items": list(permit_type.mandatory_ppe or []), "missing_items": gates.missing_ppe(permit)},
            "checklist": {"required": [i["label"] for i in permit_type.safety_checklist_items or []],
                          "missing": gates.missing_checklist(permit)},
            "closeout": {"template_exists": closeout["template_exists"], "is_complete": closeout["is_complete"],
                         "missing_items": closeout["missing_items"]},
            # at most gates.SIMOPS_LIMIT of each kind; "truncated": there are more
            "simops": {"conflicts": conflicts, "truncated": truncated},
        },
    }


# --- closeout (read-only: what the closeout gate, readiness and the closeout service read) ---
def pick_closeout_template(templates, permit) -> CloseoutChecklistTemplate | None:
    """Among ``templates`` (active, oldest first): first the type + the permit's risk level,
    then the type alone (SPEC 2.6). No query, so a batch read (the task console) picks the
    same template as ``closeout_template_for``."""
    mine = [t for t in templates if t.permit_type_id == permit.permit_type_id]
    return (next((t for t in mine if t.risk_level == permit.risk_level), None)
            or next((t for t in mine if t.risk_level == ""), None))


def closeout_template_for(permit) -> CloseoutChecklistTemplate | None:
    """First the type + the permit's risk level, then the type alone (SPEC 2.6)."""
    templates = CloseoutChecklistTemplate.objects.filter(
        organization_id=permit.organization_id, permit_type_id=permit.permit_type_id, is_active=True
    ).order_by("created_at")
    return pick_closeout_template(list(templates), permit)


#: Attribute where a batch read leaves a permit's closeout state (``closeouts_preload``).
CLOSEOUT_STATE_CACHE = "_ptw_closeout_state"


def closeouts_preload(permits) -> None:
    """The closeout state of many permits in two queries (the task console's quick views):
    ``closeout_state`` then answers from the permit without a query."""
    permits = list(permits)
    if not permits:
        return
    closeouts = {c.permit_id: c for c in PermitCloseout.objects.filter(permit__in=[p.pk for p in permits])
                 .select_related("template")}
    templates = list(CloseoutChecklistTemplate.objects.filter(
        organization_id__in={p.organization_id for p in permits}, is_active=True,
        permit_type_id__in={p.permit_type_id for p in permits}).order_by("created_at"))
    for permit in permits:
        closeout = closeouts.get(permit.pk)
        template = closeout.template if closeout else pick_closeout_template(
            [t for t in templates if t.organization_id == permit.organization_id], permit)
        permit.__dict__[CLOSEOUT_STATE_CACHE] = _closeout_state_of(closeout, template)


def closeout_state(permit) -> dict:
    """Read-only: what the closeout gate and readiness need."""
    if CLOSEOUT_STATE_CACHE in permit.__dict__:  # batch-loaded by closeouts_preload
        return permit.__dict__[CLOSEOUT_STATE_CACHE]
    closeout = PermitCloseout.objects.filter(permit=permit).select_related("template").first()
    template = closeout.template if closeout else closeout_template_for(permit)
    return _closeout_state_of(closeout, template)


def _closeout_state_of(closeout, template) -> dict:
    if template is None:
        return {"template_exists": False, "is_complete": True, "missing_items": [], "closeout": None, "template": None}
    if closeout is None:
        missing = [i["label"] for i in template.items if i.get("required", True)]
        return {"template_exists": True, "is_complete": False, "missing_items": missing, "closeout": None, "template": template}
    return {"template_exists": True, "is_complete": closeout.is_complete(), "missing_items": closeout.get_missing_required_items(),
            "closeout": closeout, "template": template}



__all__ = ["closeout_state", "closeout_template_for", "permit_queryset", "permit_with_checks", "permit_readiness", "scope_to_projects", "PermitStatus"]
