"""Admin screens of the training add-on in one "Training" menu group: modules, quizzes,
progress (status filter, transition buttons), certificates (download), the matrix, bulk
assignment, and "My training" with the take-the-quiz page for workers."""
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from ohms_core import permissions as policy
from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.viewsets import ScopedModelViewSet, form_data
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context

from . import admin_views, selectors, services
from .manifest import MANIFEST
from .models import (
    Certificate,
    SiteVisitorInduction,
    TrainingModule,
    TrainingProgress,
    TrainingQuiz,
    VisitorInductionAttempt,
)


@hooks.register("register_admin_urls")
def register_training_urls():
    return [
        path("training/matrix/", admin_views.training_matrix, name="ohms_training_matrix"),
        path("training/assign/", admin_views.bulk_assign, name="ohms_training_assign"),
        path("training/my/", admin_views.my_training, name="ohms_training_my"),
        path("training/quiz/<uuid:quiz_pk>/take/", admin_views.take_quiz, name="ohms_training_take_quiz"),
        path("training/certificates/<uuid:pk>/pdf/", admin_views.certificate_download,
             name="ohms_training_certificate_download"),
    ]


class TrainingModuleViewSet(ScopedModelViewSet):
    model, resource, icon = TrainingModule, "trainingmodule", "doc-full"
    name, url_prefix = "training_modules", "training/modules"
    menu_label = _("Modules")
    list_display = ["title", "language", "pass_mark", "validity_months", "is_active"]
    list_filter = ["language", "is_active"]
    search_fields = ["title", "description"]
    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("language")]), FieldPanel("description"),
        MultiFieldPanel([FieldPanel("content_document"), FieldPanel("video_url")], heading=_("Content")),
        FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("validity_months")]),
        FieldRowPanel([FieldPanel("required_for_asset_category"), FieldPanel("is_active")]),
    ]


