"""System screens: jobs (with "run now"), the About page (installed add-ons), events."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import events, jobs, workflows
from ..context import get_context
from ..models import JobRun
from ..registry import addons


def _is_admin(request):
    return request.user.is_superuser or get_context().is_admin()


def jobs_index(request):
    """Operators (superusers) see and run the system jobs; an organization admin sees only
    the runs that concern their organization: a system run's error text can name any
    tenant's rows, and running a system-wide job is not an organization's decision."""
    if not _is_admin(request):
        raise PermissionDenied
    if not request.user.is_superuser:
        recent = (JobRun.objects.filter(organization=get_context().organization)
                  .select_related("started_by").order_by("-started_at")[:30])
        return TemplateResponse(request, "ohms_core/system/jobs.html", {"rows": [], "recent": recent, "operator": False})
    names = [job.name for job in jobs.jobs()]
    stats = {
        row["name"]: row
        for row in JobRun.objects.filter(name__in=names).values("name").annotate(
            last_run=Max("started_at"),
            last_success=Max("finished_at", filter=Q(success=True)),
            last_failure=Max("finished_at", filter=Q(success=False)),
        )
    }
    last_errors = {}
    failed = JobRun.objects.filter(name__in=names, success=False).order_by("-started_at").values_list("name", "error")[:200]
    for name, error in failed:
        last_errors.setdefault(name, error)
    rows = [{"job": job, **stats.get(job.name, {}), "last_error": last_errors.get(job.name, "")} for job in jobs.jobs()]
    recent = JobRun.objects.select_related("started_by").order_by("-started_at")[:30]
    return TemplateResponse(request, "ohms_core/system/jobs.html", {"rows": rows, "recent": recent, "operator": True})


@require_POST
def job_run_now(request, name):
    """System-wide jobs: operators only (403 for organization admins)."""
    if not request.user.is_superuser:
        return HttpResponseForbidden(_("Only operators run system jobs."))
    try:
        jobs.job_run_now(name=name, user=request.user)
    except KeyError:
        messages.error(request, _("Unknown job."))
    else:
        messages.success(request, _("Job “%(name)s” queued: a worker runs it now.") % {"name": name})
    return redirect("ohms_jobs")


def about(request):
    installed = []
    machine_list = workflows.machines()
    job_list = jobs.jobs()
    for manifest in addons():
        installed.append({
            "manifest": manifest,
            "machines": [m for m in machine_list if m.addon == manifest.label or m.label in manifest.machine_labels],
            "event_types": [e for e in events.event_types() if e.addon == manifest.label or e.name in {spec.name for spec in manifest.event_types}],
            "jobs": [j for j in job_list if j.addon == manifest.label],
        })
    return TemplateResponse(request, "ohms_core/system/about.html", {"addons": installed})


# Listings of the machinery's records ------------------------------------------------
from django import forms  # noqa: E402
from django.utils.translation import gettext_lazy  # noqa: E402
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel  # noqa: E402
from wagtail.admin.ui.tables import BooleanColumn, DateColumn  # noqa: E402

from ..models import Event, NotificationRule, TransitionLog  # noqa: E402
from ..roles import Role  # noqa: E402
from .columns import Column  # noqa: E402
from .forms import ScopedAdminForm  # noqa: E402
from .viewsets import ScopedModelViewSet  # noqa: E402


class NotificationRuleForm(ScopedAdminForm):
    event_type = forms.ChoiceField(label=gettext_lazy("Event type"))
    roles = forms.MultipleChoiceField(label=gettext_lazy("Roles"), choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [(e.name, f"{e.name} — {e.label}") for e in events.event_types()]
        if "title_template" in self.fields:
            # Rule texts only see whitelisted plain values (ohms_core.services.notifications).
            self.fields["title_template"].help_text = gettext_lazy(
                "Django template; leave empty for the default text. Variables: object.label, object.number, "
                "object.status, object.status_label, actor.name, event.type, event.object_repr, link, data.<key>."
            )


class NotificationRuleViewSet(ScopedModelViewSet):
    model, resource, icon = NotificationRule, "notificationrule", "mail"
    menu_label = gettext_lazy("Notification rules")
    list_display = ["event_type", Column("roles", label=gettext_lazy("Roles")), "assignee_fields",
                    BooleanColumn("in_app", label=gettext_lazy("In-app")), BooleanColumn("email", label=gettext_lazy("Email")),
                    BooleanColumn("is_active", label=gettext_lazy("Active"))]
    list_filter = ["event_type", "is_active", "email"]
    search_fields = ["event_type"]
    base_form_class = NotificationRuleForm
    panels = [
        FieldPanel("event_type"), FieldPanel("roles"), FieldPanel("assignee_fields"), FieldPanel("notify_actor"),
        FieldRowPanel([FieldPanel("in_app"), FieldPanel("email"), FieldPanel("is_active")]),
        MultiFieldPanel([FieldPanel("title_template"), FieldPanel("message_template")], heading=gettext_lazy("English text")),
        MultiFieldPanel([FieldPanel("title_template_fr"), FieldPanel("message_template_fr")], heading=gettext_lazy("French text")),
    ]


class EventViewSet(ScopedModelViewSet):
    model, resource, icon = Event, "event", "resubmit"
    menu_label = gettext_lazy("Events")
    list_display = [DateColumn("created_at", label=gettext_lazy("Time")), "type", "object_repr", "actor",
                    DateColumn("dispatched_at", label=gettext_lazy("Dispatched")), "dispatch_attempts"]
    list_filter = ["type"]
    search_fields = ["type", "object_repr", "object_id"]
    inspect_view_fields = ["created_at", "type", "object_repr", "object_id", "actor", "data", "dispatched_at",
                           "dispatch_attempts", "last_error"]
    form_fields = ["type"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return Event.objects.select_related("actor")


class TransitionLogViewSet(ScopedModelViewSet):
    model, resource, icon = TransitionLog, "transitionlog", "history"
    menu_label = gettext_lazy("Transition log")
    list_display = [DateColumn("timestamp", label=gettext_lazy("Time")), "object_repr", "transition", "from_state", "to_state", "user", "comment"]
    list_filter = ["transition", "to_state"]
    search_fields = ["object_repr", "object_id", "comment"]
    inspect_view_enabled = False
    form_fields = ["comment"]
    ordering = ["-timestamp"]

    def get_queryset(self, request):
        return TransitionLog.objects.select_related("user")
