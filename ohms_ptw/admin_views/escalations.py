"""Admin → Permit to work → Escalation rules (SPEC 2.8): time limits per permit type and step."""
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.ui.tables import BooleanColumn, UpdatedAtColumn
from wagtail.admin.widgets import SwitchInput

from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedModelViewSet

from ..models import EscalationRule


class EscalationRuleForm(ScopedAdminForm):
    pass


class EscalationRuleViewSet(ScopedModelViewSet):
    model, resource, icon = EscalationRule, "escalationrule", "warning"
    name, url_prefix = "ptw_escalation_rule", "ptw/escalation-rules"
    menu_label = _("Escalation rules")
    base_form_class = EscalationRuleForm
    inspect_view_enabled = False
    list_filter = ["step_type", "escalate_to_role", "is_active"]
    list_display = [Column("__str__", label=_("Rule")), "time_limit_hours", "escalate_to_role",
                    BooleanColumn("is_active", label=_("Active")), UpdatedAtColumn()]
    panels = [FieldRowPanel([FieldPanel("permit_type"), FieldPanel("step_type")]),
              FieldRowPanel([FieldPanel("time_limit_hours"), FieldPanel("escalate_to_role"), FieldPanel("method")]),
              FieldPanel("is_active", widget=SwitchInput())]

    def get_queryset(self, request):
        return EscalationRule.objects.select_related("permit_type")
