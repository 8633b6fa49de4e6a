"""The risk dashboard: profiles listed by level, and a profile screen with the score gauge,
the three sub-scores, the recommendation and the trend from the profile's history.
Recalculation runs the same service as the API, the command and the daily job."""
from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, DateColumn
from wagtail.admin.widgets import HeaderButton

from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.viewsets import (
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    scoped,
)
from ohms_core.context import get_context
from ohms_core.models import Enterprise, Worker

from .. import charts
from ..models import RiskLevel, WorkerRiskProfile
from ..services import risk
from ..services.medical_file import risk_trend_points
from .columns import WorkerFileColumn


class RiskProfileFilterSet(WagtailFilterSet):
    risk_level = django_filters.MultipleChoiceFilter(label=gettext_lazy("Risk level"), choices=RiskLevel.choices)
    intervention_required = django_filters.BooleanFilter(label=gettext_lazy("Intervention required"))
    worker__enterprise = django_filters.ModelChoiceFilter(label=gettext_lazy("Enterprise"),
                                                          queryset=Enterprise.objects.all())

    class Meta:
        model = WorkerRiskProfile
        fields = ["risk_level", "intervention_required", "worker__enterprise"]


class RiskLevelColumn(Column):
    cell_template_name = "ohms_health/cells/risk_level.html"


class RiskProfileIndexView(ScopedIndexView):
    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(HeaderButton(_("Recalculate all"), url=self.viewset_ref.recalculate_all_url,
                                        icon_name="rotate"))
        return buttons


class RiskProfileInspectView(ScopedInspectView):
    template_name = "ohms_health/risk_profile_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = self.object
        context.update(
            gauge=charts.risk_gauge(profile.overall_risk_score, profile.risk_level),
            trend=charts.risk_trend(risk_trend_points(profile)),
            can_recalculate=self.permission_policy.user_has_permission(self.request.user, "change"),
            can_read_medical=get_context().role in ("org_admin", "medical_officer"),
        )
        return context


class WorkerRiskProfileViewSet(ScopedModelViewSet):
    model, resource, icon = WorkerRiskProfile, "workerriskprofile", "warning"
    name, url_prefix = "health_risk_profile", "health/risk-profiles"
    menu_label = gettext_lazy("Worker risk profiles")
    index_view_class = RiskProfileIndexView
    inspect_view_class = RiskProfileInspectView
    add_view_enabled = False
    edit_view_enabled = False
    filterset_class = RiskProfileFilterSet
    search_fields = ["worker__employee_number", "worker__contact__last_name", "worker__contact__first_name"]
    ordering = ["-overall_risk_score"]
    list_display = [
        WorkerFileColumn(label=gettext_lazy("Worker")),
        Column("enterprise", label=gettext_lazy("Enterprise"), accessor="worker.enterprise"),
        Column("overall_risk_score", label=gettext_lazy("Overall score"), sort_key="overall_risk_score"),
        RiskLevelColumn("risk_level", label=gettext_lazy("Level"), sort_key="risk_level"),
        BooleanColumn("intervention_required", label=gettext_lazy("Intervention")),
        DateColumn("last_calculated_at", label=gettext_lazy("Calculated")),
    ]

    def get_queryset(self, request):
        return WorkerRiskProfile.objects.select_related("worker__contact", "worker__enterprise")

    # Recalculation (single and all), POST only, "change" permission, scoped lookups.
    @property
    def recalculate_all_url(self):
        from django.urls import reverse

        return reverse(self.get_url_name("recalculate_all"))

    def _require_change(self, request):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied

    def recalculate_view(self, request, pk):
        self._require_change(request)
        profile = scoped(self.get_queryset(request)).filter(pk=pk).first()
        if profile is None:
            from django.http import Http404

            raise Http404
        profile = risk.calculate_profile(worker=profile.worker, user=request.user)
        messages.success(request, _("Risk profile recalculated: %(score)s (%(level)s).") % {
            "score": profile.overall_risk_score, "level": profile.get_risk_level_display()})
        return redirect(self.get_url_name("inspect"), profile.pk)

    def recalculate_all_view(self, request):
        """Every active worker of the organization (missing profiles are created), in batches;
        GET asks for confirmation (with how many workers), POST does it."""
        self._require_change(request)
        workers = scoped(Worker.objects.filter(is_active=True)).select_related("organization").order_by("pk")
        if request.method != "POST":
            return TemplateResponse(request, "ohms_health/risk_recalculate_all.html", {
                "count": workers.count(), "view": self, "header_title": _("Recalculate all risk profiles")})
        count = risk.calculate_many(workers)
        messages.success(request, _("%(count)s risk profiles recalculated.") % {"count": count})
        return redirect(self.get_url_name("index"))

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<uuid:pk>/recalculate/", require_POST(self.recalculate_view), name="recalculate"),
            path("recalculate-all/", self.recalculate_all_view, name="recalculate_all"),
        ]
