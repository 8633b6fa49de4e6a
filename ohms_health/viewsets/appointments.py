"""Admin screens of appointments and billing (SPEC 3.6) and the doctor's recall list.

Appointment writes go through ``services.appointments`` (the double-booking rule); the
lifecycle buttons are the core ``TransitionsPanel`` (the machine is registered through
the manifest). The day agenda lists one day's appointments per clinician. The recall list
(``services.recall``) schedules the chosen workers back to back with one clinician.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedModelViewSet, form_data
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context
from ohms_core.models import Enterprise, Site
from ohms_core.scoping import active_members

from ..models import Appointment, Transaction
from ..services import appointments as services
from ..services.recall import recall_list, schedule_recalls
from ..services.records import audit_medical_reads
from .exam_links import RecordExaminationPanel
from .ppe import require


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name().strip() or obj.email or obj.get_username()


class AppointmentForm(ScopedAdminForm):
    """Clinician and staff: active members of the acting organization (users are not a
    tenant's rows, so the generic scoping leaves them alone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = active_members(get_context().organization).order_by("first_name", "last_name", "email")
        for name in ("provider", "staff"):
            if name in self.fields:
                self.fields[name].queryset = members


class AppointmentViewSet(ScopedModelViewSet):
    model, resource, icon = Appointment, "appointment", "date"
    name, url_prefix = "health_appointments", "health/appointments"
    menu_label = _("Appointments")
    base_form_class = AppointmentForm
    list_display = ["__str__", "worker", "provider", "start", "end", "status"]
    list_filter = ["status", "appointment_type", "exam_type"]
    search_fields = ["worker__employee_number", "location"]
    ordering = ["start"]
    panels = [
        FieldRowPanel([FieldPanel("worker"), FieldPanel("appointment_type"), FieldPanel("exam_type")]),
        FieldRowPanel([FieldPanel("start"), FieldPanel("end"), FieldPanel("timezone")]),
        FieldRowPanel([FieldPanel("provider"), FieldPanel("location")]),
        FieldPanel("staff"),
        MultiFieldPanel([FieldPanel("equipment_requirements"), FieldPanel("preparation_notes"),
                         FieldPanel("follow_up_required")], heading=_("Preparation")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("cost_estimate"), FieldPanel("currency")]),
                         FieldPanel("billing_codes"), FieldPanel("insurance_authorization")],
                        heading=_("Billing")),
        RecordExaminationPanel(),
        TransitionsPanel(),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("worker", "provider")

    def create_object(self, form, request):
        data = form_data(form)
        return services.appointment_create(organization=get_context().organization, data=data, user=request.user)

    def update_object(self, instance, form, request):
        return services.appointment_update(instance=instance, data=form_data(form), user=request.user)


