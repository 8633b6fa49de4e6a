"""Acknowledgements (one per person and version), the who-has-read report, its Excel
export, the dashboard panel, the REST endpoint and the review reminders."""
from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import AuditLog, Event, Notification

from ..models import PolicyAcknowledgement, PolicyReminder
from ..policy_selectors import policies_to_read, policy_in_audience, policy_read_report
from ..services.policies import policy_acknowledge, policy_reminders_send
from .factories import make_live_policy, policy_tree

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def org():
    organization = testing.make_organization("ACK")
    policy_tree(organization)
    return organization


@pytest.fixture
def people(org):
    return {
        "admin": testing.make_member(org, "org_admin"),
        "compliance": testing.make_member(org, "compliance_officer"),
        "worker": testing.make_member(org, "worker"),
        "worker2": testing.make_member(org, "worker"),
        "issuer": testing.make_member(org, "issuer"),
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _republish(page):
    page.summary = f"{page.summary} revised"
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_acknowledgement_is_one_per_person_and_version(org, people):
    page = make_live_policy(org)
    first = policy_acknowledge(page=page, user=people["worker"])
    assert policy_acknowledge(page=page, user=people["worker"]).pk == first.pk
    assert first.policy_version == 1 and first.translation_key == page.translation_key
    assert PolicyAcknowledgement.objects.filter(user=people["worker"]).count() == 1
    _republish(page)
    assert page.version == 2
    assert page in policies_to_read(people["worker"], org)  # a new version needs a new acknowledgement
    second = policy_acknowledge(page=page, user=people["worker"])
    assert second.pk != first.pk and second.policy_version == 2
    assert page not in policies_to_read(people["worker"], org)


def test_the_french_version_is_acknowledged_as_the_same_policy(org, people):
    from ..services.policies import policy_translation_create

    page = make_live_policy(org)
    french = policy_translation_create(page=page, language="fr")
    french.save_revision().publish()
    french.refresh_from_db()
    policy_acknowledge(page=french, user=people["worker"])
    assert policy_read_report(page).count("acknowledged") == 5 - 4  # the worker, through the French page
    assert policies_to_read(people["worker"], org) == []


def test_audience_by_role_site_and_enterprise(org, people):
    page = make_live_policy(org, audience_roles=["worker", "issuer"])
    assert policy_in_audience(page, people["worker"]) and policy_in_audience(page, people["issuer"])
    assert not policy_in_audience(page, people["compliance"])
    with pytest.raises(PermissionDenied):
        policy_acknowledge(page=page, user=people["compliance"])
    site, other_site = testing.make_site(org), testing.make_site(org)
    enterprise = testing.make_enterprise(org)
    with acting_as(organization=org):
        testing.make_worker(org, enterprise=enterprise, site=site, user=people["worker"])
        testing.make_worker(org, enterprise=enterprise, site=other_site, user=people["worker2"])
    scoped = make_live_policy(org, audience_sites=[site], audience_enterprises=[enterprise])
    assert policy_in_audience(scoped, people["worker"])
    assert not policy_in_audience(scoped, people["worker2"])
    assert not policy_in_audience(scoped, people["admin"])  # no worker record at that site
    assert [row.user for row in policy_read_report(scoped).rows] == [people["worker"]]
    outsider = testing.make_member(testing.make_organization("OUT"), "worker")
    assert not policy_in_audience(page, outsider)
    # a compliance officer here who is an issuer elsewhere is not in an issuers' audience here
    elsewhere = testing.make_organization("ELSE")
    with acting_as(organization=elsewhere):
        from ohms_core.services.tenancy import membership_upsert

        membership_upsert(organization=elsewhere, user=people["compliance"], role="issuer")
    assert people["compliance"] not in [row.user for row in policy_read_report(page).rows]


def test_report_counts_acknowledged_pending_and_overdue(org, people):
    page = make_live_policy(org, effective_date=TODAY - datetime.timedelta(days=30))
    policy_acknowledge(page=page, user=people["worker"])
    report = policy_read_report(page)
    assert report.version == 1 and report.due_date == page.effective_date + datetime.timedelta(days=14)
    assert report.counts == {"acknowledged": 1, "pending": 0, "overdue": 4}
    recent = make_live_policy(org, effective_date=TODAY)
    policy_acknowledge(page=recent, user=people["admin"])
    assert policy_read_report(recent).counts == {"acknowledged": 1, "pending": 4, "overdue": 0}
    with override_settings(OHMS_POLICY_ACK_OVERDUE_DAYS=60):
        assert policy_read_report(page).counts == {"acknowledged": 1, "pending": 4, "overdue": 0}


def test_bulk_counts_agree_with_the_report(org, people):
    from ..policy_selectors import policy_read_counts

    site = testing.make_site(org)
    with acting_as(organization=org):
        testing.make_worker(org, enterprise=testing.make_enterprise(org), site=site, user=people["worker"])
    pages = [make_live_policy(org, effective_date=TODAY - datetime.timedelta(days=30)),
             make_live_policy(org, audience_roles=["worker", "issuer"]),
             make_live_policy(org, audience_sites=[site])]
    policy_acknowledge(page=pages[0], user=people["issuer"])
    policy_acknowledge(page=pages[1], user=people["worker"])
    counts = policy_read_counts(pages, organization=org)
    assert counts == {page.pk: policy_read_report(page).counts for page in pages}
    assert counts[pages[2].pk] == {"acknowledged": 0, "pending": 1, "overdue": 0}


def test_report_screen_and_excel_export(org, people):
    page = make_live_policy(org, title="Lockout tagout", effective_date=TODAY - datetime.timedelta(days=30))
    policy_acknowledge(page=page, user=people["worker"])
    client = _client(people["compliance"])
    screen = client.get(reverse("ohms_policy_report", args=[page.pk]))
    assert screen.status_code == 200 and "Lockout tagout" in screen.content.decode()
    listing = client.get(reverse("ohms_policy_list"))
    assert listing.status_code == 200 and "Lockout tagout" in listing.content.decode()
    export = client.get(reverse("ohms_policy_report_xlsx", args=[page.pk]))
    assert export.status_code == 200
    assert export["Content-Disposition"].endswith('-v1-readers.xlsx"')
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    statuses = [row[2] for row in rows[4:]]
    assert sorted(statuses) == ["acknowledged", "overdue", "overdue", "overdue", "overdue"]
    assert AuditLog.objects.filter(action="export", object_repr__startswith="policy read report").count() == 1
    # a worker may not see who has read
    assert _client(people["worker"]).get(reverse("ohms_policy_report", args=[page.pk])).status_code in (302, 403)


def test_report_listing_queries_do_not_grow_with_policies(org, people, django_assert_max_num_queries):
    client = _client(people["compliance"])
    make_live_policy(org)
    client.get(reverse("ohms_policy_list"))
    with django_assert_max_num_queries(60) as first:
        client.get(reverse("ohms_policy_list"))
    for _ in range(3):
        make_live_policy(org)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("ohms_policy_list"))
    assert response.status_code == 200


