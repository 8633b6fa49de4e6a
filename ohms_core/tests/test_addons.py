"""The add-on registry: manifests, dependency check, About page, API mounted from manifests."""
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from ohms_core import checks, events, jobs, registry, workflows
from ohms_core.context import acting_as
from ohms_core.registry import AddonManifest
from ohms_core.tests.workflow_app.models import Inspection

#: The add-ons OHMS_ADDONS installed in this run (CI also runs core alone), and the test machine.
INSTALLED = (*(app for app in settings.INSTALLED_APPS if app.startswith("ohms_") and "." not in app and app != "ohms_site"),
             "ohms_testflow")
PASSWORD = "pass-1234-word"


@pytest.fixture
def broken_addon():
    manifest = AddonManifest(label="ohms_fake", name="fake", version="9.9.9", summary="Needs a missing add-on.",
                             depends=("ohms_core", "ohms_missing"))
    registry.register(manifest)
    yield manifest
    registry._addons.pop("ohms_fake", None)


def test_registry_lists_installed_addons_with_versions():
    manifests = {m.label: m for m in registry.addons()}
    assert set(INSTALLED) <= set(manifests)
    for label in INSTALLED:
        assert manifests[label].version, label
        assert manifests[label].summary, label
    assert manifests["ohms_core"].version == "0.1.0"
    assert manifests["ohms_testflow"].version == "0.0.1"
    assert registry.addons()[0].label == "ohms_core"  # sorted by menu order, core first
    if "ohms_regulatory" in manifests:
        assert manifests["ohms_regulatory"].depends == ("ohms_core", "ohms_health")
    assert registry.get("ohms_core") is manifests["ohms_core"] and registry.get("ohms_nope") is None


def test_dependencies_satisfied():
    assert checks.addon_dependencies(None) == []


def test_missing_dependency_is_a_check_error(broken_addon):
    errors = checks.addon_dependencies(None)
    assert len(errors) == 1
    error = errors[0]
    assert error.id == "ohms.E001"
    assert "ohms_fake" in error.msg and "ohms_missing" in error.msg
    assert "'missing'" in error.hint
    with pytest.raises(SystemCheckError, match="ohms_missing"):
        call_command("check")


@pytest.mark.django_db
def test_about_page_lists_addons_machines_events_and_jobs(admin_a):
    client = Client()
    assert client.login(username=admin_a.username, password=PASSWORD)
    response = client.get("/admin/ohms/about/")
    assert response.status_code == 200
    body = response.content.decode()
    for label in INSTALLED:
        assert f'data-ohms-addon="{label}"' in body, label
    machine = workflows.machine_for(Inspection)
    assert machine.states() == ["draft", "submitted", "approved", "rejected"]
    assert "ohms_testflow.Inspection.status (draft → submitted → approved → rejected)" in body
    for event_type in events.event_types():
        if event_type.addon == "ohms_testflow":
            assert f"<code>{event_type.name}</code>" in body
    assert "testflow.inspection.reopened" in body
    sweep = jobs.get_job("events_sweep")
    assert f"{sweep.name} ({sweep.schedule_label})" in body


@pytest.mark.django_db
def test_addon_api_is_mounted_from_the_registry(client_a, org_a):
    with acting_as(organization=org_a):
        Inspection.objects.create(organization=org_a, title="Mounted")
    response = client_a.get("/api/v1/testflow/inspections/")
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["Mounted"]
    assert client_a.get("/api/v1/fake/").status_code == 404


# --- Registration from the manifest (docs/addons.md) -------------------------------------

def test_manifest_drives_registration_of_the_test_addon():
    from ohms_core import permissions
    from ohms_core.tests.workflow_app.manifest import MANIFEST

    assert registry.get("ohms_testflow") is MANIFEST
    machine = workflows.machine_for(Inspection)
    assert machine.resource == "inspection" and machine.addon == "ohms_testflow"
    assert "inspection" in permissions.POLICY
    # one event type per transition, derived from the machine, with a translatable label
    names = {e.name: e for e in events.event_types() if e.addon == "ohms_testflow"}
    assert set(names) == {f"testflow.inspection.{n}" for n in ("submitted", "approved", "rejected", "reopened")}
    assert names["testflow.inspection.approved"].title == "Inspection {{ object.label }} approved"
    assert str(names["testflow.inspection.approved"].label) == "Inspection: Approve"
    # core's own subscriber and jobs came from core's manifest
    assert "notifications" in {s.name for s in events.subscribers()}
    assert jobs.get_job("events_sweep").addon == "ohms_core"


def test_a_transition_without_permission_fails_the_system_check(monkeypatch):
    assert checks.transitions_have_permissions(None) == []
    machine = workflows.machine_for(Inspection)
    submit = next(t for t in machine.transitions() if t.name == "submit")
    monkeypatch.setattr(submit, "permission", None)
    errors = checks.transitions_have_permissions(None)
    assert [e.id for e in errors] == ["ohms.E002"]
    assert "ohms_testflow.Inspection.submit" in errors[0].msg
    monkeypatch.setitem(submit.custom, "system", True)  # a job-only transition is fine
    assert checks.transitions_have_permissions(None) == []


def test_an_emitted_but_unregistered_event_fails_the_system_check(tmp_path):
    (tmp_path / "services.py").write_text(
        'from ohms_core import events\n\n'
        'def inspection_flag(inspection):\n'
        '    events.emit("testflow.inspection.approved", inspection)\n'
        '    events.emit("testflow.inspection.flagged", inspection)\n'
    )
    errors = checks.unregistered_events([tmp_path])
    assert [e.id for e in errors] == ["ohms.E003"]
    assert "testflow.inspection.flagged" in errors[0].msg and "services.py:5" in errors[0].msg
    assert checks.emitted_events_registered(None) == []  # the installed add-ons emit only registered types
