"""Writes of the policy pages (DECISIONS 13): the organization's tree and its moderation,
the editors' rights, publication (version bump), acknowledgements, translations, reminders.

Page rights come from Wagtail groups per organization, kept equal to core memberships by
:func:`policy_groups_sync_user` (run whenever a membership is saved): compliance officers
and safety managers edit and submit, org admins also publish. Approval of a submitted
revision is the :class:`~ohms_regulatory.models.PolicyApprovalTask`, which checks core
memberships itself (an org admin of the page's organization).
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import (
    GroupPagePermission,
    Locale,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from ohms_core import events
from ohms_core.roles import Role
from ohms_core.services.records import record_create

from ..conf import regulatory_setting
from ..models import (
    PolicyAcknowledgement,
    PolicyApprovalTask,
    PolicyIndexPage,
    PolicyPage,
    PolicyReminder,
)

WORKFLOW_NAME = "Policy approval"
TASK_NAME = "Org admin approval"
LANGUAGES = ("en", "fr")
#: Role -> the page permissions it gets on its organization's policy tree.
EDITOR_ROLES = (Role.COMPLIANCE_OFFICER, Role.SAFETY_MANAGER)
APPROVER_ROLES = (Role.ORG_ADMIN,)
EDITOR_PERMISSIONS = ("add_page", "change_page")
#: Approvers need "publish": Wagtail publishes an approved revision as the approving user.
APPROVER_PERMISSIONS = ("add_page", "change_page", "publish_page")
GROUP_PREFIX = "ohms-policies-"
REVIEW_DUE_EVENT = "regulatory.policy.review_due"


# --- tree, workflow, groups ---------------------------------------------------------------
def _locale(code: str) -> Locale:
    return Locale.objects.get_or_create(language_code=code)[0]


def _site_root() -> Page:
    """The default site's root page; created (with the tree's root and the site) on a
    database where Wagtail's initial pages are missing (a flushed test database)."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=_locale(settings.LANGUAGE_CODE[:2]), live=True))
    home = root.get_children().first()
    if home is None:
        home = root.add_child(instance=Page(title="OHMS", slug="home", locale=root.locale, live=True))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="OHMS")
    return home


def _translated(page: Page, locale: Locale) -> Page:
    """``page`` in ``locale``, created (and published) when missing, with its parents."""
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing
    copy = page.copy_for_translation(locale, copy_parents=True)
    copy.save_revision().publish()
    return copy


def policy_workflow() -> Workflow:
    """The one "Policy approval" workflow (a single task that checks tenancy itself)."""
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = PolicyApprovalTask.objects.filter(name=TASK_NAME).first() or PolicyApprovalTask.objects.create(name=TASK_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow


def _group(organization, kind: str) -> Group:
    return Group.objects.get_or_create(name=f"{GROUP_PREFIX}{kind}-{organization.pk}")[0]


def _grant(group: Group, page: Page, codenames) -> None:
    for codename in codenames:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def policy_index_for(organization, language: str = "en"):
    return PolicyIndexPage.objects.filter(organization=organization, locale__language_code=language).first()


@transaction.atomic
def policy_tree_setup(*, organization, user=None) -> PolicyIndexPage:
    """The organization's policy tree in English and French, under the moderation workflow,
    with its editors' and approvers' rights. Idempotent (organization setup hook)."""
    default = _locale(settings.LANGUAGE_CODE[:2])
    locales = [_locale(code) for code in LANGUAGES]
    index = PolicyIndexPage.objects.filter(organization=organization, locale=default).first()
    if index is None:
        home = _site_root()
        index = PolicyIndexPage(title=_("Policies — %(name)s") % {"name": organization.name},
                                slug=slugify(organization.code) or str(organization.pk)[:8],
                                organization=organization, locale=home.locale)
        home.add_child(instance=index)
        index.save_revision(user=user).publish(user=user, skip_permission_checks=True)
    workflow = policy_workflow()
    editors, approvers = _group(organization, "editors"), _group(organization, "approvers")
    for locale in locales:
        page = index if locale.pk == index.locale_id else _translated(index, locale)
        WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})
        _grant(editors, page, EDITOR_PERMISSIONS)
        _grant(approvers, page, APPROVER_PERMISSIONS)
    from ohms_core.models import Membership

    for membership in Membership.objects.filter(organization=organization).select_related("user"):
        policy_groups_sync_user(user=membership.user)
    return index


