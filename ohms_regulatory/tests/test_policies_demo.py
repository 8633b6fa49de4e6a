"""The policy demo: a tree for the demo organization, policies in English and French, one
waiting for the org admin's approval (submitted by the compliance officer)."""
import io
import random

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import TaskState

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.services.tenancy import membership_upsert

from ..demo.policies import load
from ..models import PolicyAcknowledgement, PolicyPage

pytestmark = pytest.mark.django_db


def test_policy_demo_is_bilingual_with_one_pending_moderation_and_idempotent():
    org = testing.make_organization("SMK", "Société Minière de Kolwezi")
    User = get_user_model()
    admin = User.objects.create_user("admin@ohms.demo", "admin@ohms.demo", "x")
    compliance = User.objects.create_user("conformite@ohms.demo", "conformite@ohms.demo", "x")
    worker = testing.make_user()
    with acting_as(organization=org):
        membership_upsert(organization=org, user=admin, role="org_admin")
        membership_upsert(organization=org, user=compliance, role="compliance_officer")
        membership_upsert(organization=org, user=worker, role="worker")
    with acting_as(organization=org, user=admin):
        summary = load(organization=org, user=admin, rng=random.Random(13))
    assert "3 policies published" in summary and "1 waiting" in summary
    live = PolicyPage.objects.live().filter(organization=org)
    assert sorted(live.values_list("locale__language_code", flat=True)) == ["en"] * 3 + ["fr"] * 3
    assert set(live.filter(locale__language_code="fr").values_list("title", flat=True)) >= {"Permis de travail", "Préservation de l'ouïe"}
    assert set(live.values_list("version", flat=True)) == {1}
    pending = PolicyPage.objects.get(organization=org, slug="personal-protective-equipment")
    assert not pending.live
    state = TaskState.objects.get(workflow_state__object_id=str(pending.pk), status=TaskState.STATUS_IN_PROGRESS)
    assert state.workflow_state.requested_by == compliance
    assert state.task.specific.get_task_states_user_can_moderate(admin).count() == 1
    assert PolicyAcknowledgement.objects.filter(user=compliance).count() == 2  # LOTO targets field roles only
    with acting_as(organization=org, user=admin):
        assert load(organization=org, user=admin, rng=random.Random(13)) == "Regulatory demo: policy pages already present."


def test_demo_command_without_demo_organization_says_so():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("ohms_regulatory_demo", stdout=out)
    assert "no demo organization" in out.getvalue()
