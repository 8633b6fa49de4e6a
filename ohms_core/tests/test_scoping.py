"""ohms_core.scoping: the one tenancy filter (organization, then the declared project scope)."""
import pytest

from ohms_core import scoping, testing
from ohms_core.context import acting_as
from ohms_core.models import AuditLog, Event, Membership, Project, Site
from ohms_core.models.audit import AuditLogQuerySet
from ohms_core.models.base import OrganizationQuerySet, SoftDeleteQuerySet

pytestmark = pytest.mark.django_db


def test_one_for_organization_implementation():
    assert SoftDeleteQuerySet.for_organization is OrganizationQuerySet.for_organization
    assert AuditLogQuerySet.for_organization is OrganizationQuerySet.for_organization
    assert "for_organization" not in AuditLogQuerySet.__dict__ and "for_organization" not in SoftDeleteQuerySet.__dict__


def test_organization_filter_for_every_kind_of_model(org_a, org_b):
    mine, theirs = testing.make_site(org_a), testing.make_site(org_b)
    assert list(Site.objects.for_organization(org_a)) == [mine]
    assert not Site.objects.for_organization(None).exists()
    AuditLog.objects.create(organization=org_b, action="view")
    Event.objects.create(organization=org_b, type="x")
    assert not AuditLog.objects.for_organization(org_a).exists()
    assert not Event.objects.for_organization(org_a).exists()
    assert theirs not in Site.objects.for_organization(org_a)


def _membership(user, org):
    return Membership.objects.get(user=user, organization=org)


def test_project_scope_of_a_limited_membership(org_a, org_b):
    p1, p2 = testing.make_project(org_a), testing.make_project(org_a)
    testing.make_project(org_b)
    limited = testing.make_member(org_a, "org_admin", projects=[p1])
    everyone = testing.make_member(org_a, "org_admin")
    with acting_as(user=limited, organization=org_a, membership=_membership(limited, org_a)):
        assert list(scoping.scope_queryset(Project.objects.all())) == [p1]
        assert scoping.allowed_project_ids() == [p1.pk]
    with acting_as(user=everyone, organization=org_a, membership=_membership(everyone, org_a)):
        assert set(scoping.scope_queryset(Project.objects.all())) == {p1, p2}  # no projects: all of them
        assert scoping.allowed_project_ids() is None
    with acting_as(organization=None):
        assert not scoping.scope_queryset(Project.objects.all()).exists()


def test_serializer_organization_overrides_the_context(org_a, org_b):
    theirs = testing.make_site(org_b)
    with acting_as(organization=org_a):
        assert list(scoping.scope_queryset(Site.objects.all(), organization=org_b)) == [theirs]


def test_allowed_project_ids_are_read_once_per_request(org_a, django_assert_num_queries):
    p1 = testing.make_project(org_a)
    limited = testing.make_member(org_a, "org_admin", projects=[p1])
    membership = _membership(limited, org_a)
    with acting_as(user=limited, organization=org_a, membership=membership):
        with django_assert_num_queries(1):
            scoping.allowed_project_ids()
            scoping.allowed_project_ids()
            scoping.to_projects(Project.objects.all(), "pk")  # builds the filter, reads nothing more


def test_related_choices_of_admin_forms_and_serializers_are_scoped(org_a, org_b):
    p1, p2 = testing.make_project(org_a), testing.make_project(org_a)
    limited = testing.make_member(org_a, "org_admin", projects=[p1])
    with acting_as(user=limited, organization=org_a, membership=_membership(limited, org_a)):
        assert list(scoping.scope_choices(Project.objects.all())) == [p1]
        users = scoping.scope_choices(limited.__class__.objects.all())
        assert users.count() == limited.__class__.objects.count()  # users are not a tenant's rows
    assert p2 not in scoping.scope_choices(Project.objects.all(), organization=org_b)


def test_active_members(org_a, org_b):
    member = testing.make_member(org_a, "verifier")
    gone = testing.make_member(org_a, "verifier")
    Membership.objects.filter(user=gone).update(is_active=False)
    other = testing.make_member(org_b, "verifier")
    members = set(scoping.active_members(org_a))
    assert member in members and gone not in members and other not in members
    assert not scoping.active_members(None).exists()
