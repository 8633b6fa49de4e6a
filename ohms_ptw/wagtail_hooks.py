"""Admin registration of the permit-to-work add-on: one "Permit to work" menu group."""
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from .admin_views.config import (
    CloseoutTemplateViewSet,
    IsolationPointViewSet,
    LotoProcedureViewSet,
    PermitTypeViewSet,
    RiskMatrixViewSet,
)
from .admin_views.escalations import EscalationRuleViewSet
from .admin_views.permits import PermitViewSet
from .manifest import MANIFEST


class PermitToWorkViewSetGroup(ViewSetGroup):
    menu_label = _("Permit to work")
    menu_icon = "doc-full-inverse"
    menu_order = MANIFEST.menu_order  # the manifest orders the admin menu
    items = (PermitViewSet, PermitTypeViewSet, RiskMatrixViewSet, CloseoutTemplateViewSet, IsolationPointViewSet,
             LotoProcedureViewSet, EscalationRuleViewSet)


@hooks.register("register_admin_viewset")
def register_ptw_viewsets():
    return PermitToWorkViewSetGroup()


@hooks.register("insert_global_admin_css")
def ptw_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_ptw/admin.css"))


@hooks.register("insert_global_admin_js")
def ptw_exports_js():
    return format_html('<script src="{}" defer></script>', static("ohms_ptw/exports.js"))