def test_dashboard_panel_and_acknowledge_button(org, people):
    page = make_live_policy(org, title="Hearing conservation")
    client = _client(people["worker"])
    dashboard = client.get("/admin/")
    assert "Policies to read" in dashboard.content.decode() and "Hearing conservation" in dashboard.content.decode()
    body = client.get(page.url).content.decode()
    assert 'name="csrfmiddlewaretoken"' in body and "Acknowledge" in body
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(people["worker"])
    assert csrf_client.post(page.url).status_code == 403  # no CSRF token, no acknowledgement
    assert not PolicyAcknowledgement.objects.exists()
    response = client.post(page.url)
    assert response.status_code == 302
    assert PolicyAcknowledgement.objects.filter(user=people["worker"], policy_version=1).count() == 1
    assert "You acknowledged version 1" in client.get(page.url).content.decode()
    assert "Hearing conservation" not in client.get("/admin/").content.decode()


def test_rest_acknowledgements(org, people):
    page = make_live_policy(org)
    worker = testing.token_client(people["worker"], org)
    created = worker.post("/api/v1/regulatory/policy-acknowledgements/", {"page": page.pk}, format="json")
    assert created.status_code == 201 and created.json()["policy_version"] == 1
    again = worker.post("/api/v1/regulatory/policy-acknowledgements/", {"page": page.pk}, format="json")
    assert again.json()["id"] == created.json()["id"]
    assert worker.post("/api/v1/regulatory/policy-acknowledgements/", {"page": "x"}, format="json").status_code == 400
    assert worker.post("/api/v1/regulatory/policy-acknowledgements/", {}, format="json").status_code == 400
    policy_acknowledge(page=page, user=people["issuer"])
    assert worker.get("/api/v1/regulatory/policy-acknowledgements/").json()["count"] == 1  # own only
    admin = testing.token_client(people["admin"], org)
    assert admin.get("/api/v1/regulatory/policy-acknowledgements/").json()["count"] == 2  # the organization's
    # another organization's policy cannot be acknowledged or read
    other = testing.make_organization("OTH")
    other_page = make_live_policy(other)
    response = worker.post("/api/v1/regulatory/policy-acknowledgements/", {"page": other_page.pk}, format="json")
    assert response.status_code == 400 and "page" in response.json().get("errors", response.json())
    other_admin = testing.token_client(testing.make_member(other, "org_admin"), other)
    assert other_admin.get(f"/api/v1/regulatory/policy-acknowledgements/{created.json()['id']}/").status_code == 404
    # out of the audience: 403 with the reason
    targeted = make_live_policy(org, audience_roles=["issuer"])
    refused = worker.post("/api/v1/regulatory/policy-acknowledgements/", {"page": targeted.pk}, format="json")
    assert refused.status_code == 403


