"""Admin screens of the visitors add-on, in one "Site access" menu group: the gate and the
muster list first (the guard's day), then invitations, NDAs, the access log (read-only but
for the walk-in form) and shift handovers."""
from __future__ import annotations

from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, Panel
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from ohms_core import permissions as policy
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedModelViewSet, form_data
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context
from ohms_core.scoping import active_members

from . import admin_views, exports, gates, selectors
from .manifest import MANIFEST
from .models import AccessLog, ShiftHandover, SiteNDA, VisitorInvite
from .services import gate as gate_services
from .services import handovers as handover_services
from .services import invites as invite_services
from .services.notifications import nda_link
from .states import AccessType


@hooks.register("register_admin_urls")
def register_visitors_urls():
    return [
        path("visitors/gate/", admin_views.gate, name="ohms_visitors_gate"),
        path("visitors/muster/", admin_views.muster, name="ohms_visitors_muster"),
        path("visitors/invites/<uuid:pk>/badge/", admin_views.invite_badge, name="ohms_visitors_invite_badge"),
        path("visitors/shift-handovers/<uuid:pk>/acknowledge/", admin_views.handover_acknowledge,
             name="ohms_visitors_handover_acknowledge"),
    ]


class MembersForm(ScopedAdminForm):
    """User fields list active members of the acting organization only."""

    member_fields = ("host",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = active_members(get_context().organization).order_by("first_name", "last_name", "email")
        for name in self.member_fields:
            if name in self.fields:
                self.fields[name].queryset = members
                self.fields[name].required = False


class InviteBadgePanel(Panel):
    """The QR code, the printable badge, the gate link and the NDA status."""

    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Badge"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_visitors/invite_panel.html"

        def is_shown(self):
            return self.instance is not None and not self.instance._state.adding

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(invite=self.instance, qr_svg=exports.qr_svg(self.instance.qr_token),
                           nda=selectors.nda_status(self.instance), nda_link=nda_link(self.instance))
            return context


class VisitorInviteViewSet(ScopedModelViewSet):
    model, resource, icon = VisitorInvite, "visitorinvite", "user"
    name, url_prefix = "visitors_invite", "visitors/invites"
    menu_label = _("Invitations")
    base_form_class = MembersForm
    list_display = ["visitor_name", "visitor_company", "site", "host", "expected_arrival", "status"]
    list_filter = {"status": ["exact"], "site": ["exact"], "access_type": ["exact"], "expected_arrival": ["date"]}
    search_fields = ["visitor_name", "visitor_company", "visitor_id_number", "purpose"]
    ordering = ["expected_arrival"]
    panels = [
        FieldRowPanel([FieldPanel("visitor_name"), FieldPanel("visitor_company")]),
        FieldRowPanel([FieldPanel("visitor_id_number"), FieldPanel("visitor_email")]),
        FieldRowPanel([FieldPanel("site"), FieldPanel("access_type"), FieldPanel("host")]),
        FieldRowPanel([FieldPanel("expected_arrival"), FieldPanel("expected_departure")]),
        FieldPanel("purpose"),
        InviteBadgePanel(),
        TransitionsPanel(),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("site", "host")

    def create_object(self, form, request):
        data = {k: v for k, v in form_data(form).items() if v is not None or k != "host"}
        return invite_services.invite_create(organization=get_context().organization, data=data, user=request.user)


class SiteNDAViewSet(ScopedModelViewSet):
    model, resource, icon = SiteNDA, "sitenda", "doc-full"
    name, url_prefix = "visitors_sitenda", "visitors/ndas"
    menu_label = _("Site NDAs")
    list_display = ["title", "site", "nda_version", "language", "is_current"]
    list_filter = ["site", "is_current", "language"]
    search_fields = ["title"]
    panels = [
        FieldRowPanel([FieldPanel("site"), FieldPanel("nda_version"), FieldPanel("language")]),
        FieldPanel("title"), FieldPanel("body"), FieldPanel("document"), FieldPanel("is_current"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("site")

    def create_object(self, form, request):
        return invite_services.nda_create(organization=get_context().organization, data=form_data(form), user=request.user)

    def update_object(self, instance, form, request):
        data = form_data(form)
        make_current = data.pop("is_current", False)
        instance = super().update_object(instance, _WithData(form, data), request)
        if make_current:
            instance = invite_services.nda_make_current(nda=instance, user=request.user)
        return instance


class _WithData:
    """A form stand-in whose cleaned data leaves the current flag to ``nda_make_current``."""

    def __init__(self, form, data):
        self._meta, self.cleaned_data = form._meta, data


class WalkInAdminForm(ScopedAdminForm):
    access_type = forms.ChoiceField(label=_("Access type"),
                                    choices=[c for c in AccessType.choices if c[0] != AccessType.VISITOR])


class AccessLogViewSet(ScopedModelViewSet):
    """The gate log. Append-only: the add form logs a walk-in through the gate service; no
    edit or delete (the role policy gives nobody "change" or "delete")."""

    model, resource, icon = AccessLog, "accesslog", "list-ul"
    name, url_prefix = "visitors_accesslog", "visitors/access-log"
    menu_label = _("Access log")
    base_form_class = WalkInAdminForm
    list_display = ["person_name", "person_company", "access_type", "site", "check_in_time", "check_out_time"]
    list_filter = {"site": ["exact"], "access_type": ["exact"], "check_in_time": ["date"]}
    search_fields = ["person_name", "person_company", "vehicle"]
    ordering = ["-check_in_time"]
    form_fields = ["site", "access_type", "person_name", "person_company", "vehicle", "notes"]
    panels = [FieldPanel(name) for name in form_fields]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("site")

    def create_object(self, form, request):
        return gate_services.walk_in_check_in(organization=get_context().organization, user=request.user,
                                              **form_data(form))


class HandoverForm(ScopedAdminForm):
    open_items = forms.CharField(label=_("Open items"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("One per line. Left empty on a new handover, the open items of the "
                                             "site's previous handover are carried over."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and self.instance.pk and not self.is_bound:
            self.initial["open_items"] = "\n".join(self.instance.open_items or [])

    def clean_open_items(self):
        text = self.cleaned_data.get("open_items") or ""
        items = handover_services.clean_items(text.splitlines())
        if not items and (self.instance is None or self.instance._state.adding):
            return None  # carry over
        return items


class HandoverAckPanel(Panel):
    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Incoming shift"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_visitors/handover_panel.html"

        def is_shown(self):
            return self.instance is not None and not self.instance._state.adding

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            user = get_context().user
            reasons = [str(r.message) for r in gates.handover_acknowledge_reasons(self.instance, user=user)]
            if not policy.check(user=user, role=get_context().role, resource="shifthandover", action="add"):
                reasons.insert(0, str(_("Your role may not acknowledge handovers.")))
            context.update(handover=self.instance, reasons=reasons)
            return context


class ShiftHandoverViewSet(ScopedModelViewSet):
    model, resource, icon = ShiftHandover, "shifthandover", "clipboard-list"
    name, url_prefix = "visitors_shifthandover", "visitors/shift-handovers"
    menu_label = _("Shift handovers")
    base_form_class = HandoverForm
    list_display = ["__str__", "site", "author", "acknowledged_by", "acknowledged_at"]
    list_filter = {"site": ["exact"], "shift_end": ["date"]}
    search_fields = ["notes"]
    ordering = ["-shift_end"]
    panels = [
        FieldPanel("site"),
        FieldRowPanel([FieldPanel("shift_start"), FieldPanel("shift_end")]),
        FieldPanel("notes"), FieldPanel("open_items"),
        HandoverAckPanel(),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("site", "author", "acknowledged_by")

    def create_object(self, form, request):
        data = form_data(form)
        return handover_services.handover_create(organization=get_context().organization, data=data, user=request.user)


class RoleMenuItem(MenuItem):
    def __init__(self, *args, resource, action="view", **kwargs):
        super().__init__(*args, **kwargs)
        self.resource, self.action = resource, action

    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource=self.resource, action=self.action))


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


class VisitorsViewSetGroup(ViewSetGroup):
    menu_label = _("Site access")
    menu_icon = "home"
    menu_order = MANIFEST.menu_order
    items = (
        ScreenMenuEntry("visitors_gate_menu", label=_("Gate"), url_name="ohms_visitors_gate", icon="login",
                        resource="accesslog", action="add"),
        ScreenMenuEntry("visitors_muster_menu", label=_("Muster list"), url_name="ohms_visitors_muster", icon="group",
                        resource="accesslog"),
        VisitorInviteViewSet, SiteNDAViewSet, AccessLogViewSet, ShiftHandoverViewSet,
    )


@hooks.register("register_admin_viewset")
def register_visitors_viewsets():
    return VisitorsViewSetGroup()
