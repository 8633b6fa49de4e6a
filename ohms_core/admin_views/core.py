"""Admin screens of the core add-on."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, DateColumn, UpdatedAtColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import HeaderButton

from ..context import get_context
from ..manifest import MANIFEST
from ..models import (
    ApiToken,
    AuditLog,
    Contact,
    Document,
    Enterprise,
    Membership,
    Organization,
    Project,
    Site,
    Worker,
)
from ..selectors import documents_visible, organizations_of
from ..services.audit import changes_for_reader
from ..services.documents import document_log_access, document_new_revision, document_upload
from ..services.people import CONTACT_FIELDS, worker_create
from ..services.tenancy import (
    invitations_pending,
    membership_add,
    membership_invitation_accept,
    membership_invitation_decline,
    membership_update,
    organization_setup_run,
)
from ..services.tokens import token_create, token_revoke
from ..tenancy import SESSION_KEY, active_memberships
from . import forms as admin_forms
from .columns import BadgeColumn, Column
from .redirects import redirect_next
from .viewsets import (
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    form_data,
)


class SiteViewSet(ScopedModelViewSet):
    model, resource, icon = Site, "site", "site"
    menu_label = _("Sites")
    list_display = ["name", "code", "province", BooleanColumn("is_active", label=_("Active")), UpdatedAtColumn()]
    list_filter = ["is_active", "province"]
    search_fields = ["name", "code", "province"]
    form_fields = ["name", "code", "province", "address", "is_active"]


class EnterpriseViewSet(ScopedModelViewSet):
    model, resource, icon = Enterprise, "enterprise", "group"
    menu_label = _("Enterprises")
    list_display = ["name", "code", "cnss_employer_number", BooleanColumn("is_contractor", label=_("Contractor")), BooleanColumn("is_active", label=_("Active"))]
    list_filter = ["is_contractor", "is_active"]
    search_fields = ["name", "code", "cnss_employer_number"]
    form_fields = ["name", "code", "cnss_employer_number", "is_contractor", "address", "is_active"]


class ProjectViewSet(ScopedModelViewSet):
    model, resource, icon = Project, "project", "folder-open-inverse"
    menu_label = _("Projects")
    list_display = ["name", "code", "site", "enterprise", BooleanColumn("is_active", label=_("Active"))]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    form_fields = ["name", "code", "site", "enterprise", "description", "is_active"]

    def get_queryset(self, request):
        return Project.objects.select_related("site", "enterprise")


class MembershipForm(admin_forms.ScopedAdminForm):
    from django import forms as _f

    user_email = _f.EmailField(label=_("User email"), help_text=_(
        "The user is created if they do not exist yet. Someone who already belongs to another "
        "organization is invited instead: they become a member when they accept."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["user_email"].initial = self.instance.user.email
            self.fields["user_email"].disabled = True


class MembershipViewSet(ScopedModelViewSet):
    model, resource, icon = Membership, "membership", "user"
    menu_label = _("Memberships")
    list_display = ["user", Column("role", label=_("Role"), accessor="get_role_display"), BooleanColumn("is_active", label=_("Active")),
                    Column("invitation", label=_("Invitation"), accessor="get_invitation_display"), UpdatedAtColumn()]
    list_filter = ["role", "is_active", "invitation"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    base_form_class = MembershipForm
    panels = [FieldPanel("user_email"), FieldPanel("role"), FieldPanel("projects"), FieldPanel("is_active")]

    def get_queryset(self, request):
        return Membership.objects.select_related("user", "organization")

    def create_object(self, form, request):
        membership, invited = membership_add(
            organization=get_context().organization, email=form.cleaned_data["user_email"], role=form.cleaned_data["role"],
            projects=form.cleaned_data.get("projects"), actor=request.user,
        )
        if invited:
            messages.info(request, _("%(email)s already belongs to another organization: they are invited and become "
                                     "a member when they accept.") % {"email": membership.user.email})
        return membership

    def update_object(self, instance, form, request):
        return membership_update(instance=instance, data=form_data(form), actor=request.user)


class ContactViewSet(ScopedModelViewSet):
    model, resource, icon = Contact, "contact", "user"
    menu_label = _("Contacts")
    list_display = ["__str__", Column("contact_type", label=_("Type"), accessor="get_contact_type_display"), "email", "phone", "city"]
    list_filter = ["contact_type", "language", "consent_given"]
    search_fields = ["first_name", "last_name", "email", "phone", "medical_record_number"]
    panels = [
        FieldPanel("contact_type"),
        FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        MultiFieldPanel([FieldPanel("address_line1"), FieldPanel("address_line2"),
                         FieldRowPanel([FieldPanel("city"), FieldPanel("province"), FieldPanel("postal_code"), FieldPanel("country")])],
                        heading=_("Address")),
        MultiFieldPanel([FieldPanel("medical_record_number"), FieldRowPanel([FieldPanel("insurance_provider"), FieldPanel("insurance_number")])],
                        heading=_("Medical and insurance")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("language"), FieldPanel("preferred_method")]),
                         FieldRowPanel([FieldPanel("emergency_contact_name"), FieldPanel("emergency_contact_phone")])],
                        heading=_("Communication")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("consent_given"), FieldPanel("consent_date")]), FieldPanel("retention_until")],
                        heading=_("Consent and retention")),
    ]


class WorkerViewSet(ScopedModelViewSet):
    model, resource, icon = Worker, "worker", "user"
    menu_label = _("Workers")
    list_display = [
        "employee_number", Column("name", label=_("Name"), accessor="contact"), "enterprise", "job_title",
        DateColumn("hire_date", label=_("Hired")),
    ]
    # No medical field here (DECISIONS 12): they live in the occupational-health add-on.
    list_filter = ["enterprise", "is_active", "site"]
    search_fields = ["employee_number", "contact__first_name", "contact__last_name", "job_title"]
    base_form_class = admin_forms.WorkerAdminForm
    panels = [
        MultiFieldPanel([FieldPanel("contact"), FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
                         FieldRowPanel([FieldPanel("email"), FieldPanel("phone")])], heading=_("Person")),
        FieldRowPanel([FieldPanel("employee_number"), FieldPanel("enterprise")]),
        FieldPanel("site"),
        FieldRowPanel([FieldPanel("job_title"), FieldPanel("exposure_group")]),
        FieldRowPanel([FieldPanel("date_of_birth"), FieldPanel("hire_date"), FieldPanel("exit_date")]),
        FieldRowPanel([FieldPanel("is_active"), FieldPanel("user")]),
    ]

    def get_queryset(self, request):
        return Worker.objects.select_related("contact", "enterprise")

    def create_object(self, form, request):
        data = form_data(form)
        contact_data = {name: form.cleaned_data.get(name) for name in CONTACT_FIELDS if form.cleaned_data.get(name)}
        if not data.get("contact"):
            data.pop("contact", None)
        return worker_create(organization=get_context().organization, data=data, contact_data=contact_data, user=request.user)


class DocumentInspectView(ScopedInspectView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        document_log_access(document=obj, user=self.request.user)
        return obj


class DocumentViewSet(ScopedModelViewSet):
    model, resource, icon = Document, "document", "doc-full"
    menu_label = _("Documents")
    inspect_view_class = DocumentInspectView
    list_display = [
        "title", Column("document_type", label=_("Type"), accessor="get_document_type_display"), "revision",
        BadgeColumn("privacy_level", label=_("Privacy")),
        Column("approval_status", label=_("Approval"), accessor="get_approval_status_display"), DateColumn("retention_until", label=_("Keep until")),
    ]
    list_filter = ["document_type", "privacy_level", "approval_status", "is_current"]
    search_fields = ["title", "description", "checksum"]
    inspect_view_fields = ["title", "document_type", "file", "file_size", "mime_type", "checksum", "revision", "parent",
                           "privacy_level", "access_logging_required", "approval_status", "approved_by", "approved_at",
                           "retention_until", "worker", "contact", "description", "created_by", "created_at"]
    form_fields = ["title", "document_type", "file", "privacy_level", "encrypted", "access_logging_required",
                   "retention_until", "worker", "contact", "description"]

    def get_queryset(self, request):
        queryset = Document.objects.select_related("worker__contact", "contact")
        return documents_visible(queryset, user=request.user, role=get_context().role)

    def create_object(self, form, request):
        return document_upload(organization=get_context().organization, data=form_data(form), user=request.user)

    def update_object(self, instance, form, request):
        """A new file is a new revision (checksum, size, type, history), never an in-place swap."""
        data = form_data(form)
        uploaded = data.pop("file", None)
        from ..services.records import record_update

        instance = record_update(instance=instance, data=data, user=request.user)
        if "file" in form.changed_data and uploaded:
            return document_new_revision(document=instance, uploaded=uploaded, user=request.user)
        return instance


class ApiTokenViewSet(ScopedModelViewSet):
    model, resource, icon = ApiToken, "apitoken", "key"
    menu_label = _("API tokens")
    inspect_view_enabled = False
    list_display = ["name", "user", Column("role", label=_("Role"), accessor="get_role_display"), "key_prefix",
                    DateColumn("last_used_at", label=_("Last used")), DateColumn("expires_at", label=_("Expires")),
                    DateColumn("revoked_at", label=_("Revoked"))]
    list_filter = ["role"]
    search_fields = ["name", "key_prefix", "user__email"]
    form_fields = ["name", "role", "expires_at"]
    delete_view_class = type("TokenRevokeView", (ScopedModelViewSet.delete_view_class,), {
        "page_title": _("Revoke token"), "success_message": _("Token “%(object)s” revoked."),
    })

    def get_queryset(self, request):
        queryset = ApiToken.objects.select_related("user")
        return queryset if get_context().is_admin() else queryset.filter(user=request.user)

    def create_object(self, form, request):
        token, raw = token_create(
            user=request.user, organization=get_context().organization, name=form.cleaned_data["name"],
            role=form.cleaned_data.get("role") or None, expires_at=form.cleaned_data.get("expires_at"),
        )
        messages.warning(request, format_html(
            "{} <code style='user-select:all'>{}</code>",
            _("Copy the token now, it will not be shown again:"), raw,
        ))
        return token

    def update_object(self, instance, form, request):
        from ..services.records import record_update

        return record_update(instance=instance, data={"name": form.cleaned_data["name"], "expires_at": form.cleaned_data.get("expires_at")}, user=request.user)

    def delete_object(self, instance, request):
        token_revoke(token=instance, user=request.user)


class AuditLogInspectView(ScopedInspectView):
    def get_changes_display_value(self):
        """Values a model keeps from this reader's role are redacted (``changes_for_reader``)."""
        return changes_for_reader(self.object, get_context().role)


