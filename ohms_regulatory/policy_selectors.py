"""Reads of the policy pages: privacy, audience, acknowledgements, the who-has-read report.

One privacy rule (:func:`policy_pages_visible_to`) serves the site, the admin page
querysets (explorer, chooser, search), the API v2 and the dashboard panel.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import get_language
from wagtail.models import Page

from .conf import regulatory_setting
from .models import PolicyAcknowledgement, PolicyIndexPage, PolicyPage
from .models.policies import member_organization_ids


def policy_pages_visible_to(user):
    """Policy pages ``user`` may read: their organizations' pages and public ones."""
    pages = PolicyPage.objects.all()
    if user is not None and getattr(user, "is_superuser", False):
        return pages
    return pages.filter(Q(is_public=True) | Q(organization_id__in=member_organization_ids(user)))


def policy_is_visible(page, user) -> bool:
    if page.is_public or (user is not None and getattr(user, "is_superuser", False)):
        return True
    return page.organization_id in member_organization_ids(user)


def pages_hidden_from(user):
    """Policy-tree pages (indexes and policies) of organizations ``user`` is not a member
    of: taken out of every admin page queryset (explorer, chooser, search)."""
    if user is not None and getattr(user, "is_superuser", False):
        return Page.objects.none()
    orgs = member_organization_ids(user)
    index_ids = PolicyIndexPage.objects.exclude(organization_id__in=orgs).values("pk")
    page_ids = PolicyPage.objects.exclude(organization_id__in=orgs).values("pk")
    return Page.objects.filter(Q(pk__in=index_ids) | Q(pk__in=page_ids))


def policy_current_version(page) -> int:
    """The policy's version: the highest published version among its translations."""
    value = (PolicyPage.objects.filter(translation_key=page.translation_key)
             .aggregate(v=Max("version"))["v"])
    return max(value or 0, page.version)


def _membership(page, user):
    from ohms_core.tenancy import active_memberships

    return active_memberships(user).filter(organization_id=page.organization_id).first()


def _worker(user, organization_id):
    worker = getattr(user, "ohms_worker", None) if hasattr(user, "ohms_worker") else None
    if worker is not None and worker.organization_id == organization_id and not worker.is_deleted:
        return worker
    return None


def policy_in_audience(page, user, *, membership=None) -> bool:
    """Member of the page's organization with one of its roles, at one of its sites, in one
    of its enterprises (each list empty = everyone). Sites and enterprises are the person's
    worker record's."""
    membership = membership or _membership(page, user)
    if membership is None:
        return False
    if page.audience_roles and membership.role not in page.audience_roles:
        return False
    site_ids = {s.pk for s in page.audience_sites.all()}
    enterprise_ids = {e.pk for e in page.audience_enterprises.all()}
    if site_ids or enterprise_ids:
        try:
            worker = _worker(user, page.organization_id)
        except Exception:  # no worker record
            worker = None
        if worker is None:
            return False
        if site_ids and worker.site_id not in site_ids:
            return False
        if enterprise_ids and worker.enterprise_id not in enterprise_ids:
            return False
    return True


def policy_audience_users(page):
    """The people ``page`` targets (active members of its organization, filtered)."""
    membership = Q(ohms_memberships__organization_id=page.organization_id, ohms_memberships__is_active=True,
                   ohms_memberships__is_deleted=False)
    if page.audience_roles:  # one filter(): the role of THIS organization's membership
        membership &= Q(ohms_memberships__role__in=page.audience_roles)
    users = get_user_model().objects.filter(membership, is_active=True)
    site_ids = [s.pk for s in page.audience_sites.all()]
    enterprise_ids = [e.pk for e in page.audience_enterprises.all()]
    if site_ids:
        users = users.filter(ohms_worker__site_id__in=site_ids, ohms_worker__organization_id=page.organization_id)
    if enterprise_ids:
        users = users.filter(ohms_worker__enterprise_id__in=enterprise_ids,
                             ohms_worker__organization_id=page.organization_id)
    return users.distinct().order_by("email")


def policy_acknowledgement_for(page, user):
    return PolicyAcknowledgement.objects.filter(
        translation_key=page.translation_key, policy_version=policy_current_version(page), user=user).first()


