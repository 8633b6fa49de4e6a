"""The permit list, create/edit form and the permit screen (tabs)."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)

from ohms_core import permissions as core_permissions
from ohms_core import workflows
from ohms_core.admin_views.columns import Column, TitleColumn
from ohms_core.admin_views.viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    form_data,
)
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context
from ohms_core.models import TransitionLog

from .. import gates, selectors
from ..filters import PermitFilter
from ..models import GasReading, IsolationPointLibrary, Permit, WorkflowStep
from ..permissions import user_may_assign_points, user_may_isolate
from ..permit_list import without_long_fields
from ..services.closeout import closeout_state
from ..services.isolation import isolation_view
from ..services.permits import permit_create, permit_update
from ..states import EnergyType, PermitStatus, PointType
from . import actions
from . import exports as export_views
from . import forms as ptw_forms
from . import loto as loto_views
from .columns import DateTimeColumn, RiskColumn, StatusColumn


# --- list -----------------------------------------------------------------------------
class PermitFilterSet(WagtailFilterSet, PermitFilter):
    """The canonical ``ohms_ptw.filters.PermitFilter`` in Wagtail's filter sidebar: a dashboard
    card's link or an API querystring selects the same permits here. Ordering is the
    listing's own (its sortable columns), so the filter's ``ordering`` is left out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("ordering", None)

    class Meta(PermitFilter.Meta):
        pass


class PermitIndexView(ScopedIndexView):
    """Filters, search and pagination live in the querystring (deep-linkable), e.g.
    ``?status=active&project=<id>&q=PTW-SMK&date_from=2025-01-01&p=2``."""

    def get_base_queryset(self):
        return without_long_fields(super().get_base_queryset(), with_type=True)  # the columns shown only

    @cached_property
    def columns(self):
        return [export_views.ExportSelectColumn(), *super().columns]  # row selection for the bulk export

    @cached_property
    def header_buttons(self):
        return [*super().header_buttons, *export_views.export_header_buttons(self.request)]

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        column_class = self._get_title_column_class(column_class)
        return self._get_custom_column(field_name, column_class, get_url=self.get_inspect_url, **kwargs)


class PermitCreateView(ScopedCreateView):
    def get_success_url(self):
        return reverse(self.viewset_ref.get_url_name("inspect"), args=[self.object.pk])


class PermitEditView(ScopedEditView):
    def get_success_url(self):
        return reverse(self.viewset_ref.get_url_name("inspect"), args=[self.object.pk])


# --- the permit screen ----------------------------------------------------------------
STAGE_LABELS = {"verify": _("Verify"), "approve": _("Approve"), "activate": _("Activate"), "complete": _("Complete")}
TABS = (("overview", _("Overview and people")), ("hazards", _("Hazards and controls")), ("workers", _("Workers")),
        ("gas", _("Gas readings")), ("isolation", _("Isolation")), ("closeout", _("Closeout")),
        ("signatures", _("Signatures")), ("photos", _("Photos")),
        ("history", _("History and audit")))


def readiness_blocks(permit, user, readiness):
    """The Verify / Approve / Activate / Complete blocks: allowed or blocked, with the same
    reasons (and messages) the state machine gives (``workflows.transition_options``)."""
    options = {o["name"]: o for o in workflows.transition_options(permit, user)}
    blocks = []
    for key, transition in selectors.STAGES:
        option = options.get(transition)
        if option is None:
            items = [{"code": code, "message": gettext("Not possible while the permit is “%(status)s”.") % {
                "status": permit.get_status_display()}} for code in readiness["missing"][key]]
        else:
            items = [{"code": r["code"], "message": r["message"]} for r in option["reasons"]]
        blocks.append({"key": key, "label": STAGE_LABELS[key], "allowed": readiness["readiness"][f"can_{key}"],
                       "available": option is not None, "items": items})
    return blocks