class AuditLogViewSet(ScopedModelViewSet):
    """Read-only: the policy never allows add/change/delete on the audit log."""

    model, resource, icon = AuditLog, "auditlog", "history"
    menu_label = _("Audit log")
    list_display = [DateColumn("timestamp", label=_("Time")), "user", "username",
                    Column("action", label=_("Action"), accessor="get_action_display"), "object_repr",
                    BooleanColumn("success", label=_("Success")), "ip_address"]
    list_filter = ["action", "success", "risk_level", "timestamp"]
    search_fields = ["object_repr", "username", "object_id", "user__email"]
    inspect_view_fields = ["timestamp", "user", "username", "action", "content_type", "object_id", "object_repr",
                           "changes", "ip_address", "user_agent", "session_id", "risk_level", "success", "error_message"]
    form_fields = ["action"]
    ordering = ["-timestamp"]
    inspect_view_class = AuditLogInspectView

    def get_queryset(self, request):
        return AuditLog.objects.select_related("user", "content_type")


class OrganizationIndexView(ScopedIndexView):
    def scoped_queryset(self):
        return organizations_of(self.request.user)


class OrganizationEditView(ScopedEditView):
    def scoped_queryset(self):
        """Only the organization the user acts for can be edited."""
        return Organization.objects.filter(pk=getattr(get_context().organization, "pk", None))