def test_rest_list_queries_do_not_grow(org, people, django_assert_max_num_queries):
    admin = testing.token_client(people["admin"], org)
    page = make_live_policy(org)
    policy_acknowledge(page=page, user=people["worker"])
    with django_assert_max_num_queries(30) as first:
        admin.get("/api/v1/regulatory/policy-acknowledgements/")
    for user in (people["issuer"], people["worker2"], people["compliance"]):
        policy_acknowledge(page=page, user=user)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert admin.get("/api/v1/regulatory/policy-acknowledgements/").json()["count"] == 4


def test_review_reminders_to_owner_and_readers_are_sent_once(org, people):
    page = make_live_policy(org, title="PPE", review_date=TODAY + datetime.timedelta(days=10),
                            policy_owner=people["compliance"])
    policy_acknowledge(page=page, user=people["worker"])
    make_live_policy(org, title="Later", review_date=TODAY + datetime.timedelta(days=200))
    sent = policy_reminders_send(today=TODAY)
    # the owner (review) + 4 readers who have not acknowledged (compliance is owner and reader)
    assert sent == 5
    assert PolicyReminder.objects.filter(kind="owner").count() == 1
    assert policy_reminders_send(today=TODAY) == 0
    assert policy_reminders_send(today=TODAY + datetime.timedelta(days=1)) == 0
    event = Event.objects.get(type="regulatory.policy.review_due")
    from ..services.policies import notify_review_due

    assert notify_review_due(event) == 4  # one notification per person: the owner is also a reader
    titles = set(Notification.objects.filter(user=people["compliance"]).values_list("title", flat=True))
    assert any(t.startswith("Policy to review by") for t in titles)
    assert Notification.objects.filter(user=people["worker"]).count() == 0  # already acknowledged
    assert notify_review_due(event) == 0  # delivered twice: no duplicate


def test_reminder_job_is_registered_and_idempotent(org, people):
    from ohms_core.jobs import get_job

    make_live_policy(org, review_date=TODAY + datetime.timedelta(days=5))
    job = get_job("regulatory_policy_review_reminders")
    assert job.func() == 5
    assert job.func() == 0