def policies_to_read(user, organization):
    """Live policies of ``organization`` targeting ``user`` whose current version they have
    not acknowledged (one entry per policy, in the user's language when translated)."""
    if organization is None or user is None or not user.is_authenticated:
        return []
    membership = _membership_in(user, organization)
    if membership is None:
        return []
    pages = list(PolicyPage.objects.live().filter(organization=organization, version__gt=0)
                 .prefetch_related("audience_sites", "audience_enterprises").select_related("locale")
                 .order_by("title"))
    versions: dict = {}
    for page in pages:
        versions[page.translation_key] = max(versions.get(page.translation_key, 0), page.version)
    read = set(PolicyAcknowledgement.objects.filter(user=user, translation_key__in=versions.keys())
               .values_list("translation_key", "policy_version"))
    language = get_language() or ""
    chosen: dict = {}
    for page in pages:
        key = page.translation_key
        if (key, versions[key]) in read or not policy_in_audience(page, user, membership=membership):
            continue
        best = chosen.get(key)
        if best is None or language.startswith(page.locale.language_code):
            chosen[key] = page
    return sorted(chosen.values(), key=lambda p: p.title)


def _membership_in(user, organization):
    from ohms_core.tenancy import active_memberships

    return active_memberships(user).filter(organization=organization).first()


# --- who has read ---------------------------------------------------------------------------
@dataclass
class ReaderRow:
    user: object
    status: str  # acknowledged | pending | overdue
    acknowledged_at: datetime.datetime | None = None


@dataclass
class PolicyReadReport:
    page: object
    version: int
    due_date: datetime.date | None
    rows: list = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict:
        return {s: self.count(s) for s in ("acknowledged", "pending", "overdue")}


def policy_read_report(page, *, today=None) -> PolicyReadReport:
    """Each person of the audience: acknowledged the current version, pending, or overdue
    (not acknowledged ``POLICY_ACK_OVERDUE_DAYS`` days after the effective date). Three queries."""
    today = today or timezone.localdate()
    version = policy_current_version(page)
    due = (page.effective_date + datetime.timedelta(days=regulatory_setting("POLICY_ACK_OVERDUE_DAYS"))
           if page.effective_date else None)
    acks = {a.user_id: a.acknowledged_at for a in PolicyAcknowledgement.objects.filter(
        translation_key=page.translation_key, policy_version=version)}
    report = PolicyReadReport(page=page, version=version, due_date=due)
    for user in policy_audience_users(page):
        if user.pk in acks:
            report.rows.append(ReaderRow(user, "acknowledged", acks[user.pk]))
        elif due is not None and today > due:
            report.rows.append(ReaderRow(user, "overdue"))
        else:
            report.rows.append(ReaderRow(user, "pending"))
    return report


def policy_read_counts(pages, *, organization, today=None) -> dict:
    """``{page pk: {"acknowledged": n, "pending": n, "overdue": n}}`` for many policies of one
    organization in a fixed number of queries (the report listing): the same rules as
    :func:`policy_read_report`, applied in memory."""
    from ohms_core.models import Membership, Worker

    pages = list(pages)
    if not pages:
        return {}
    today = today or timezone.localdate()
    overdue_days = datetime.timedelta(days=regulatory_setting("POLICY_ACK_OVERDUE_DAYS"))
    keys = {page.translation_key for page in pages}
    versions = dict(PolicyPage.objects.filter(translation_key__in=keys).values("translation_key")
                    .annotate(v=Max("version")).values_list("translation_key", "v"))
    acks: dict = {}
    for key, version, user_id in PolicyAcknowledgement.objects.filter(translation_key__in=keys).values_list(
            "translation_key", "policy_version", "user_id"):
        acks.setdefault((key, version), set()).add(user_id)
    members = {}  # user id -> set of roles (one membership per organization)
    for user_id, role in Membership.objects.filter(organization=organization, is_active=True, user__is_active=True).values_list(
            "user_id", "role"):
        members.setdefault(user_id, set()).add(role)
    workers = {user_id: (site_id, enterprise_id) for user_id, site_id, enterprise_id in Worker.objects.filter(
        organization=organization, user_id__in=members.keys()).values_list("user_id", "site_id", "enterprise_id")}
    counts = {}
    for page in pages:
        version = max(versions.get(page.translation_key) or 0, page.version)
        read = acks.get((page.translation_key, version), set())
        site_ids = {s.pk for s in page.audience_sites.all()}
        enterprise_ids = {e.pk for e in page.audience_enterprises.all()}
        late = page.effective_date is not None and today > page.effective_date + overdue_days
        tally = {"acknowledged": 0, "pending": 0, "overdue": 0}
        for user_id, roles in members.items():
            if page.audience_roles and not roles & set(page.audience_roles):
                continue
            if site_ids or enterprise_ids:
                site_id, enterprise_id = workers.get(user_id, (None, None))
                if (site_ids and site_id not in site_ids) or (enterprise_ids and enterprise_id not in enterprise_ids):
                    continue
            tally["acknowledged" if user_id in read else ("overdue" if late else "pending")] += 1
        counts[page.pk] = tally
    return counts