class OrganizationViewSet(ScopedModelViewSet):
    model, resource, icon = Organization, "organization", "globe"
    menu_label = _("Organizations")
    index_view_class = OrganizationIndexView
    edit_view_class = OrganizationEditView
    inspect_view_enabled = False
    list_display = ["name", "code", "country", BooleanColumn("is_active", label=_("Active"))]
    search_fields = ["name", "code"]
    form_fields = ["name", "code", "country", "is_active"]

    def create_object(self, form, request):
        """A new organization starts with each add-on's default configuration (superusers only)."""
        organization = super().create_object(form, request)
        organization_setup_run(organization=organization, user=request.user)
        return organization


class CoreViewSetGroup(ViewSetGroup):
    menu_label = _("Organization")
    menu_icon = "globe"
    menu_order = MANIFEST.menu_order  # the manifest orders the admin menu
    items = (OrganizationViewSet, SiteViewSet, ProjectViewSet, EnterpriseViewSet, MembershipViewSet,
             ContactViewSet, WorkerViewSet, DocumentViewSet, ApiTokenViewSet, AuditLogViewSet)


class OrganizationPanel(Component):
    """Dashboard panel: the acting organization, role, projects and a switcher."""

    name = "ohms_organization"
    order = 10
    template_name = "ohms_core/panels/organization.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        ctx = get_context()
        organization = ctx.organization
        memberships = list(active_memberships(self.request.user).order_by("organization__name"))
        projects = []
        counts = {}
        if organization is not None:
            membership_projects = list(ctx.membership.projects.all()) if ctx.membership else []
            projects = membership_projects or list(Project.objects.for_organization(organization).filter(is_active=True))
            counts = Worker.objects.for_organization(organization).aggregate(
                workers=Count("pk"), active=Count("pk", filter=Q(is_active=True))
            )
            counts["documents"] = Document.objects.for_organization(organization).filter(is_current=True).count()
            counts["sites"] = Site.objects.for_organization(organization).count()
        return {
            "organization": organization,
            "role": ctx.membership.get_role_display() if ctx.membership else (_("Superuser") if self.request.user.is_superuser else ""),
            "projects": projects,
            "all_projects": ctx.membership is None or not ctx.membership.projects.exists(),
            "memberships": memberships,
            "invitations": list(invitations_pending(self.request.user)),
            "counts": counts,
            "error": ctx.extra.get("tenancy_error", ""),
            "csrf_token": parent_context.get("csrf_token") if parent_context else None,
            "request": self.request,
        }


