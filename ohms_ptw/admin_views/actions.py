"""Small POST views behind the forms of the permit screen.

Each one: finds the permit in the acting organization and the user's projects (404
otherwise), checks the role table, calls the service, turns the service's answer into a
Wagtail message and goes back to the permit screen on the right tab. No rule is decided
here: the services and gates decide and explain.
"""
from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ohms_core import permissions as core_permissions
from ohms_core.context import get_context
from ohms_core.exceptions import BusinessRuleError, ConflictError, NotAllowedError, OhmsError

from .. import selectors
from ..models import IsolationPointLibrary, PermitIsolationPoint
from ..services import closeout as closeout_services
from ..services import crew as crew_services
from ..services import extensions as extension_services
from ..services import gas as gas_services
from ..services import isolation as isolation_services
from ..services import permits as permit_services
from ..services import photos as photo_services
from ..services import signatures as signature_services
from ..services import workflow as workflow_services
from ..states import ExtensionStatus, PermitStatus
from . import forms as ptw_forms


def permit_url(permit, tab: str = "") -> str:
    url = reverse("ptw_permit:inspect", args=[permit.pk])
    return f"{url}#tab-{tab}" if tab else url


def error_text(exc) -> str:
    """One readable line from a service error: the message and every reason it carries."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(str(m) for messages_ in exc.message_dict.values() for m in messages_)
        return " ".join(str(m) for m in exc.messages)
    if isinstance(exc, BusinessRuleError):
        reasons = [str(r["message"]) for r in exc.errors.get("reasons", []) if isinstance(r, dict)]
        if not reasons:
            reasons = [str(m) for key, msgs in exc.errors.items() if isinstance(msgs, (list, tuple)) for m in msgs]
        return " ".join([exc.message, *[r for r in reasons if r != exc.message]])
    return str(getattr(exc, "message", exc))


def form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


def scoped_permit(pk):
    """The permit if it is in the acting organization and the user's projects, else 404."""
    organization = get_context().organization
    if organization is None:
        raise Http404
    permit = selectors.permit_queryset(organization=organization).filter(pk=pk).first()
    if permit is None:
        raise Http404
    return permit


def permit_action(*, resource: str = "permit", action: str = "view", tab: str = ""):
    """Wrap a ``fn(request, permit, **kwargs) -> str | (level, text, tab)`` as a POST view."""

    def decorator(fn):
        @require_POST
        @functools.wraps(fn)
        def view(request, pk, **kwargs):
            permit = scoped_permit(pk)
            ctx = get_context()
            decision = core_permissions.check(user=request.user, role=ctx.role, resource=resource, action=action)
            if not decision:
                messages.error(request, decision.reason)
                return redirect(permit_url(permit, tab))
            target_tab = tab
            try:
                result = fn(request, permit, **kwargs)
            except (BusinessRuleError, NotAllowedError, ConflictError, ValidationError, OhmsError) as exc:
                messages.error(request, error_text(exc))
            except FormInvalid as exc:
                messages.error(request, exc.text)
            else:
                level, text = messages.SUCCESS, result
                if isinstance(result, tuple):
                    level, text, target_tab = result
                if text:
                    messages.add_message(request, level, text)
            return redirect(permit_url(permit, target_tab))

        return view

    return decorator


class FormInvalid(Exception):
    def __init__(self, form):
        self.text = form_errors(form) or _("Check the form.")
        super().__init__(self.text)


def valid(form):
    if not form.is_valid():
        raise FormInvalid(form)
    return form.cleaned_data


# --- workflow -------------------------------------------------------------------------
@permit_action(action="change", tab="overview")
def initiate_workflow(request, permit):
    data = valid(ptw_forms.InitiateWorkflowForm(request.POST, prefix="initiate", permit=permit))
    workflow_services.workflow_initiate(permit=permit, user=request.user, verifier=data.get("verifier"),
                                      approver=data.get("approver"), comment=data.get("comment", ""))
    return _("Sent for verification.")


@permit_action(action="change", tab="overview")
def extend(request, permit):
    data = valid(ptw_forms.ExtendForm(request.POST, prefix="extend"))
    extension = extension_services.permit_extend(permit=permit, user=request.user,
                                                 new_end_time=data["new_end_time"], reason=data["reason"])
    if extension.status == ExtensionStatus.APPROVED:
        return _("Extension granted.")
    return _("Extension requested: the approver decides.")


@permit_action(action="view", tab="signatures")
def sign(request, permit):
    data = valid(ptw_forms.SignForm(request.POST, prefix="sign"))
    signature = signature_services.permit_sign(permit=permit, user=request.user, meaning=data["meaning"],
                                               password=data["password"])
    return _("Signed as %(meaning)s.") % {"meaning": signature.get_meaning_display()}