class TrainingQuizViewSet(ScopedModelViewSet):
    """The right answers are in ``questions``: only who may change quizzes opens the form
    (no inspect view, which any reader could open); workers take quizzes on their own page."""

    model, resource, icon = TrainingQuiz, "trainingquiz", "help"
    name, url_prefix = "training_quizzes", "training/quizzes"
    menu_label = _("Quizzes")
    inspect_view_enabled = False
    list_display = ["__str__", "module", "max_attempts", "updated_at"]
    list_filter = ["module"]
    search_fields = ["title", "module__title"]
    panels = [FieldRowPanel([FieldPanel("module"), FieldPanel("title"), FieldPanel("max_attempts")]),
              FieldPanel("questions")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module")


class ProgressWorkerColumn(Column):
    def get_value(self, instance):
        return f"{instance.worker.employee_number} — {instance.worker.contact.full_name}"


class TrainingProgressViewSet(ScopedModelViewSet):
    model, resource, icon = TrainingProgress, "trainingprogress", "tasks"
    name, url_prefix = "training_progress", "training/progress"
    menu_label = _("Progress")
    list_display = [ProgressWorkerColumn("worker", label=_("Worker")), "module",
                    Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
                    "score", "attempts", "due_date"]
    list_filter = ["status", "module"]
    search_fields = ["worker__employee_number", "worker__contact__last_name", "module__title"]
    panels = [FieldRowPanel([FieldPanel("worker"), FieldPanel("module"), FieldPanel("due_date")]), TransitionsPanel()]

    def get_queryset(self, request):
        return selectors.own_rows_only(super().get_queryset(request).select_related("worker__contact", "module"))

    def create_object(self, form, request):
        data = form_data(form)
        progress, _created = services.progress_assign(organization=get_context().organization, module=data["module"],
                                                      worker=data["worker"], user=request.user,
                                                      due_date=data.get("due_date"))
        return progress


class DownloadColumn(Column):
    def get_value(self, instance):
        return format_html('<a href="{}" download>{}</a>', admin_views.certificate_download_url(instance), _("PDF"))


class StateColumn(Column):
    def get_value(self, instance):
        from .states import CertificateState

        return dict(CertificateState.choices)[selectors.certificate_state(instance.expires_at)]


class CertificateViewSet(ScopedModelViewSet):
    model, resource, icon = Certificate, "certificate", "success"
    name, url_prefix = "training_certificates", "training/certificates"
    menu_label = _("Certificates")
    list_display = [ProgressWorkerColumn("worker", label=_("Worker")), "module", "issued_at", "expires_at",
                    StateColumn("state", label=_("State")), DownloadColumn("download", label=_("Download"))]
    list_filter = ["module"]
    search_fields = ["worker__employee_number", "worker__contact__last_name", "module__title"]
    panels = [FieldRowPanel([FieldPanel("worker", read_only=True), FieldPanel("module", read_only=True)])]

    def get_queryset(self, request):
        return selectors.own_rows_only(super().get_queryset(request).select_related("worker__contact", "module"))


class SiteVisitorInductionViewSet(ScopedModelViewSet):
    """Which sites ask visitors to pass an induction quiz before the gate lets them in."""

    model, resource, icon = SiteVisitorInduction, "sitevisitorinduction", "login"
    name, url_prefix = "training_site_inductions", "training/site-inductions"
    menu_label = _("Visitor inductions")
    list_display = ["site", "module", "translated_module", "is_active"]
    list_filter = ["is_active"]
    panels = [FieldRowPanel([FieldPanel("site"), FieldPanel("is_active")]),
              FieldRowPanel([FieldPanel("module"), FieldPanel("translated_module")])]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("site", "module", "translated_module")


class VisitorInductionAttemptViewSet(ScopedModelViewSet):
    """Every quiz a visitor submitted (read-only: only the public quiz page writes them)."""

    model, resource, icon = VisitorInductionAttempt, "visitorinductionattempt", "list-ul"
    name, url_prefix = "training_visitor_attempts", "training/visitor-attempts"
    menu_label = _("Visitor induction attempts")
    list_display = ["visitor_name", "visitor_id_number", "quiz", "score", "passed", "created_at"]
    list_filter = ["passed"]
    search_fields = ["visitor_name", "visitor_id_number"]
    panels = [FieldRowPanel([FieldPanel("visitor_name", read_only=True), FieldPanel("score", read_only=True),
                             FieldPanel("passed", read_only=True)])]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("quiz__module")


class RoleMenuItem(MenuItem):
    def __init__(self, *args, resource, action="view", **kwargs):
        super().__init__(*args, **kwargs)
        self.resource, self.action = resource, action

    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource=self.resource,
                                 action=self.action))


class ScreenMenuEntry(ViewSet):
    def __init__(self, name, *, label, url_name, icon, resource, action="view"):
        super().__init__(name)
        self.menu_label, self.icon, self.url_name, self.resource, self.action = label, icon, url_name, resource, action

    @property
    def menu_url(self):
        return reverse(self.url_name)

    def get_menu_item(self, order=None):
        return RoleMenuItem(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                            order=self.get_menu_item_order(order), resource=self.resource, action=self.action)


class TrainingViewSetGroup(ViewSetGroup):
    menu_label = _("Training")
    menu_icon = "folder-inverse"
    menu_order = MANIFEST.menu_order
    items = (
        ScreenMenuEntry("training_my_menu", label=_("My training"), url_name="ohms_training_my", icon="user",
                        resource="trainingprogress"),
        ScreenMenuEntry("training_matrix_menu", label=_("Training matrix"), url_name="ohms_training_matrix",
                        icon="table", resource="trainingprogress", action="add"),
        ScreenMenuEntry("training_assign_menu", label=_("Assign a module"), url_name="ohms_training_assign",
                        icon="group", resource="trainingprogress", action="add"),
        TrainingModuleViewSet, TrainingQuizViewSet, TrainingProgressViewSet, CertificateViewSet,
        SiteVisitorInductionViewSet, VisitorInductionAttemptViewSet,
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()