def organization_setup(*, organization, user=None) -> None:
    """Manifest hook: what a new organization starts with."""
    policy_tree_setup(organization=organization, user=user)


def policy_groups_sync_user(*, user) -> None:
    """The user's policy groups equal their active memberships' roles (derived data: run on
    every membership save, so a demoted or removed member loses the page rights at once)."""
    from ohms_core.tenancy import active_memberships

    wanted = set()
    for membership in active_memberships(user):
        if membership.role in EDITOR_ROLES:
            wanted.add(f"{GROUP_PREFIX}editors-{membership.organization_id}")
        if membership.role in APPROVER_ROLES:
            wanted.add(f"{GROUP_PREFIX}approvers-{membership.organization_id}")
    current = set(user.groups.filter(name__startswith=GROUP_PREFIX).values_list("name", flat=True))
    if current - wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    if wanted - current:
        user.groups.add(*Group.objects.filter(name__in=wanted - current))


# --- authoring (demo, tests, integrations) ---------------------------------------------------
def policy_create(*, index: PolicyIndexPage, title: str, user=None, body=(), **fields) -> PolicyPage:
    """A draft policy under ``index`` (not live: it goes live through moderation)."""
    sites = fields.pop("audience_sites", ())
    enterprises = fields.pop("audience_enterprises", ())
    page = PolicyPage(title=title, slug=fields.pop("slug", None) or slugify(title)[:80], live=False,
                      organization_id=index.organization_id, policy_owner=fields.pop("policy_owner", user), body=list(body), **fields)
    index.add_child(instance=page)
    page.audience_sites.set(sites)
    page.audience_enterprises.set(enterprises)
    page.save_revision(user=user)
    return page


def policy_submit(*, page: PolicyPage, user) -> None:
    """Submit the latest revision for approval (what the editor's "Submit" button does)."""
    if page.workflow_in_progress:
        return
    if page.get_latest_revision() is None:
        page.save_revision(user=user)
    page.get_workflow().start(page, user)


def policy_moderate(*, page: PolicyPage, user, approve: bool, comment: str = "") -> None:
    """Approve (publishes) or reject (with a comment) the task in progress, as ``user``."""
    from django.core.exceptions import PermissionDenied

    state = page.current_workflow_task_state
    if state is None:
        raise PermissionDenied(_("This policy is not awaiting approval."))
    task = state.task.specific
    actions = {name for name, _label, _modal in task.get_actions(page, user)}
    action = "approve" if approve else "reject"
    if action not in actions:
        raise PermissionDenied(_("Only an org admin of the policy's organization may approve or reject it."))
    task.on_action(state, user, action, comment=comment)


def policy_translation_create(*, page: PolicyPage, language: str, user=None) -> PolicyPage:
    """A draft translation of ``page`` (its index translated first), to be moderated."""
    locale = _locale(language)
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing
    parent = page.get_parent()
    _translated(parent, locale)
    copy = page.copy_for_translation(locale)
    copy.save_revision(user=user)
    return copy


def policy_published(*, page: PolicyPage) -> int:
    """A publication: the source language bumps the policy's version (a new version needs
    new acknowledgements); a translation takes the policy's current version."""
    with transaction.atomic():
        locked = PolicyPage.objects.select_for_update().get(pk=page.pk)
        siblings = PolicyPage.objects.filter(translation_key=locked.translation_key)
        highest = siblings.aggregate(v=Max("version"))["v"] or 0
        is_source = locked.locale.language_code == settings.LANGUAGE_CODE[:2] or not siblings.exclude(pk=locked.pk).filter(
            locale__language_code=settings.LANGUAGE_CODE[:2]).exists()
        version = highest + 1 if is_source else max(highest, 1)
        PolicyPage.objects.filter(pk=locked.pk).update(version=version)  # a page: no BaseModel history
        page.version = version
    return version


