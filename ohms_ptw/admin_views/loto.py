"""The permit screen's LOTO evidence and procedures (isolation tab): forms, context, POST views.

Rules are the services' (``services/loto.py``); the photos are shown through the
access-checked ``lotolog-download`` route (the same check as the API), never ``/media/``.
"""
from __future__ import annotations

from django import forms
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import LotoLog, LotoProcedure, PermitIsolationPoint
from ..services import loto as loto_services
from .actions import permit_action, valid


class LotoPhotoForm(forms.Form):
    # A plain file field: the image check is the service's (one rule for the API and the admin).
    photo = forms.FileField(label=_("Lock photo"))


class ApplyProcedureForm(forms.Form):
    loto_procedure = forms.ModelChoiceField(label=_("LOTO procedure"), queryset=LotoProcedure.objects.none(),
                                            help_text=_("Its points and steps are copied onto this permit; edit them after."))

    def __init__(self, *args, procedures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if procedures is not None:
            self.fields["loto_procedure"].queryset = procedures


class IsolationStepsForm(forms.Form):
    isolation_steps = forms.CharField(label=_("Isolation steps"), required=False, max_length=20000,
                                      widget=forms.Textarea(attrs={"rows": 4}))


def procedures_for(permit):
    """Active procedures of the permit's organization, for its project or global."""
    return (LotoProcedure.objects.for_organization(permit.organization_id).filter(is_active=True)
            .filter(Q(project__isnull=True) | Q(project=permit.project_id)).order_by("asset_tag"))


def loto_screen_context(permit) -> dict:
    """The LOTO log (with photos) and the procedure form, in a fixed number of queries."""
    return {
        "logs": list(LotoLog.objects.filter(permit=permit).select_related("user", "isolation_point__point")
                     .order_by("-timestamp")),
        "apply_form": ApplyProcedureForm(prefix="loto", procedures=procedures_for(permit)),
        "photo_form": LotoPhotoForm(prefix="lotophoto"),
    }


@permit_action(action="view", tab="isolation")
def loto_photo_add(request, permit, log_pk):
    log = LotoLog.objects.filter(pk=log_pk, permit=permit).first()
    if log is None:
        raise Http404
    data = valid(LotoPhotoForm(request.POST, request.FILES, prefix="lotophoto"))
    result = loto_services.loto_log_photo_attach(log=log, upload=data["photo"], user=request.user)
    return gettext("LOTO photo added.") if result.created else gettext("This photo was already attached.")


@permit_action(action="change", tab="isolation")
def loto_procedure_apply_view(request, permit):
    data = valid(ApplyProcedureForm(request.POST, prefix="loto", procedures=procedures_for(permit)))
    points = loto_services.loto_procedure_apply(permit=permit, procedure=data["loto_procedure"], user=request.user)
    return gettext("LOTO procedure %(procedure)s applied: %(n)s point(s) added.") % {"procedure": data["loto_procedure"], "n": len(points)}


@permit_action(action="change", tab="isolation")
def isolation_steps_view(request, permit, point_pk):
    point = PermitIsolationPoint.objects.filter(pk=point_pk, permit=permit).first()
    if point is None:
        raise Http404
    data = valid(IsolationStepsForm(request.POST))
    version = request.POST.get("version")
    loto_services.isolation_steps_update(permit=permit, point=point, steps=data.get("isolation_steps", ""), user=request.user,
                                         expected_version=int(version) if version and version.isdigit() else None)
    return gettext("Isolation steps of %(point)s saved.") % {"point": point}
