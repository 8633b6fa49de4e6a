"""Admin of exit examinations (SPEC 3.4): the upcoming-exits list (soonest exit first, days
left, state badge), filters and search, the exit-exam checklist with the seven steps, the
medical findings form (medical roles only: the others may only view, without findings),
transition buttons ("Generate certificate" runs the same service as the API) and the
checked certificate download."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, Panel

from ohms_core.admin_views.columns import BadgeColumn, Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import (
    ScopedEditView,
    ScopedInspectView,
    ScopedModelViewSet,
    form_data,
)
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context

from ..models import ExitExamination
from ..models.exit import EXIT_STEPS, ExitExamStatus
from ..services import audit_medical_reads
from ..services import exit as service
from ..services.medical import MEDICAL_READERS

#: Not shown to roles that are not medical readers (DECISIONS 12).
MEDICAL_ONLY_FIELDS = ("findings", "disease_result", "disease_notes", "examination")


def _is_medical(user) -> bool:
    return get_context().role in MEDICAL_READERS or getattr(user, "is_superuser", False)


class ExitExamForm(ScopedAdminForm):
    """The clinician is one of the organization's medical officers or admins; the worker is
    fixed once the exam exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organization = get_context().organization
        if "clinician" in self.fields and organization is not None:
            self.fields["clinician"].queryset = service.clinicians_of(organization)
        if not self.instance._state.adding and "worker" in self.fields:
            self.fields["worker"].disabled = True


def _days_left(exam):
    days = (exam.exit_date - timezone.localdate()).days
    if days < 0:
        return _("left %(days)s days ago") % {"days": -days}
    return _("%(days)s days") % {"days": days}


class ChecklistPanel(Panel):
    """The seven steps, the current one highlighted, why the next one is blocked, and the
    certificate download link."""

    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Exit-exam checklist"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_health/exit_checklist.html"

        def is_shown(self):
            return self.instance is not None and not self.instance._state.adding

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(checklist_context(self.instance, self.request.user))
            return context


def checklist_context(exam, user) -> dict:
    current = EXIT_STEPS.index(exam.status)
    steps = [{"value": value, "label": ExitExamStatus(value).label, "done": index < current,
              "current": index == current} for index, value in enumerate(EXIT_STEPS)]
    next_label, blocked = service.next_step_reasons(exam, user)
    return {"exam": exam, "steps": steps, "next_label": next_label, "blocked": blocked,
            "days_left": _days_left(exam),
            "certificate_url": reverse("document-download", kwargs={"pk": exam.certificate_id})
            if exam.certificate_id else ""}


class ExitExamEditView(ScopedEditView):
    """The edit screen shows findings: a medical read, audited per worker."""

    def get_object(self, queryset=None):
        exam = super().get_object(queryset)
        audit_medical_reads(workers=[exam.worker], user=self.request.user, organization=exam.organization,
                            record="exit_examination")
        return exam


class ExitExamInspectView(ScopedInspectView):
    """Non-medical readers see state, dates and outcome; medical readers everything (audited)."""

    template_name = "ohms_health/exit_inspect.html"

    def get_fields(self):
        fields = ["worker", "exit_date", "status", "scheduled_exam_at", "clinician", "fitness_outcome", "restrictions",
                  "findings", "disease_result", "disease_notes", "certificate_reference", "certificate_issued_at",
                  "cnss_reference", "follow_up_required", "follow_up_date"]
        if not _is_medical(self.request.user):
            fields = [name for name in fields if name not in MEDICAL_ONLY_FIELDS]
        return fields

    def get_object(self, queryset=None):
        exam = super().get_object(queryset)
        if _is_medical(self.request.user):
            audit_medical_reads(workers=[exam.worker], user=self.request.user, organization=exam.organization,
                                record="exit_examination")
        return exam

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(checklist_context(self.object, self.request.user))
        return context


def _row(*names):
    return FieldRowPanel([FieldPanel(name) for name in names])


class ExitExaminationViewSet(ScopedModelViewSet):
    model, resource, icon = ExitExamination, "exitexamination", "calendar"
    name, url_prefix = "health_exit_exams", "health/exit-exams"
    menu_label = _("Exit examinations")
    base_form_class = ExitExamForm
    edit_view_class = ExitExamEditView
    inspect_view_class = ExitExamInspectView
    list_display = ["worker", "exit_date", Column("days_left", label=_("Days left"), accessor=_days_left),
                    BadgeColumn("status"), "clinician"]
    list_filter = ["status", "exit_date", "fitness_outcome", "follow_up_required"]
    search_fields = ["worker__employee_number", "worker__contact__first_name", "worker__contact__last_name",
                     "certificate_reference"]
    ordering = ["exit_date"]
    panels = [
        MultiFieldPanel([_row("worker", "exit_date"), _row("scheduled_exam_at", "clinician")],
                        heading=_("Exit and examination")),
        ChecklistPanel(),
        MultiFieldPanel([FieldPanel("findings"), _row("fitness_outcome"), FieldPanel("restrictions")],
                        heading=_("Medical findings")),
        MultiFieldPanel([_row("disease_result"), FieldPanel("disease_notes")],
                        heading=_("Occupational disease assessment")),
        MultiFieldPanel([_row("cnss_reference"), _row("follow_up_required", "follow_up_date")],
                        heading=_("CNSS and follow-up")),
        TransitionsPanel(),
    ]

    def get_queryset(self, request):
        return ExitExamination.objects.select_related("worker", "worker__contact", "clinician")

    def create_object(self, form, request):
        return service.exit_exam_create(organization=get_context().organization, data=form_data(form),
                                        user=request.user, role=get_context().role)

    def update_object(self, instance, form, request):
        data = {key: value for key, value in form_data(form).items() if key in service.EDITABLE_FIELDS}
        return service.exit_exam_update(instance=instance, data=data, user=request.user, role=get_context().role,
                                        expected_version=None)
