"""A worker's medical file: identity and employment, the fitness answer with its reason, the
medical profile form, the timeline of examinations, exposures and the other health records,
and the risk profile with its trend. Medical officers and org admins only; every opening is
audited (through ``medical_profile_read``)."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ohms_core.context import get_context
from ohms_core.exceptions import NotAllowedError
from ohms_core.models import Worker

from . import charts
from .models import MedicalProfile
from .services import (
    MEDICAL_FIELDS,
    MEDICAL_READERS,
    medical_profile_read,
    medical_profile_save,
    worker_fitness,
)
from .services.medical_file import medical_timeline, risk_profile_of, risk_trend_points


class MedicalProfileForm(forms.ModelForm):
    class Meta:
        model = MedicalProfile
        fields = MEDICAL_FIELDS
        widgets = {"fitness_valid_until": forms.DateInput(attrs={"type": "date"})}


def medical_profile(request, worker_pk):
    ctx = get_context()
    if ctx.role not in MEDICAL_READERS:  # before the lookup: nothing about the worker leaks
        raise PermissionDenied
    worker = get_object_or_404(Worker.objects.for_organization(ctx.organization).select_related("contact", "enterprise"),
                               pk=worker_pk)
    try:
        profile = medical_profile_read(worker=worker, user=request.user, role=ctx.role)
    except NotAllowedError as exc:
        raise PermissionDenied from exc
    form = MedicalProfileForm(request.POST or None, instance=profile or MedicalProfile(worker=worker))
    if request.method == "POST" and form.is_valid():
        try:
            medical_profile_save(worker=worker, user=request.user, role=ctx.role,
                                 data={name: form.cleaned_data[name] for name in MEDICAL_FIELDS})
        except DjangoValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Medical profile saved."))
            return redirect("ohms_health_medical_profile", worker_pk=worker.pk)
    risk_profile = risk_profile_of(worker)
    return TemplateResponse(request, "ohms_health/medical_file.html", {
        "worker": worker, "form": form, "fitness": worker_fitness(worker), "timeline": medical_timeline(worker),
        "risk_profile": risk_profile,
        "risk_gauge": charts.risk_gauge(risk_profile.overall_risk_score, risk_profile.risk_level) if risk_profile else None,
        "risk_trend": charts.risk_trend(risk_trend_points(risk_profile)),
    })
