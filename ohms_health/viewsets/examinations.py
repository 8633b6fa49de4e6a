"""Admin screens for examinations and exposures.

Examinations are medical content: the viewset's policy lets only medical officers and org
admins in (``permissions.RESOURCES``), writes go through the role-checked medical record
services, and every screen that shows examination content (list, inspect, edit) writes one
audit row per worker shown. Audiometry and spirometry are typed as structured values (one
box per frequency and ear; FEV1, FVC, their predicted values, FEV1/FVC) and drawn as small
server-rendered charts on the examination screen.
"""
from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import DateColumn

from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    form_data,
)
from ohms_core.context import get_context
from ohms_core.exceptions import NotAllowedError
from ohms_core.models import Enterprise

from .. import charts, services
from ..models import ExamType, Exposure, FitnessOutcome, MedicalExamination
from ..models.examination import AUDIOMETRY_FREQUENCIES, EARS, PREDICTED_KEYS, SPIROMETRY_KEYS
from .columns import WorkerFileColumn


def _threshold_field(ear, frequency):
    return f"hl_{ear}_{frequency}"


class ExaminationForm(ScopedAdminForm):
    """The model's ``results`` JSON typed as boxes; ``clean`` assembles it and the model's
    validator checks it, so the API and this form accept exactly the same values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        results = self.instance.results or {}
        for ear in EARS:
            for frequency in AUDIOMETRY_FREQUENCIES:
                name = _threshold_field(ear, frequency)
                if name in self.fields:
                    self.fields[name].initial = ((results.get("hearing_thresholds") or {}).get(ear) or {}).get(frequency)
        for key in (*SPIROMETRY_KEYS, *PREDICTED_KEYS):
            if key in self.fields:
                self.fields[key].initial = results.get(key)

    def clean(self):
        cleaned = super().clean()
        results = {}
        thresholds = {}
        for ear in EARS:
            values = {frequency: cleaned.get(_threshold_field(ear, frequency))
                      for frequency in AUDIOMETRY_FREQUENCIES}
            values = {frequency: value for frequency, value in values.items() if value is not None}
            if values:
                thresholds[ear] = values
        if thresholds:
            results["hearing_thresholds"] = thresholds
        for key in (*SPIROMETRY_KEYS, *PREDICTED_KEYS):
            if cleaned.get(key) is not None:
                results[key] = float(cleaned[key])
        if results.get("fev1") and results.get("fvc") and "fev1_fvc" not in results:
            results["fev1_fvc"] = round(results["fev1"] / results["fvc"], 3)
        cleaned["results"] = results
        return cleaned


def _add_result_fields():
    """Declare the result boxes on the form class (a loop, not 16 hand-written fields)."""
    for ear in EARS:
        for frequency in AUDIOMETRY_FREQUENCIES:
            ExaminationForm.base_fields[_threshold_field(ear, frequency)] = forms.IntegerField(
                label=f"{frequency} Hz", required=False, min_value=-10, max_value=120)
            ExaminationForm.declared_fields[_threshold_field(ear, frequency)] = \
                ExaminationForm.base_fields[_threshold_field(ear, frequency)]
    labels = {"fev1": _("FEV1 (L)"), "fvc": _("FVC (L)"), "fev1_fvc": _("FEV1/FVC (ratio)"),
              "fev1_predicted": _("FEV1 predicted (L)"), "fvc_predicted": _("FVC predicted (L)")}
    for key, label in labels.items():
        field = forms.DecimalField(label=label, required=False, min_value=0, max_value=10 if key != "fev1_fvc" else 1,
                                   decimal_places=3)
        ExaminationForm.base_fields[key] = field
        ExaminationForm.declared_fields[key] = field


_add_result_fields()


def _medical_call(func, request, **kwargs):
    try:
        return func(user=request.user, role=get_context().role, **kwargs)
    except NotAllowedError as exc:
        raise PermissionDenied from exc


def _audit(request, examinations):
    ctx = get_context()
    services.audit_medical_reads(workers=[exam.worker for exam in examinations], user=request.user,
                                 organization=ctx.organization, record="medical_examination")


class ExaminationIndexView(ScopedIndexView):
    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        _audit(self.request, list(context.get("object_list") or []))
        return context


class ExaminationInspectView(ScopedInspectView):
    template_name = "ohms_health/examination_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _audit(self.request, [self.object])
        results = self.object.results or {}
        context["audiogram"] = charts.audiogram(results.get("hearing_thresholds"))
        context["spirometry"] = charts.spirometry(results)
        return context


class ExaminationEditView(ScopedEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.method == "GET":
            _audit(self.request, [self.object])
        return context


class ExaminationCreateView(ScopedCreateView):
    def get_initial(self):
        """``?worker=<id>&exam_type=<type>`` (the appointment's "Record the examination"
        link) preselects the worker and the exam type; a worker of another organization or
        an unknown type is ignored."""
        initial = super().get_initial()
        worker_id, exam_type = self.request.GET.get("worker"), self.request.GET.get("exam_type")
        if worker_id:
            from django.core.exceptions import ValidationError as DjangoValidationError

            from ohms_core.models import Worker

            try:
                worker = Worker.objects.for_organization(get_context().organization).filter(pk=worker_id).first()
            except (DjangoValidationError, ValueError):
                worker = None
            if worker is not None:
                initial["worker"] = worker.pk
        if exam_type in ExamType.values:
            initial["exam_type"] = exam_type
        return initial


class ExaminationFilterSet(WagtailFilterSet):
    exam_type = django_filters.ChoiceFilter(label=_("Exam type"), choices=ExamType.choices)
    fitness_outcome = django_filters.ChoiceFilter(label=_("Fitness outcome"), choices=FitnessOutcome.choices)
    exam_date = django_filters.DateFromToRangeFilter(label=_("Exam date"), widget=DateRangePickerWidget)
    worker__enterprise = django_filters.ModelChoiceFilter(label=_("Enterprise"), queryset=Enterprise.objects.all())

    class Meta:
        model = MedicalExamination
        fields = ["exam_type", "fitness_outcome", "exam_date", "worker__enterprise"]


def _rows(ear):
    frequencies = AUDIOMETRY_FREQUENCIES
    return [FieldRowPanel([FieldPanel(_threshold_field(ear, f)) for f in frequencies[:4]]),
            FieldRowPanel([FieldPanel(_threshold_field(ear, f)) for f in frequencies[4:]])]


class MedicalExaminationViewSet(ScopedModelViewSet):
    model, resource, icon = MedicalExamination, "medicalexamination", "doc-full"
    name, url_prefix = "health_examination", "health/examinations"
    menu_label = _("Medical examinations")
    base_form_class = ExaminationForm
    index_view_class = ExaminationIndexView
    inspect_view_class = ExaminationInspectView
    edit_view_class = ExaminationEditView
    add_view_class = ExaminationCreateView
    filterset_class = ExaminationFilterSet
    search_fields = ["worker__employee_number", "worker__contact__last_name", "worker__contact__first_name"]
    list_display = [
        WorkerFileColumn(label=_("Worker")),
        Column("exam_type", label=_("Exam type"), accessor="get_exam_type_display"),
        DateColumn("exam_date", label=_("Exam date")),
        Column("fitness_outcome", label=_("Fitness outcome"), accessor="get_fitness_outcome_display"),
        DateColumn("next_due_date", label=_("Next due")),
    ]
    inspect_view_fields = ["worker", "exam_type", "exam_date", "fitness_outcome", "restrictions", "next_due_date",
                           "findings"]
    panels = [
        MultiFieldPanel([
            FieldPanel("worker"),
            FieldRowPanel([FieldPanel("exam_type"), FieldPanel("exam_date")]),
            FieldRowPanel([FieldPanel("fitness_outcome"), FieldPanel("next_due_date")]),
            FieldPanel("restrictions"),
            FieldPanel("findings"),
        ], heading=_("Examination")),
        MultiFieldPanel(_rows("right"), heading=_("Audiometry, right ear (dB HL)")),
        MultiFieldPanel(_rows("left"), heading=_("Audiometry, left ear (dB HL)")),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("fev1"), FieldPanel("fev1_predicted")]),
            FieldRowPanel([FieldPanel("fvc"), FieldPanel("fvc_predicted")]),
            FieldPanel("fev1_fvc", help_text=_("Left empty, it is computed from FEV1 and FVC.")),
        ], heading=_("Spirometry")),
    ]

    def get_queryset(self, request):
        return MedicalExamination.objects.select_related("worker__contact")

    def _data(self, form):
        data = form_data(form)
        data["results"] = form.cleaned_data.get("results") or {}
        return data

    def create_object(self, form, request):
        return _medical_call(services.medical_record_create, request, model=MedicalExamination,
                             organization=get_context().organization, data=self._data(form))

    def update_object(self, instance, form, request):
        return _medical_call(services.medical_record_update, request, instance=instance, data=self._data(form))

    def delete_object(self, instance, request):
        _medical_call(services.medical_record_delete, request, instance=instance)


class ExposureFilterSet(WagtailFilterSet):
    exposure_type = django_filters.CharFilter(label=_("Agent / exposure type"), lookup_expr="icontains")
    high_risk = django_filters.BooleanFilter(label=_("High risk"))
    measured_on = django_filters.DateFromToRangeFilter(label=_("Measured on"), widget=DateRangePickerWidget)
    worker__enterprise = django_filters.ModelChoiceFilter(label=_("Enterprise"), queryset=Enterprise.objects.all())

    class Meta:
        model = Exposure
        fields = ["exposure_type", "high_risk", "measured_on", "worker__enterprise"]


class PercentOfLimitColumn(Column):
    cell_template_name = "ohms_health/cells/percent_of_limit.html"


class ExposureViewSet(ScopedModelViewSet):
    """Measurements the safety side takes and acts on (no medical content)."""

    model, resource, icon = Exposure, "exposure", "warning"
    name, url_prefix = "health_exposure", "health/exposures"
    menu_label = _("Exposures")
    filterset_class = ExposureFilterSet
    search_fields = ["exposure_type", "worker__employee_number", "worker__contact__last_name"]
    list_display = [
        WorkerFileColumn(label=_("Worker")),
        Column("exposure_type", label=_("Agent / exposure type")),
        Column("measured_level", label=_("Measured level")),
        Column("exposure_limit", label=_("Limit")),
        Column("unit", label=_("Unit")),
        PercentOfLimitColumn("percent_of_limit", label=_("% of limit"), accessor="percent_of_limit"),
        DateColumn("measured_on", label=_("Measured on")),
    ]
    panels = [
        FieldPanel("worker"),
        FieldRowPanel([FieldPanel("exposure_type"), FieldPanel("measured_on")]),
        FieldRowPanel([FieldPanel("measured_level"), FieldPanel("exposure_limit"), FieldPanel("unit")]),
        FieldPanel("high_risk"),
    ]

    def get_queryset(self, request):
        return Exposure.objects.select_related("worker__contact")