def library_points_for(permit, params):
    """Library points that may be assigned to this permit (its project or global), with the
    screen's search filters (``lib_q``, ``lib_energy``, ``lib_type``, ``lib_site``)."""
    queryset = (IsolationPointLibrary.objects.for_organization(permit.organization_id)
                .filter(is_active=True).filter(Q(project__isnull=True) | Q(project=permit.project_id))
                .exclude(pk__in=permit.isolation_points.filter(point__isnull=False, is_deleted=False).values("point_id"))
                .select_related("site").order_by("point_code"))
    if params.get("lib_q"):
        q = params["lib_q"]
        queryset = queryset.filter(Q(point_code__icontains=q) | Q(asset_tag__icontains=q) | Q(location__icontains=q))
    if params.get("lib_energy"):
        queryset = queryset.filter(energy_type=params["lib_energy"])
    if params.get("lib_type"):
        queryset = queryset.filter(point_type=params["lib_type"])
    if params.get("lib_site"):
        site = params["lib_site"]
        queryset = queryset.filter(Q(site__code__iexact=site) | Q(site__name__icontains=site))
    return queryset


def permit_screen_context(request, permit) -> dict:
    ctx = get_context()
    user = request.user
    readiness = selectors.permit_readiness(permit, user)
    details = readiness["details"]
    closed = bool(list(gates.permit_open_gate(permit)))
    transitions = TransitionsPanel().bind_to_model(Permit).get_bound_panel(instance=permit, request=request, form=None)

    isolation = isolation_view(permit)
    point_rows = []
    for point in isolation["points"]:
        available = {o["name"] for o in workflows.transition_options(point, user) if o["allowed"]}
        point_rows.append({
            "point": point,
            "can_isolate": "isolate" in available,
            "can_verify": "verify" in available,
            "can_deisolate": "deisolate" in available and isolation["requires_deisolation_on_closeout"],
        })

    closeout = closeout_state(permit)
    closeout_items = []
    if closeout["template"] is not None:
        record = closeout["closeout"]
        for item in closeout["template"].items:
            entry = (record.checklist or {}).get(item["key"]) if record else None
            closeout_items.append({**item, "required": item.get("required", True),
                                   "done": record.is_done(item["key"]) if record else False,
                                   "at": entry.get("at") if isinstance(entry, dict) else None})

    workflow_steps = list(WorkflowStep.objects.filter(workflow__permit=permit).select_related("assignee").order_by("order"))
    content_type = ContentType.objects.get_for_model(Permit)
    required_gases = [{"gas": gas, **gates.gas_limits_for(permit.permit_type, gas)}
                      for gas in (permit.permit_type.required_gases or [])]
    return {
        "permit": permit,
        "closed": closed,
        "role": ctx.role,
        "tabs": TABS,
        "readiness": readiness,
        "blocks": readiness_blocks(permit, user, readiness),
        "chips": {
            "gas_required": details["gas"]["required"], "gas_safe": details["gas"]["safe"],
            "isolation_required": readiness["requires"]["structured_isolation"],
            "isolation_verified": details["isolation"]["verified_required"],
            "isolation_total": details["isolation"]["required_points"],
            "ppe_missing": len(details["ppe"]["missing_items"]),
            "checklist_missing": len(details["checklist"]["missing"]),
            "closeout_required": details["closeout"]["template_exists"],
            "closeout_complete": details["closeout"]["is_complete"],
            "simops": details["simops"]["conflicts"],
        },
        "transitions_html": transitions.render_html(),
        "transition_action": reverse("ohms_transition", args=[content_type.pk, permit.pk, "__name__"]),
        "workflow_steps": workflow_steps,
        "hazards": list(permit.hazards.all()),
        "workers": list(permit.workers.select_related("worker__contact")),
        "gas_readings": list(GasReading.objects.filter(permit=permit).select_related("tested_by").order_by("-tested_at")),
        "required_gases": required_gases,
        "isolation": isolation,
        "point_rows": point_rows,
        "library_points": library_points_for(permit, request.GET),
        "library_filters": {"q": request.GET.get("lib_q", ""), "energy": request.GET.get("lib_energy", ""),
                            "type": request.GET.get("lib_type", ""), "site": request.GET.get("lib_site", "")},
        "energy_choices": EnergyType.choices,
        "point_type_choices": PointType.choices,
        "may_assign": user_may_assign_points(permit, user, ctx.role),
        "may_isolate": user_may_isolate(permit, user, ctx.role),
        "closeout": closeout,
        "closeout_items": closeout_items,
        "signatures": list(permit.signatures.select_related("signatory")),
        "photos": list(permit.photos.select_related("taken_by")),
        "extensions": list(permit.extensions.select_related("requested_by", "decided_by")),
        "audits": list(permit.audits.select_related("user").order_by("-timestamp")[:200]),
        "timeline": list(TransitionLog.objects.filter(content_type=content_type, object_id=str(permit.pk))
                         .select_related("user").order_by("-timestamp")[:100]),
        "history": list(permit.history.select_related("history_user").order_by("-history_date")[:50]),
        "forms": {
            "gas": ptw_forms.GasReadingForm(prefix="gas"),
            "assign": ptw_forms.AssignLibraryPointForm(prefix="assign", points=library_points_for(permit, request.GET)),
            "custom": ptw_forms.CustomPointForm(prefix="custom"),
            "sign": ptw_forms.SignForm(prefix="sign"),
            "extend": ptw_forms.ExtendForm(prefix="extend"),
            "worker": ptw_forms.WorkerAddForm(prefix="worker"),
            "hazard": ptw_forms.HazardForm(prefix="hazard"),
            "photo": ptw_forms.PhotoForm(prefix="photo"),
            "initiate": ptw_forms.InitiateWorkflowForm(prefix="initiate", permit=permit),
        },
        "can_initiate": permit.status in (PermitStatus.DRAFT, PermitStatus.SUBMITTED),
        "can_extend": not closed and not list(gates.extension_state_gate(permit)),
        "may_export": bool(core_permissions.check(user=user, role=ctx.role, resource="permitexport", action="view")),
        "loto": loto_views.loto_screen_context(permit),
    }