# --- acknowledgements ---------------------------------------------------------------------
def policy_acknowledge(*, page: PolicyPage, user) -> PolicyAcknowledgement:
    """Record that ``user`` read the policy's current version; a second call returns the
    same row (one per person and version)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from ..policy_selectors import policy_current_version, policy_in_audience

    if not page.live:
        raise ValidationError({"page": [_("This policy is not published.")]})
    if not policy_in_audience(page, user):
        raise PermissionDenied(_("This policy does not concern you."))
    version = policy_current_version(page)
    existing = PolicyAcknowledgement.objects.filter(translation_key=page.translation_key, policy_version=version,
                                                    user=user).first()
    if existing is not None:
        return existing
    try:
        return record_create(model=PolicyAcknowledgement, organization=page.organization, user=user, data={
            "translation_key": page.translation_key, "page": page, "policy_version": version, "user": user,
            "acknowledged_at": timezone.now()})
    except IntegrityError:  # a concurrent click: the other request recorded it
        return PolicyAcknowledgement.objects.get(translation_key=page.translation_key, policy_version=version, user=user)


# --- reminders ----------------------------------------------------------------------------
def policy_reminders_send(*, today: datetime.date | None = None) -> int:
    """Before a live policy's review date (``POLICY_REVIEW_REMINDER_DAYS``): remind its owner
    to review it and every person of its audience who has not acknowledged the current
    version. One reminder per person, policy, review date and kind: a second run sends
    nothing (idempotent periodic job)."""
    from ..policy_selectors import policy_read_report

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=regulatory_setting("POLICY_REVIEW_REMINDER_DAYS"))
    pages = (PolicyPage.objects.live().filter(review_date__isnull=False, review_date__gte=today,
                                               review_date__lte=horizon, version__gt=0)
             .select_related("organization", "policy_owner", "locale"))
    seen, sent = set(), 0
    for page in pages:
        if page.translation_key in seen:  # one reminder per policy, whatever its languages
            continue
        seen.add(page.translation_key)
        recipients = []
        if page.policy_owner_id and page.policy_owner.is_active:
            recipients.append((page.policy_owner, PolicyReminder.Kind.OWNER))
        recipients += [(row.user, PolicyReminder.Kind.READER) for row in policy_read_report(page, today=today).rows
                       if row.status != "acknowledged"]
        fresh = []
        for person, kind in recipients:
            if PolicyReminder.objects.filter(translation_key=page.translation_key, review_date=page.review_date,
                                             user=person, kind=kind).exists():
                continue
            try:
                with transaction.atomic():
                    record_create(model=PolicyReminder, organization=page.organization, user=None, data={
                        "translation_key": page.translation_key, "review_date": page.review_date,
                        "user": person, "kind": kind})
            except IntegrityError:
                continue
            fresh.append({"user": person.pk, "kind": str(kind)})
        if fresh:
            with transaction.atomic():
                events.emit(REVIEW_DUE_EVENT, page, actor=None, organization=page.organization, data={
                    "title": page.title, "review_date": page.review_date.isoformat(), "version": page.version,
                    "recipients": fresh})
            sent += len(fresh)
    return sent


def notify_review_due(event) -> int:
    """Event subscriber: each reminded person gets an in-app notification (owner: review the
    policy; reader: acknowledge it)."""
    from django.contrib.auth import get_user_model

    from ohms_core.services.notifications import notification_create

    data = event.data
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[r["user"] for r in data.get("recipients", [])])}
    page = PolicyPage.objects.filter(pk=event.object_id).first() if str(event.object_id).isdigit() else None
    link = page.url if page is not None else ""
    kinds: dict = {}
    for recipient in data.get("recipients", []):
        kinds.setdefault(recipient["user"], set()).add(recipient["kind"])
    created = 0
    for user_id, user_kinds in kinds.items():  # one notification per person (an owner may also be a reader)
        user = users.get(user_id)
        if user is None:
            continue
        if PolicyReminder.Kind.OWNER in user_kinds:
            title = _("Policy to review by %(date)s: %(title)s") % {"date": data.get("review_date"), "title": data.get("title")}
        else:
            title = _("Policy to read and acknowledge: %(title)s") % {"title": data.get("title")}
        if notification_create(user=user, event=event, title=title[:255], message="", link=link or "",
                               per_event=True) is not None:
            created += 1
    return created