@require_POST
def invitation_answer(request, pk, answer):
    """Accept or decline an invitation to another organization (the invited user only).

    The organization the admin acts for does not change: a user who accepts keeps working
    for the organization they were using and switches when they choose to."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from ..exceptions import OhmsError

    if answer not in ("accept", "decline"):
        raise Http404
    membership = get_object_or_404(invitations_pending(request.user), pk=pk)
    current = get_context().organization
    if current is not None and not request.session.get(SESSION_KEY):
        request.session[SESSION_KEY] = str(current.pk)  # keep acting for it once there are two
    try:
        if answer == "accept":
            membership_invitation_accept(membership=membership, user=request.user)
            messages.success(request, _("You are now a member of %(org)s. Use “Switch organization” to act for it.")
                             % {"org": membership.organization.name})
        else:
            membership_invitation_decline(membership=membership, user=request.user)
            messages.success(request, _("Invitation from %(org)s declined.") % {"org": membership.organization.name})
    except OhmsError as exc:
        messages.error(request, exc.message)
    return redirect_next(request, "wagtailadmin_home")


@require_POST
def switch_organization(request):
    """Choose which organization the admin acts for (stored in the session)."""
    organization_id = request.POST.get("organization", "")
    if not active_memberships(request.user).filter(organization_id=organization_id).exists() and not request.user.is_superuser:
        raise PermissionDenied
    request.session[SESSION_KEY] = organization_id
    messages.success(request, _("You now act for this organization."))
    return redirect_next(request, "wagtailadmin_home")


__all__ = ["CoreViewSetGroup", "OrganizationPanel", "switch_organization", "invitation_answer", "HeaderButton"]
