"""Policy pages (DECISIONS 13): tree per organization, moderation, version, translations."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from wagtail.models import Locale, TaskState, WorkflowPage

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import PolicyIndexPage, PolicyPage
from ..services.policies import (
    policy_create,
    policy_moderate,
    policy_submit,
    policy_translation_create,
    policy_tree_setup,
)
from .factories import make_policy, policy_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    organization = testing.make_organization("ACME")
    policy_tree(organization)
    return organization


@pytest.fixture
def people(org):
    return {
        "admin": testing.make_member(org, "org_admin"),
        "compliance": testing.make_member(org, "compliance_officer"),
        "worker": testing.make_member(org, "worker"),
    }


def test_tree_setup_creates_english_and_french_index_under_the_workflow_idempotently(org):
    with acting_as(organization=org):
        policy_tree_setup(organization=org)  # a second run adds nothing
    indexes = PolicyIndexPage.objects.filter(organization=org)
    assert sorted(indexes.values_list("locale__language_code", flat=True)) == ["en", "fr"]
    assert indexes.filter(live=True).count() == 2
    assert len({i.translation_key for i in indexes}) == 1
    assert WorkflowPage.objects.filter(page__in=indexes, workflow__name="Policy approval").count() == 2
    assert Group.objects.filter(name__startswith="ohms-policies-", name__endswith=str(org.pk)).count() == 2


def test_organization_setup_hook_runs_for_new_organizations():
    from ohms_core.services.tenancy import organization_setup_run

    organization = testing.make_organization("NEWCO")
    assert "ohms_regulatory" in organization_setup_run(organization=organization)
    assert PolicyIndexPage.objects.filter(organization=organization).count() == 2


def test_roles_map_to_page_rights_and_follow_membership_changes(org, people):
    page = make_policy(org)
    compliance, admin, worker = people["compliance"], people["admin"], people["worker"]
    assert page.permissions_for_user(compliance).can_edit()
    assert not page.permissions_for_user(compliance).can_publish()
    assert page.permissions_for_user(admin).can_publish()
    assert not page.permissions_for_user(worker).can_edit()
    from ohms_core.models import Membership
    from ohms_core.services.tenancy import membership_update

    membership = Membership.objects.get(organization=org, user=compliance)
    with acting_as(organization=org):
        membership_update(instance=membership, data={"role": "worker"})
    compliance = type(compliance).objects.get(pk=compliance.pk)
    assert not page.permissions_for_user(compliance).can_edit()


def test_submitted_policy_is_not_live_until_an_org_admin_approves_then_version_bumps(org, people):
    page = make_policy(org, user=people["compliance"])
    policy_submit(page=page, user=people["compliance"])
    page.refresh_from_db()
    assert not page.live and page.version == 0
    assert page.workflow_in_progress

    other_org = testing.make_organization("OTHER")
    other_admin = testing.make_member(other_org, "org_admin")
    for refused in (people["compliance"], people["worker"], other_admin):
        with pytest.raises(PermissionDenied):
            policy_moderate(page=page, user=refused, approve=True)
    page.refresh_from_db()
    assert not page.live

    policy_moderate(page=page, user=people["admin"], approve=True)
    page.refresh_from_db()
    assert page.live and page.version == 1

    # a second publication through moderation is version 2
    page.summary = "Revised"
    page.save_revision(user=people["compliance"])
    policy_submit(page=page, user=people["compliance"])
    page.refresh_from_db()
    assert page.live and page.version == 1 and page.summary == ""  # the live page is still version 1
    policy_moderate(page=page, user=people["admin"], approve=True)
    page.refresh_from_db()
    assert page.version == 2 and page.summary == "Revised"


def test_rejection_keeps_the_policy_offline_with_the_comment(org, people):
    page = make_policy(org, user=people["compliance"])
    policy_submit(page=page, user=people["compliance"])
    policy_moderate(page=page, user=people["admin"], approve=False, comment="Add the LOTO steps")
    page.refresh_from_db()
    assert not page.live and page.version == 0
    state = TaskState.objects.get(workflow_state__object_id=str(page.pk))
    assert state.status == TaskState.STATUS_REJECTED
    assert state.comment == "Add the LOTO steps"


def test_approval_task_is_offered_only_to_the_admins_of_the_page_organization(org, people):
    page = make_policy(org)
    policy_submit(page=page, user=people["compliance"])
    task = page.current_workflow_task
    other_admin = testing.make_member(testing.make_organization("OTH2"), "org_admin")
    assert task.get_task_states_user_can_moderate(people["admin"]).count() == 1
    assert task.get_task_states_user_can_moderate(other_admin).count() == 0
    assert task.get_actions(page, other_admin) == []


def test_french_translation_shares_the_policy_and_its_version(org, people):
    page = make_policy(org)
    page.get_latest_revision().publish()
    page.refresh_from_db()
    french = policy_translation_create(page=page, language="fr", user=people["compliance"])
    assert french.locale == Locale.objects.get(language_code="fr")
    assert french.translation_key == page.translation_key
    assert french.get_parent().specific.organization_id == org.pk
    assert not french.live
    french.get_latest_revision().publish()
    french.refresh_from_db()
    page.refresh_from_db()
    assert (page.version, french.version) == (1, 1)  # a translation takes the policy's version


def test_policy_create_keeps_the_organization_of_its_tree(org):
    index = PolicyIndexPage.objects.get(organization=org, locale__language_code="en")
    page = policy_create(index=index, title="Hearing conservation", body=[])
    assert PolicyPage.objects.get(pk=page.pk).organization_id == org.pk