class PermitDetailView(ScopedInspectView):
    """The permit screen: header, workflow buttons, readiness, and the tabs."""

    template_name = "ohms_ptw/permit/detail.html"
    page_title = _("Permit")

    def get_fields(self):
        return []

    def get_object(self, queryset=None):
        permit = selectors.permit_with_checks(self.pk, organization=get_context().organization)
        if permit is None:
            raise Http404
        return permit

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(permit_screen_context(self.request, self.object))
        return context


# --- viewset --------------------------------------------------------------------------
PEOPLE_PANELS = [
    FieldRowPanel([FieldPanel("issuer"), FieldPanel("receiver")]),
    FieldRowPanel([FieldPanel("verifier"), FieldPanel("approver")]),
    FieldRowPanel([FieldPanel("area_incharge"), FieldPanel("department_head")]),
]


class PermitViewSet(ScopedModelViewSet):
    model, resource, icon = Permit, "permit", "doc-full-inverse"
    name, url_prefix = "ptw_permit", "ptw/permits"
    menu_label = _("Permits")
    index_view_class = PermitIndexView
    add_view_class = PermitCreateView
    edit_view_class = PermitEditView
    inspect_view_class = PermitDetailView
    base_form_class = ptw_forms.PermitForm
    filterset_class = PermitFilterSet
    search_fields = ["permit_number", "title", "location"]
    ordering = "-created_at"
    list_per_page = 20
    list_display = [
        "permit_number", "title",
        Column("permit_type", label=_("Permit type"), accessor="permit_type"),
        Column("project", label=_("Project"), accessor="project"),
        "location",
        StatusColumn(label=_("Status"), sort_key="status"),
        RiskColumn(label=_("Risk"), sort_key="risk_level"),
        DateTimeColumn("planned_start_time", label=_("Planned start")),
        DateTimeColumn("planned_end_time", label=_("Planned end")),
    ]

    def get_edit_handler(self):
        return TabbedInterface([
            ObjectList([
                FieldPanel("title"), FieldPanel("description"),
                FieldRowPanel([FieldPanel("permit_type"), FieldPanel("project")]),
                FieldRowPanel([FieldPanel("location"), FieldPanel("priority")]),
                FieldRowPanel([FieldPanel("planned_start_time"), FieldPanel("planned_end_time")]),
            ], heading=_("Overview")),
            ObjectList(PEOPLE_PANELS, heading=_("People")),
            ObjectList([
                MultiFieldPanel([FieldRowPanel([FieldPanel("likelihood"), FieldPanel("severity")]), FieldPanel("risk_matrix"),
                                 FieldPanel("risk_assessment")], heading=_("Risk assessment")),
                FieldPanel("control_measures"), FieldPanel("ppe_requirements"), FieldPanel("safety_checklist"),
            ], heading=_("Hazards and controls")),
            ObjectList([
                FieldPanel("requires_isolation"), FieldPanel("isolation_details"), FieldPanel("isolation_certificate"),
            ], heading=_("Isolation (text)")),
            ObjectList([
                FieldPanel("method_statement"), FieldPanel("work_procedure"), FieldPanel("risk_assessment_doc"),
                FieldPanel("site_layout"),
            ], heading=_("Documents")),
        ], base_form_class=self.base_form_class).bind_to_model(self.model)

    def get_queryset(self, request):
        """The base queryset; organization and the user's projects are added by the core views
        (``ohms_core.scoping``: Permit declares ``tenancy_project_path``).

        Joins only what the listing shows (type and project). It once also joined the risk matrix
        and the six people: ten tables, which PostgreSQL spent ~40 ms *planning* on every list
        and every permit page (executing took 0.3 ms; the load test's heaviest page). The
        screens that show people read them by primary key, a fraction of a millisecond each."""
        return Permit.objects.select_related("permit_type", "project")

    def create_object(self, form, request):
        data = {k: v for k, v in form_data(form).items() if v not in (None, "") or k in ("ppe_requirements", "safety_checklist")}
        return permit_create(organization=get_context().organization, data=data, user=request.user)

    def update_object(self, instance, form, request):
        fields = set(form_data(form))
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
        if not data:
            return instance
        return permit_update(permit=instance, data=data, user=request.user)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<uuid:pk>/workflow/initiate/", actions.initiate_workflow, name="initiate"),
            path("<uuid:pk>/gas/", actions.gas_reading_add, name="gas"),
            path("<uuid:pk>/hazards/", actions.hazard_add, name="hazard"),
            path("<uuid:pk>/photos/", actions.photo_add, name="photo"),
            path("<uuid:pk>/workers/", actions.worker_add, name="worker"),
            path("<uuid:pk>/isolation/assign/", actions.isolation_assign_view, name="isolation_assign"),
            path("<uuid:pk>/isolation/<uuid:point_pk>/<slug:action>/", actions.isolation_update_view, name="isolation_update"),
            path("<uuid:pk>/closeout/", actions.closeout_save, name="closeout"),
            path("<uuid:pk>/sign/", actions.sign, name="sign"),
            path("<uuid:pk>/extend/", actions.extend, name="extend"),
            path("<uuid:pk>/export/pdf/", export_views.permit_pdf, name="export_pdf"),
            path("<uuid:pk>/export/excel/", export_views.permit_excel, name="export_excel"),
            path("bulk-export/", export_views.bulk_export, name="bulk_export"),
            path("<uuid:pk>/loto/<int:log_pk>/photo/", loto_views.loto_photo_add, name="loto_photo"),
            path("<uuid:pk>/loto-procedure/", loto_views.loto_procedure_apply_view, name="loto_procedure"),
            path("<uuid:pk>/isolation-steps/<uuid:point_pk>/", loto_views.isolation_steps_view, name="isolation_steps"),
        ]
