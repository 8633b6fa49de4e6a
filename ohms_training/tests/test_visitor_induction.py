"""The visitor induction (issue 11): a site requires visitors to pass a short quiz before
check-in. Visitors ask through ``ohms_core.providers`` only; these tests drive both add-ons
together (skipped when the visitors add-on is not installed) and check that each answers
safely without the other."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from ohms_core import providers, testing
from ohms_core.context import acting_as

from .. import gates, selectors
from ..models import SiteVisitorInduction, TrainingModule, TrainingQuiz, VisitorInductionAttempt
from ..services import site_induction_set

pytestmark = pytest.mark.skipif(not apps.is_installed("ohms_visitors"), reason="ohms_visitors not in OHMS_ADDONS")

QUESTIONS_FR = [
    {"text": "Où marcher sur le site ?", "choices": ["Partout", "Sur les passages piétons balisés"], "answer": 1},
    {"text": "Que faire à l'alarme d'évacuation ?", "choices": ["Rejoindre le point de rassemblement", "Attendre"],
     "answer": 0},
]
QUESTIONS_EN = [
    {"text": "Where do you walk on site?", "choices": ["Anywhere", "On the marked walkways"], "answer": 1},
    {"text": "What do you do at the evacuation alarm?", "choices": ["Go to the muster point", "Wait"], "answer": 0},
]
RIGHT, WRONG = {"q0": "1", "q1": "0"}, {"q0": "0", "q1": "1"}


class InductionWorld:
    def __init__(self, code=None):
        from ohms_visitors.tests.factories import make_world

        self.v = make_world(code)
        self.org, self.site = self.v.org, self.v.site
        self.coordinator = testing.make_member(self.org, "safety_manager")
        with acting_as(user=self.coordinator, organization=self.org, role="safety_manager"):
            self.module = TrainingModule.objects.create(
                organization=self.org, title="Induction visiteurs", language="fr", pass_mark=100, validity_months=6,
                video_url="https://videos.example.test/induction")
            self.quiz = TrainingQuiz.objects.create(organization=self.org, module=self.module,
                                                    questions=QUESTIONS_FR, max_attempts=2)
            self.module_en = TrainingModule.objects.create(
                organization=self.org, title="Visitor induction", language="en", pass_mark=100, validity_months=6,
                video_url="https://videos.example.test/induction-en")
            self.quiz_en = TrainingQuiz.objects.create(organization=self.org, module=self.module_en,
                                                       questions=QUESTIONS_EN, max_attempts=2)

    def require(self, translated=False):
        with acting_as(user=self.coordinator, organization=self.org, role="safety_manager"):
            return site_induction_set(organization=self.org, site=self.site, module=self.module,
                                      translated_module=self.module_en if translated else None, user=self.coordinator)

    def invite(self, **kw):
        return self.v.invite(**kw)

    def page(self, invite, **params):
        query = "&".join(f"{k}={v}" for k, v in {"token": invite.qr_token, **params}.items())
        return f"/api/v1/training/visitor-induction/?{query}"

    def check_in(self, invite):
        return self.v.client(self.v.guard).post("/api/v1/visitors/check-in/", {"token": invite.qr_token},
                                                format="json")


@pytest.fixture
def w(db):
    return InductionWorld()


# --- pure gates -----------------------------------------------------------------------------
def test_gates_in_memory():
    assert list(gates.visitor_induction_reasons(title="X", passed=True, used=0, allowed=2)) == []
    [reason] = gates.visitor_induction_reasons(title="Induction", passed=False, used=1, allowed=2)
    assert reason.code == "induction_not_passed" and "Visitor induction 'Induction' not passed" in str(reason.message)
    [reason] = gates.visitor_induction_reasons(title="Induction", passed=False, used=2, allowed=2)
    assert reason.code == "induction_attempts_exhausted" and "'Induction'" in str(reason.message)
    assert list(gates.visitor_attempts_left_gate(used=1, allowed=2)) == []
    assert [r.code for r in gates.visitor_attempts_left_gate(used=2, allowed=2)] == ["induction_attempts_exhausted"]


# --- the check-in check ---------------------------------------------------------------------
def test_check_in_refused_until_the_visitor_passes_then_allowed(w, client):
    w.require()
    invite = w.invite()
    refused = w.check_in(invite)
    assert refused.status_code == 400
    assert "Visitor induction 'Induction visiteurs' not passed" in str(refused.json())
    assert "induction_not_passed" in str(refused.json())

    page = client.get(w.page(invite))
    assert page.status_code == 200 and "Induction visiteurs" in page.content.decode()
    passed = client.post(w.page(invite), RIGHT, REMOTE_ADDR="41.243.1.9")
    assert passed.status_code == 200 and 'data-result="passed"' in passed.content.decode()
    attempt = VisitorInductionAttempt.objects.get()
    assert attempt.invite_id == invite.pk and attempt.passed and attempt.score == 100
    assert attempt.answers == [1, 0] and attempt.ip == "41.243.1.9" and attempt.organization == w.org
    assert attempt.valid_until > timezone.now() + timedelta(days=150)

    accepted = w.check_in(invite)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "checked_in"


def test_failing_attempt_is_recorded_and_check_in_still_refused(w, client):
    w.require()
    invite = w.invite()
    failed = client.post(w.page(invite), WRONG)
    assert failed.status_code == 200 and 'data-result="failed"' in failed.content.decode()
    attempt = VisitorInductionAttempt.objects.get()
    assert attempt.passed is False and attempt.score == 0 and attempt.valid_until is None
    assert w.check_in(invite).status_code == 400


def test_attempts_are_limited_like_workers(w, client):
    w.require()
    invite = w.invite()
    assert client.post(w.page(invite), WRONG).status_code == 200
    assert client.post(w.page(invite), WRONG).status_code == 200
    third = client.post(w.page(invite), RIGHT)
    assert third.status_code == 400 and "attempts are used" in third.content.decode()
    assert VisitorInductionAttempt.objects.filter(invite_id=invite.pk).count() == 2
    refused = w.check_in(invite)
    assert refused.status_code == 400 and "induction_attempts_exhausted" in str(refused.json())
    # The page offers no form any more.
    assert "data-quiz" not in client.get(w.page(invite)).content.decode()


def test_passing_twice_is_a_conflict(w, client):
    w.require()
    invite = w.invite()
    assert client.post(w.page(invite), RIGHT).status_code == 200
    again = client.post(w.page(invite), RIGHT)
    assert again.status_code in (200, 409)
    assert VisitorInductionAttempt.objects.count() == 1


def test_unanswered_question_is_400_and_records_nothing(w, client):
    w.require()
    invite = w.invite()
    response = client.post(w.page(invite), {"q0": "1"})
    assert response.status_code == 400 and VisitorInductionAttempt.objects.count() == 0
    response = client.post(w.page(invite), {"q0": "1", "q1": "7"})
    assert response.status_code == 400 and VisitorInductionAttempt.objects.count() == 0


def test_answers_are_never_served_to_the_visitor(w, client):
    w.require()
    invite = w.invite()
    html = client.get(w.page(invite)).content.decode()
    assert "Sur les passages piétons balisés" in html
    assert '"answer"' not in html and "answer" not in html.lower().replace("answers", "")
    assert 'checked' not in html


def test_the_quiz_in_the_visitors_language(w, client):
    w.require(translated=True)
    invite = w.invite()
    french = client.get(w.page(invite, lang="fr")).content.decode()
    assert "Induction visiteurs" in french and 'lang="fr"' in french and 'data-lang="en"' in french
    english = client.get(w.page(invite, lang="en")).content.decode()
    assert "Where do you walk on site?" in english and 'lang="en"' in english
    assert "Submit my answers" in english
    assert client.get(w.page(invite, lang="xx")).status_code == 200  # an unknown language: the default one
    # Passing the English version satisfies the requirement named after the first module.
    assert client.post(w.page(invite, lang="en"), RIGHT).status_code == 200
    assert VisitorInductionAttempt.objects.get().quiz == w.quiz_en
    assert w.check_in(invite).status_code == 200


def test_a_pass_counts_for_the_same_persons_next_visit_within_validity(w, client):
    w.require()
    first = w.invite(visitor_id_number="CD-123")
    assert client.post(w.page(first), RIGHT).status_code == 200
    second = w.invite(visitor_id_number="CD-123")
    assert selectors.visitor_induction_status(second, selectors.site_induction_for(w.site.pk))["passed"] is True
    stranger = w.invite(visitor_id_number="CD-999")
    assert w.check_in(stranger).status_code == 400
    VisitorInductionAttempt.objects.update(valid_until=timezone.now() - timedelta(days=1))
    assert selectors.visitor_induction_status(second, selectors.site_induction_for(w.site.pk))["passed"] is False
    # ... but the visit it was passed for still counts it.
    assert selectors.visitor_induction_status(first, selectors.site_induction_for(w.site.pk))["passed"] is True


def test_site_without_a_requirement_is_unaffected(w, client):
    invite = w.invite()
    assert w.check_in(invite).status_code == 200
    page = client.get(w.page(w.invite()))
    assert page.status_code == 200 and "data-no-induction" in page.content.decode()
    nda_page = client.get(f"/api/v1/visitors/public/nda/?token={invite.qr_token}").content.decode()
    assert "data-entry-steps" not in nda_page


def test_inactive_requirement_asks_nothing(w):
    requirement = w.require()
    requirement.is_active = False
    requirement.save()
    assert w.check_in(w.invite()).status_code == 200


def test_unknown_token_is_404(w, client):
    w.require()
    assert client.get("/api/v1/training/visitor-induction/?token=nope").status_code == 404
    assert client.post("/api/v1/training/visitor-induction/?token=nope", RIGHT).status_code == 404
    assert client.get("/api/v1/training/visitor-induction/").status_code == 404


def test_closed_invitation_takes_no_quiz(w, client):
    w.require()
    invite = w.invite()
    response = w.v.client(w.v.host).post(f"/api/v1/visitors/invites/{invite.pk}/transitions/cancel/",
                                         {"comment": "Reportée"}, format="json")
    assert response.status_code == 200, response.content
    assert client.post(w.page(invite), RIGHT).status_code == 400
    assert VisitorInductionAttempt.objects.count() == 0


# --- where the visitor takes it: the NDA page and the gate screen ---------------------------
def test_nda_page_links_to_the_quiz(w, client):
    w.require()
    invite = w.invite()
    html = client.get(f"/api/v1/visitors/public/nda/?token={invite.qr_token}").content.decode()
    assert "data-entry-steps" in html and "Induction visiteurs" in html
    assert f"/api/v1/training/visitor-induction/?token={invite.qr_token}" in html
    client.post(w.page(invite), RIGHT)
    html = client.get(f"/api/v1/visitors/public/nda/?token={invite.qr_token}").content.decode()
    assert "/api/v1/training/visitor-induction/" not in html


def test_gate_screen_refuses_with_the_module_then_checks_in_after_the_quiz(w):
    from ohms_visitors.states import InviteStatus

    w.require()
    invite = w.invite()
    guard = Client()
    guard.force_login(w.v.guard)
    page = guard.get(f"/admin/visitors/gate/?token={invite.qr_token}").content.decode()
    assert "data-check-in disabled" in page
    assert "Visitor induction &#x27;Induction visiteurs&#x27; not passed" in page
    assert "data-step-link" in page and f"/api/v1/training/visitor-induction/?token={invite.qr_token}" in page
    guard.post("/admin/visitors/gate/", {"token": invite.qr_token, "action": "check_in"})
    invite.refresh_from_db()
    assert invite.status == InviteStatus.INVITED
    # The guard hands the tablet to the visitor, who takes the quiz on it.
    assert guard.post(w.page(invite), RIGHT).status_code == 200
    guard.post("/admin/visitors/gate/", {"token": invite.qr_token, "action": "check_in"})
    invite.refresh_from_db()
    assert invite.status == InviteStatus.CHECKED_IN


# --- REST: requirement and attempts, tenancy, roles ----------------------------------------
def test_coordinator_sets_the_requirement_through_rest_others_read(w):
    coordinator = w.v.client(w.coordinator)
    response = coordinator.post("/api/v1/training/site-inductions/", {
        "site": str(w.site.pk), "module": str(w.module.pk), "translated_module": str(w.module_en.pk)}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["module_title"] == "Induction visiteurs" and response.json()["is_active"] is True
    duplicate = coordinator.post("/api/v1/training/site-inductions/", {
        "site": str(w.site.pk), "module": str(w.module.pk)}, format="json")
    assert duplicate.status_code == 400
    host = w.v.client(w.v.host)
    assert host.get("/api/v1/training/site-inductions/").json()["count"] == 1
    assert host.post("/api/v1/training/site-inductions/", {
        "site": str(testing.make_site(w.org).pk), "module": str(w.module.pk)}, format="json").status_code == 403


def test_requirement_needs_a_module_with_a_quiz(w):
    with acting_as(organization=w.org):
        bare = TrainingModule.objects.create(organization=w.org, title="Sans quiz", video_url="https://x.test/v")
    response = w.v.client(w.coordinator).post("/api/v1/training/site-inductions/", {
        "site": str(w.site.pk), "module": str(bare.pk)}, format="json")
    assert response.status_code == 400 and "module" in str(response.json())


def test_other_organization_gets_404(w, client):
    w.require()
    invite = w.invite()
    client.post(w.page(invite), WRONG)
    other = InductionWorld()
    requirement = SiteVisitorInduction.objects.get(organization=w.org)
    attempt = VisitorInductionAttempt.objects.get()
    api = other.v.client(other.v.admin)
    assert api.get(f"/api/v1/training/site-inductions/{requirement.pk}/").status_code == 404
    assert api.patch(f"/api/v1/training/site-inductions/{requirement.pk}/", {"is_active": False},
                     format="json").status_code == 404
    assert api.get(f"/api/v1/training/visitor-attempts/{attempt.pk}/").status_code == 404
    assert api.get("/api/v1/training/site-inductions/").json()["count"] == 0
    assert api.get("/api/v1/training/visitor-attempts/").json()["count"] == 0
    # A module of another organization cannot be required.
    response = api.post("/api/v1/training/site-inductions/", {
        "site": str(other.site.pk), "module": str(w.module.pk)}, format="json")
    assert response.status_code == 400
    # Another organization's guard does not find the token.
    assert other.check_in(invite).status_code == 404


def test_attempts_read_by_coordinators_not_by_hosts(w, client):
    w.require()
    invite = w.invite()
    client.post(w.page(invite), WRONG)
    response = w.v.client(w.coordinator).get(f"/api/v1/training/visitor-attempts/?invite_id={invite.pk}")
    assert response.status_code == 200 and response.json()["count"] == 1
    assert response.json()["results"][0]["passed"] is False
    assert w.v.client(w.v.host).get("/api/v1/training/visitor-attempts/").status_code == 403


def test_attempt_list_query_count_does_not_grow(w, client, django_assert_max_num_queries):
    w.require()
    api = w.v.client(w.coordinator)
    client.post(w.page(w.invite()), WRONG)
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/training/visitor-attempts/").status_code == 200
    for _ in range(4):
        client.post(w.page(w.invite()), WRONG)
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/training/visitor-attempts/").json()["count"] == 5


def test_admin_screen_edits_the_requirement(w):
    admin = Client()
    admin.force_login(w.coordinator)
    response = admin.get("/admin/training/site-inductions/new/")
    assert response.status_code == 200 and "Induction visiteurs" in response.content.decode()
    response = admin.post("/admin/training/site-inductions/new/", {
        "site": str(w.site.pk), "module": str(w.module.pk), "translated_module": "", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SiteVisitorInduction.objects.get().module == w.module
    assert admin.get("/admin/training/site-inductions/").status_code == 200


# --- absent-safe ----------------------------------------------------------------------------
def test_absent_safe_without_the_training_add_on(w, client):
    """With training's providers gone (as with OHMS_ADDONS without training), a site that had
    required the induction no longer blocks the gate, and the NDA page shows no step."""
    from django.utils.module_loading import import_string

    from ..manifest import MANIFEST

    w.require()
    invite = w.invite()
    for name, _path in MANIFEST.visitor_access_checks:
        providers.unregister_visitor_access_check(name)
    for name, _path in MANIFEST.visitor_entry_steps:
        providers.unregister_visitor_entry_step(name)
    try:
        nda_page = client.get(f"/api/v1/visitors/public/nda/?token={invite.qr_token}").content.decode()
        assert "data-entry-steps" not in nda_page
        assert w.check_in(invite).status_code == 200
    finally:
        for name, path in MANIFEST.visitor_access_checks:
            providers.register_visitor_access_check(name, import_string(path))
        for name, path in MANIFEST.visitor_entry_steps:
            providers.register_visitor_entry_step(name, import_string(path))


def test_absent_safe_without_the_visitors_add_on(w, client):
    """Without a visit lookup (no visitors add-on) the quiz page knows no token."""
    from django.utils.module_loading import import_string

    from ohms_visitors.manifest import MANIFEST

    w.require()
    invite = w.invite()
    providers.unregister_visit_lookup()
    try:
        assert providers.visit_by_token(invite.qr_token) is None
        assert client.get(w.page(invite)).status_code == 404
    finally:
        providers.register_visit_lookup(import_string(MANIFEST.visit_lookup))


def test_admin_lists_visitor_attempts_for_coordinators_only(w, client):
    w.require()
    client.post(w.page(w.invite(name="Chloé Lambert")), WRONG)
    coordinator = Client()
    coordinator.force_login(w.coordinator)
    listing = coordinator.get("/admin/training/visitor-attempts/")
    assert listing.status_code == 200 and "Chloé Lambert" in listing.content.decode()
    assert coordinator.get("/admin/training/visitor-attempts/new/").status_code in (302, 403)
    host = Client()
    host.force_login(w.v.host)
    assert host.get("/admin/training/visitor-attempts/").status_code in (302, 403)


def test_requirement_list_query_count_does_not_grow(w, django_assert_max_num_queries):
    api = w.v.client(w.coordinator)
    w.require()
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/training/site-inductions/").json()["count"] == 1
    with acting_as(user=w.coordinator, organization=w.org, role="safety_manager"):
        for _ in range(3):
            site_induction_set(organization=w.org, site=testing.make_site(w.org), module=w.module, user=w.coordinator)
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/training/site-inductions/").json()["count"] == 4
