"""Policy pages (DECISIONS 13): an organization's policy tree, published through moderation.

* :class:`PolicyIndexPage` is the root of one organization's tree (one per organization and
  language); :class:`PolicyPage` is a policy, with a StreamField body, dates, owner, the
  published ``version`` and its audience. French and English versions are Wagtail
  translations (same ``translation_key``).
* Pages are private to the members of their organization unless ``is_public``: the check
  is in ``serve()`` (the site), the page queryset hooks (admin explorer, chooser, search)
  and the API v2 viewset, all through :func:`policy_pages_visible_to`.
* :class:`PolicyApprovalTask` is the moderation step: the approver must be an org admin of
  the page's organization (core memberships), so tenancy holds without Wagtail groups.
* :class:`PolicyAcknowledgement`: who has read which version (one row per person and version).
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page, Task, TaskState
from wagtail.search import index

from ohms_core.blocks import DocumentChooserBlock
from ohms_core.models.base import BaseModel
from ohms_core.roles import Role


# --- body blocks ---------------------------------------------------------------------------
class KeyRuleBlock(blocks.StructBlock):
    """A rule the reader must not miss (a life-saving rule), shown as a framed callout."""

    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Rule"))

    class Meta:
        icon = "warning"
        label = _("Key rule")
        template = "ohms_regulatory/policy_block_key_rule.html"


class ImageBlock(blocks.StructBlock):
    """An image from our document library (Wagtail's own image library is closed): served
    through the access-checked download route, with a required text alternative."""

    document = DocumentChooserBlock(label=_("Image file"))
    alt = blocks.CharBlock(label=_("Text alternative"), max_length=200)
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "ohms_regulatory/policy_block_image.html"


class ListBlock(blocks.StructBlock):
    ordered = blocks.BooleanBlock(label=_("Numbered"), required=False)
    items = blocks.ListBlock(blocks.CharBlock(label=_("Item")), label=_("Items"))

    class Meta:
        icon = "list-ul"
        label = _("List")
        template = "ohms_regulatory/policy_block_list.html"


POLICY_BODY_BLOCKS = [
    ("heading", blocks.CharBlock(label=_("Heading"), form_classname="title", template="ohms_regulatory/policy_block_heading.html")),
    ("paragraph", blocks.RichTextBlock(label=_("Paragraph"), features=["bold", "italic", "link", "ol", "ul"])),
    ("list", ListBlock()),
    ("image", ImageBlock()),
    ("document", DocumentChooserBlock(label=_("Document"))),
    ("key_rule", KeyRuleBlock()),
]


# --- privacy -------------------------------------------------------------------------------
def member_organization_ids(user) -> set:
    """Organizations ``user`` is an active member of (cached on the user for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_ohms_policy_org_ids", None)
    if cached is None:
        from ohms_core.tenancy import active_memberships

        cached = set(active_memberships(user).values_list("organization_id", flat=True))
        user._ohms_policy_org_ids = cached
    return cached


def _private_page_refusal(request, page):
    """Anonymous readers are sent to log in; a logged-in non-member gets 404 (the page's
    existence is not disclosed to another organization)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login
        from django.urls import reverse

        return redirect_to_login(request.get_full_path(), login_url=reverse("wagtailadmin_login"))  # the one login page
    raise Http404


# --- pages ---------------------------------------------------------------------------------
class PolicyIndexPage(Page):
    """The root of one organization's policy tree (in one language)."""

    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+", editable=False)
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["ohms_regulatory.PolicyPage"]
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("policy index")
        verbose_name_plural = _("policy indexes")

    def serve(self, request, *args, **kwargs):
        if self.organization_id not in member_organization_ids(request.user) and not request.user.is_superuser:
            return _private_page_refusal(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from ..policy_selectors import policy_pages_visible_to

        context["policies"] = (policy_pages_visible_to(request.user).child_of(self).live()
                               .order_by("title"))
        query = request.GET.get("q", "").strip()[:200]
        context["query"] = query
        if query:
            # Only this tree (the reader is a member: serve() checked), never another organization's.
            context["results"] = (PolicyPage.objects.live().filter(organization_id=self.organization_id,
                                                                   locale_id=self.locale_id).search(query))
        return context


class PolicyPageForm(WagtailAdminPageForm):
    """Audience choices limited to the page's organization; roles as checkboxes."""

    audience_roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, required=False,
                                               widget=forms.CheckboxSelectMultiple,
                                               help_text=_("Leave empty for every role."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ohms_core.models import Enterprise, Site

        organization_id = self.instance.organization_id
        if organization_id is None and self.parent_page is not None:
            parent = self.parent_page.specific
            organization_id = getattr(parent, "organization_id", None)
        for name, model in (("audience_sites", Site), ("audience_enterprises", Enterprise)):
            if name in self.fields:
                self.fields[name].queryset = model.objects.filter(organization_id=organization_id)
        if "policy_owner" in self.fields:
            from django.contrib.auth import get_user_model

            self.fields["policy_owner"].queryset = get_user_model().objects.filter(
                ohms_memberships__organization_id=organization_id, ohms_memberships__is_active=True,
                ohms_memberships__is_deleted=False).distinct()


class PolicyPage(Page):
    """One policy. ``version`` counts publications (0: never published); a reader
    acknowledges a version, and a new version needs a new acknowledgement."""

    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+", editable=False, null=True)
    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(POLICY_BODY_BLOCKS, verbose_name=_("body"), blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    #: The person responsible for the policy (Wagtail's own ``owner`` is the page's creator).
    policy_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=0, editable=False,
                                          help_text=_("Bumped on each publication."))
    audience_roles = models.JSONField(_("audience: roles"), default=list, blank=True)
    audience_sites = ParentalManyToManyField("ohms_core.Site", verbose_name=_("audience: sites"), blank=True,
                                             related_name="+")
    audience_enterprises = ParentalManyToManyField("ohms_core.Enterprise", verbose_name=_("audience: enterprises"),
                                                   blank=True, related_name="+")
    is_public = models.BooleanField(_("public"), default=False,
                                    help_text=_("Readable by anyone, without logging in. Private by default."))

    base_form_class = PolicyPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel([FieldRowPanel([FieldPanel("effective_date"), FieldPanel("review_date")]), FieldPanel("policy_owner")],
                        heading=_("Dates and owner")),
        MultiFieldPanel([FieldPanel("audience_roles"), FieldPanel("audience_sites"),
                         FieldPanel("audience_enterprises"), FieldPanel("is_public")], heading=_("Audience")),
    ]
    parent_page_types = ["ohms_regulatory.PolicyIndexPage"]
    subpage_types: list = []
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body"),
                     index.FilterField("organization_id"), index.FilterField("is_public"), index.FilterField("locale_id")]
    api_fields = [APIField("summary"), APIField("body"), APIField("effective_date"), APIField("review_date"),
                  APIField("version"), APIField("is_public"), APIField("audience_roles")]

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def save(self, *args, **kwargs):
        # The organization is the tree's: copied from the index so every privacy filter is
        # one indexed column, never a tree walk.
        if self.organization_id is None:
            parent = self.get_parent() if self.pk or self.path else None
            parent = parent.specific if parent is not None else None
            self.organization_id = getattr(parent, "organization_id", None)
        return super().save(*args, **kwargs)

    def with_content_json(self, content):
        """A revision never carries the version back: it is the live count of publications."""
        obj = super().with_content_json(content)
        obj.version = self.version
        return obj

    def serve(self, request, *args, **kwargs):
        from ..policy_selectors import policy_is_visible

        if not policy_is_visible(self, request.user):
            return _private_page_refusal(request, self)
        if request.method == "POST":
            return self._acknowledge(request)
        return super().serve(request, *args, **kwargs)

    def _acknowledge(self, request):
        """The Acknowledge button (POST, CSRF-checked by the middleware)."""
        from django.contrib import messages

        from ..services.policies import policy_acknowledge

        if not request.user.is_authenticated:
            raise Http404
        policy_acknowledge(page=self, user=request.user)
        messages.success(request, _("Thank you: your acknowledgement of version %(v)s is recorded.") % {"v": self.version})
        return redirect(self.url or "/")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from ..policy_selectors import policy_acknowledgement_for, policy_in_audience

        user = request.user
        context["in_audience"] = user.is_authenticated and policy_in_audience(self, user)
        context["acknowledgement"] = policy_acknowledgement_for(self, user) if user.is_authenticated else None
        context["translations"] = self.get_translations().live()
        return context


# --- moderation ----------------------------------------------------------------------------
class PolicyApprovalTask(Task):
    """Approval by an org admin of the page's own organization (core memberships): an org
    admin of another organization can neither see nor act on the task."""

    def _can_approve(self, obj, user) -> bool:
        if user.is_superuser:
            return True
        organization_id = getattr(getattr(obj, "specific", obj), "organization_id", None)
        if organization_id is None:
            return False
        from ohms_core.tenancy import active_memberships

        cache = getattr(user, "_ohms_policy_approver_orgs", None)
        if cache is None:
            cache = set(active_memberships(user).filter(role=Role.ORG_ADMIN).values_list("organization_id", flat=True))
            user._ohms_policy_approver_orgs = cache
        return organization_id in cache

    def user_can_access_editor(self, obj, user):
        return self._can_approve(obj, user)

    def locked_for_user(self, obj, user):
        return not self._can_approve(obj, user)

    def user_can_lock(self, obj, user):
        return self._can_approve(obj, user)

    def user_can_unlock(self, obj, user):
        return False

    def get_actions(self, obj, user):
        if self._can_approve(obj, user):
            return [
                ("reject", _("Request changes"), True),
                ("approve", _("Approve and publish"), False),
                ("approve", _("Approve with comment"), True),
            ]
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser:
            return states
        from ohms_core.tenancy import active_memberships

        organizations = active_memberships(user).filter(role=Role.ORG_ADMIN).values("organization_id")
        page_ids = [str(pk) for pk in PolicyPage.objects.filter(organization_id__in=organizations).values_list("pk", flat=True)]
        return states.filter(workflow_state__object_id__in=page_ids)

    @classmethod
    def get_description(cls):
        return _("An org admin of the policy's organization approves it")

    class Meta:
        verbose_name = _("policy approval task")
        verbose_name_plural = _("policy approval tasks")


# --- acknowledgements and reminders --------------------------------------------------------
class PolicyAcknowledgement(BaseModel):
    """A person has read a version of a policy (in any of its languages)."""

    translation_key = models.UUIDField(_("policy"), db_index=True, editable=False)
    page = models.ForeignKey(PolicyPage, verbose_name=_("page read"), on_delete=models.CASCADE, related_name="acknowledgements",
                             editable=False)
    policy_version = models.PositiveIntegerField(_("policy version"), editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                             related_name="+", editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), default=timezone.now, editable=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("policy acknowledgement")
        verbose_name_plural = _("policy acknowledgements")
        ordering = ["-acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["translation_key", "policy_version", "user"],
                                               condition=Q(is_deleted=False), name="policy_ack_once_per_version")]

    def __str__(self):
        return f"{self.user} — {self.page.title} v{self.policy_version}"


class PolicyReminder(BaseModel):
    """A review reminder sent: at most one per person, policy, review date and kind."""

    class Kind(models.TextChoices):
        OWNER = "owner", _("Owner: review due")
        READER = "reader", _("Reader: not acknowledged")

    translation_key = models.UUIDField(_("policy"), db_index=True, editable=False)
    review_date = models.DateField(_("review date"), editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                             related_name="+", editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, editable=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("policy reminder")
        verbose_name_plural = _("policy reminders")
        constraints = [models.UniqueConstraint(fields=["translation_key", "review_date", "user", "kind"],
                                               name="policy_reminder_once")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.user} ({self.review_date})"