class TransactionViewSet(ScopedModelViewSet):
    model, resource, icon = Transaction, "transaction", "form"
    name, url_prefix = "health_transactions", "health/transactions"
    menu_label = _("Transactions")
    # Oui / Non rather than the raw "True" / "False" a plain boolean field shows.
    list_display = ["__str__", "worker", "invoice_number", "due_date",
                    Column("receipt_issued", label=_("Receipt issued"), sort_key="receipt_issued",
                           accessor=lambda row: _("Yes") if row.receipt_issued else _("No")), "created_at"]
    list_filter = ["transaction_type", "currency", "payment_method", "receipt_issued"]
    search_fields = ["invoice_number", "receipt_number", "description"]
    panels = [
        FieldRowPanel([FieldPanel("transaction_type"), FieldPanel("payment_method")]),
        FieldRowPanel([FieldPanel("amount"), FieldPanel("tax_amount"), FieldPanel("currency")]),
        FieldRowPanel([FieldPanel("worker"), FieldPanel("appointment")]),
        FieldRowPanel([FieldPanel("invoice_number"), FieldPanel("due_date")]),
        FieldRowPanel([FieldPanel("billing_period_start"), FieldPanel("billing_period_end")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("receipt_required"), FieldPanel("receipt_issued"), FieldPanel("receipt_number"),
                       FieldPanel("receipt_issued_at")]),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("worker")

    def create_object(self, form, request):
        return services.transaction_create(organization=get_context().organization, data=form_data(form),
                                           user=request.user)


def appointments_day(request):
    """One day's appointments, by clinician then time (``?date=YYYY-MM-DD``, default today)."""
    require("appointment")
    organization = get_context().organization
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    # The first and last representable days have no neighbour (and no appointments).
    day = min(max(day, date.min + timedelta(days=1)), date.max - timedelta(days=2))
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    rows = (Appointment.objects.for_organization(organization).filter(start__gte=start,
                                                                      start__lt=start + timedelta(days=1))
            .select_related("worker__contact", "provider").order_by("provider__last_name", "provider_id", "start"))
    return TemplateResponse(request, "ohms_health/appointments_day.html", {
        "day": day, "previous": day - timedelta(days=1), "next": day + timedelta(days=1), "appointments": rows,
    })


class RecallFilterForm(forms.Form):
    days = forms.IntegerField(label=_("Due within (days)"), min_value=0, max_value=3650, initial=30, required=False)
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    exposure = forms.CharField(label=_("Exposure group"), required=False, max_length=100,
                               help_text=_("The worker's exposure group, or an agent such as noise or silica."))

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.for_organization(organization)
        self.fields["site"].queryset = Site.objects.for_organization(organization)


class ScheduleForm(forms.Form):
    workers = forms.MultipleChoiceField(label=_("Workers"), choices=(), widget=forms.CheckboxSelectMultiple)
    start = forms.DateTimeField(label=_("First slot"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), min_value=5, max_value=480, initial=20)
    provider = PersonChoiceField(label=_("Clinician"), queryset=get_user_model().objects.none())
    location = forms.CharField(label=_("Location"), required=False, max_length=200)

    def __init__(self, *args, organization=None, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].choices = [(str(e.worker.pk), e.worker.employee_number) for e in entries
                                          if e.to_schedule]  # booked exams are not offered again
        self.fields["provider"].queryset = active_members(organization).order_by("first_name", "last_name")


def recall(request):
    """The recall list (medical officers and org admins) with the bulk "Schedule" action."""
    require("appointment")
    organization = get_context().organization
    params = request.POST if request.method == "POST" else request.GET
    filters = RecallFilterForm(params or None, organization=organization)
    options = filters.cleaned_data if filters.is_valid() else {}
    # A filter that does not validate (e.g. another organization's site) lists nobody
    # rather than everybody: the doctor sees the field error, not a wider list.
    refused = filters.is_bound and not filters.is_valid()
    entries = [] if refused else recall_list(organization, within_days=options.get("days") or 30,
                                             enterprise_id=getattr(options.get("enterprise"), "pk", None),
                                             exposure_group=options.get("exposure") or "",
                                             site_id=getattr(options.get("site"), "pk", None))
    schedule = ScheduleForm(request.POST if request.method == "POST" else None, organization=organization,
                            entries=entries)
    results = []
    if request.method == "POST":
        require("appointment", "add")
        if schedule.is_valid():
            chosen = set(schedule.cleaned_data["workers"])
            picked = [entry for entry in entries if str(entry.worker.pk) in chosen]
            results = schedule_recalls(organization=organization, entries=picked,
                                       start=schedule.cleaned_data["start"],
                                       slot_minutes=schedule.cleaned_data["slot_minutes"],
                                       provider=schedule.cleaned_data["provider"], user=request.user,
                                       location=schedule.cleaned_data["location"])
            booked = sum(1 for r in results if r.appointment)
            messages.success(request, gettext("%(n)s appointments scheduled.") % {"n": booked})
            if booked < len(results):
                messages.warning(request, gettext("%(n)s workers could not be scheduled: see below.")
                                 % {"n": len(results) - booked})
            entries = recall_list(organization, within_days=options.get("days") or 30,
                                  enterprise_id=getattr(options.get("enterprise"), "pk", None),
                                  exposure_group=options.get("exposure") or "",
                                  site_id=getattr(options.get("site"), "pk", None))
        else:
            messages.error(request, gettext("Choose the workers, the first slot and the clinician."))
    # Exam due dates are part of the medical record: the listed workers' reads are audited.
    audit_medical_reads(workers=[entry.worker for entry in entries], user=request.user, organization=organization,
                        record="recall_list")
    return TemplateResponse(request, "ohms_health/recall_list.html", {
        "filters": filters, "entries": entries, "schedule": schedule, "results": results,
        "today": timezone.localdate(),
    })
