from wagtail import hooks
from wagtail.admin.panels import FieldPanel

from ohms_core.admin_views.viewsets import ScopedModelViewSet
from ohms_core.admin_views.workflow import TransitionsPanel

from .models import Inspection


class InspectionViewSet(ScopedModelViewSet):
    model, resource, icon = Inspection, "inspection", "tasks"
    list_display = ["title", "status"]
    list_filter = ["status"]
    panels = [FieldPanel("title"), FieldPanel("checklist_done"), FieldPanel("findings"), FieldPanel("assigned_approver"),
              TransitionsPanel()]


@hooks.register("register_admin_viewset")
def register_inspections():
    return InspectionViewSet("inspection")