# --- children -------------------------------------------------------------------------
@permit_action(resource="permitchild", action="add", tab="gas")
def gas_reading_add(request, permit):
    data = valid(ptw_forms.GasReadingForm(request.POST, prefix="gas"))
    reading = gas_services.gas_reading_record(permit=permit, user=request.user, data={
        "gas": data["gas"], "value": data["value"], "unit": data.get("unit") or "", "tested_at": data["tested_at"],
        "instrument": data.get("instrument") or ""})
    if reading.safe:
        return _("Reading recorded: %(gas)s %(value)s %(unit)s (safe).") % {"gas": reading.gas, "value": reading.value, "unit": reading.unit}
    text = _("UNSAFE reading recorded: %(gas)s %(value)s %(unit)s.") % {"gas": reading.gas, "value": reading.value, "unit": reading.unit}
    permit.refresh_from_db()
    if permit.status == PermitStatus.SUSPENDED:
        text = " ".join([text, _("The permit was suspended.")])
    return messages.WARNING, text, "gas"


@permit_action(resource="permitchild", action="add", tab="photos")
def photo_add(request, permit):
    data = valid(ptw_forms.PhotoForm(request.POST, request.FILES, prefix="photo"))
    photo_services.permit_photo_add(permit=permit, data=data, user=request.user)
    return _("Photo added.")


@permit_action(resource="permitchild", action="add", tab="hazards")
def hazard_add(request, permit):
    data = valid(ptw_forms.HazardForm(request.POST, prefix="hazard"))
    permit_services.permit_hazard_add(permit=permit, data=data, user=request.user)
    return _("Hazard added.")


@permit_action(resource="permitchild", action="add", tab="workers")
def worker_add(request, permit):
    data = valid(ptw_forms.WorkerAddForm(request.POST, prefix="worker"))
    crew_services.permit_worker_add(permit=permit, worker=data["worker"], user=request.user, crew_role=data.get("role", ""),
                                      briefed=data.get("briefed", False))
    return _("Worker added to the crew.")


# --- isolation ------------------------------------------------------------------------
@permit_action(action="change", tab="isolation")
def isolation_assign_view(request, permit):
    if "assign-library_point" in request.POST:
        # Any point of the organization: the service says why one cannot go on this permit.
        points = IsolationPointLibrary.objects.for_organization(permit.organization_id)
        data = valid(ptw_forms.AssignLibraryPointForm(request.POST, prefix="assign", points=points))
        point = isolation_services.isolation_assign(permit=permit, user=request.user,
                                                    library_point=data["library_point"], required=data["required"])
    else:
        data = valid(ptw_forms.CustomPointForm(request.POST, prefix="custom"))
        point = isolation_services.isolation_assign(permit=permit, user=request.user,
                                                    custom_point_name=data["custom_point_name"],
                                                    custom_point_details=data.get("custom_point_details", ""),
                                                    required=data["required"])
    return _("Isolation point %(point)s assigned.") % {"point": point}


ISOLATION_FORMS = {"isolate": ptw_forms.IsolateForm, "verify": ptw_forms.VerifyPointForm,
                   "deisolate": ptw_forms.DeisolatePointForm}
ISOLATION_DONE = {"isolate": _("Point %(point)s isolated."), "verify": _("Point %(point)s verified."),
                  "deisolate": _("Point %(point)s de-isolated.")}


@permit_action(action="view", tab="isolation")
def isolation_update_view(request, permit, point_pk, action):
    if action not in ISOLATION_FORMS:
        raise Http404
    point = PermitIsolationPoint.objects.filter(pk=point_pk, permit=permit).select_related("point").first()
    if point is None:
        raise Http404
    data = valid(ISOLATION_FORMS[action](request.POST))
    kwargs = {}
    if action == "isolate":
        kwargs = {"lock_applied": data["lock_applied"], "lock_count": data.get("lock_count"), "lock_ids": data["lock_ids"]}
    elif action == "verify":
        kwargs = {"verification_notes": data.get("verification_notes", "")}
    else:
        kwargs = {"deisolated_notes": data.get("deisolated_notes", "")}
    version = request.POST.get("version")
    point = isolation_services.isolation_update(permit=permit, point=point, user=request.user,
                                                action=action, expected_version=int(version) if version and version.isdigit() else None,
                                                **kwargs)
    return str(ISOLATION_DONE[action]) % {"point": point}


# --- closeout -------------------------------------------------------------------------
@permit_action(action="change", tab="closeout")
def closeout_save(request, permit):
    state = closeout_services.closeout_state(permit)
    template = state["template"]
    if template is None:
        raise BusinessRuleError(_("No closeout checklist applies to this permit."))
    completing = request.POST.get("closeout_action") == "complete"
    already_completed = state["closeout"] is not None and state["closeout"].completed
    if not (already_completed and completing):  # a save on a completed closeout: the service refuses
        checklist = {item["key"]: f"item-{item['key']}" in request.POST for item in template.items}
        closeout_services.closeout_update(permit=permit, user=request.user, checklist=checklist,
                                          remarks=request.POST.get("remarks", ""))
    if not completing:
        return _("Closeout progress saved.")
    try:
        closeout_services.closeout_complete(permit=permit, user=request.user)
    except BusinessRuleError as exc:
        return messages.ERROR, " ".join([_("Progress saved, but the closeout cannot be completed yet."), error_text(exc)]), "closeout"
    return _("Closeout completed.")
