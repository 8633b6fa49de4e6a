"""Idempotency-Key on the permit API (ohms_core.idempotency): a retried POST never acts twice."""
import sqlite3
import threading
from contextlib import closing, contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ohms_core import idempotency, testing
from ohms_core.models import AuditLog, Event, IdempotencyRecord, TransitionLog

from ..models import GasReading, Permit
from .factories import PtwWorld
from .helpers import BASE, purl

pytestmark = pytest.mark.django_db


def _post(client, url, body, key, **extra):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def _permit_counts(w):
    permits = Permit.objects.filter(organization=w.org)
    ids = [str(pk) for pk in permits.values_list("pk", flat=True)]
    return (permits.count(), Event.objects.filter(type="ptw.permit.created", object_id__in=ids).count(),
            AuditLog.objects.filter(object_id__in=ids, action="create").count())


def test_replay_returns_the_first_response_and_acts_once(w):
    client = w.client(w.requester)
    payload = w.permit_payload()
    first = _post(client, BASE, payload, "create-permit-1")
    assert first.status_code == 201, first.json()
    assert first.get(idempotency.REPLAY_HEADER) is None
    counts = _permit_counts(w)
    assert counts == (1, 1, 1)

    again = _post(client, BASE, payload, "create-permit-1")
    assert again.status_code == 201
    assert again[idempotency.REPLAY_HEADER] == "true"
    assert again["Content-Type"] == first["Content-Type"]
    assert again.json() == first.json()
    assert _permit_counts(w) == counts  # one permit, one event, one audit row

    # Without the key, a second POST creates a second permit (the key is what dedupes).
    assert client.post(BASE, payload, format="json").status_code == 201
    assert Permit.objects.filter(organization=w.org).count() == 2


def test_same_key_different_body_is_422(w):
    client = w.client(w.requester)
    assert _post(client, BASE, w.permit_payload(), "k-422").status_code == 201
    r = _post(client, BASE, w.permit_payload(title="Autre titre"), "k-422")
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    assert Permit.objects.filter(organization=w.org).count() == 1


def test_json_key_order_does_not_change_the_fingerprint(w):
    client = w.client(w.requester)
    payload = w.permit_payload()
    assert _post(client, BASE, payload, "k-order").status_code == 201
    reordered = dict(reversed(list(payload.items())))
    r = _post(client, BASE, reordered, "k-order")
    assert r.status_code == 201 and r[idempotency.REPLAY_HEADER] == "true"


def test_key_still_running_is_409(w):
    client = w.client(w.requester)
    payload = w.permit_payload()
    # The first request has reserved the key but not finished (simulated reservation).
    first = _post(client, BASE, payload, "k-running")
    record = IdempotencyRecord.objects.get(key="k-running")
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=None, response_body=b"", completed_at=None)
    r = _post(client, BASE, payload, "k-running")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_in_use"
    assert r["Retry-After"] == "1"
    assert first.status_code == 201 and Permit.objects.filter(organization=w.org).count() == 1


def test_a_reservation_left_by_a_dead_process_is_taken_over(w, settings):
    settings.OHMS_IDEMPOTENCY_LOCK_SECONDS = 60
    client = w.client(w.requester)
    payload = w.permit_payload()
    _post(client, BASE, payload, "k-dead")
    IdempotencyRecord.objects.filter(key="k-dead").update(
        status_code=None, created_at=timezone.now() - timedelta(seconds=61))
    r = _post(client, BASE, payload, "k-dead")
    assert r.status_code == 201 and r.get(idempotency.REPLAY_HEADER) is None


def test_other_user_or_organization_with_the_same_key_acts_independently(w):
    other_requester = testing.make_member(w.org, "permit_requester")
    w2 = PtwWorld(code="OTH")
    assert _post(w.client(w.requester), BASE, w.permit_payload(), "shared-key").status_code == 201
    r = _post(w.client(other_requester), BASE, w.permit_payload(), "shared-key")
    assert r.status_code == 201 and r.get(idempotency.REPLAY_HEADER) is None
    r = _post(w2.client(w2.requester), BASE, w2.permit_payload(), "shared-key")
    assert r.status_code == 201 and r.get(idempotency.REPLAY_HEADER) is None
    # A second token of the same user is another integrator client: its own key space.
    second_token = testing.token_client(w.requester, w.org)
    r = _post(second_token, BASE, w.permit_payload(), "shared-key")
    assert r.status_code == 201 and r.get(idempotency.REPLAY_HEADER) is None
    assert Permit.objects.filter(organization=w.org).count() == 3
    assert Permit.objects.filter(organization=w2.org).count() == 1


def test_key_expires_after_72_hours(w, monkeypatch):
    client = w.client(w.requester)
    payload = w.permit_payload()
    assert _post(client, BASE, payload, "k-exp").status_code == 201
    start = timezone.now()
    monkeypatch.setattr(idempotency.timezone, "now", lambda: start + timedelta(hours=71, minutes=59))
    r = _post(client, BASE, payload, "k-exp")
    assert r.status_code == 201 and r[idempotency.REPLAY_HEADER] == "true"
    assert Permit.objects.filter(organization=w.org).count() == 1

    monkeypatch.setattr(idempotency.timezone, "now", lambda: start + timedelta(hours=72, seconds=1))
    r = _post(client, BASE, payload, "k-exp")
    assert r.status_code == 201 and r.get(idempotency.REPLAY_HEADER) is None
    assert Permit.objects.filter(organization=w.org).count() == 2


def test_a_400_is_stored_and_replayed(w):
    client = w.client(w.requester)
    start = timezone.now() + timedelta(hours=1)
    bad = w.permit_payload(planned_start_time=start.isoformat(), planned_end_time=start.isoformat())
    first = _post(client, BASE, bad, "k-400")
    assert first.status_code == 400 and "planned_end_time" in first.json()["errors"]
    again = _post(client, BASE, bad, "k-400")
    assert again.status_code == 400 and again[idempotency.REPLAY_HEADER] == "true"
    assert again.json() == first.json()
    assert IdempotencyRecord.objects.get(key="k-400").status_code == 400


def test_a_5xx_is_not_stored_and_the_key_may_be_retried(w, monkeypatch):
    from ohms_ptw.api import views as ptw_views

    client = w.client(w.requester)
    client.raise_request_exception = False
    payload = w.permit_payload()
    original = ptw_views.PermitViewSet.create

    def boom(self, request, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ptw_views.PermitViewSet, "create", boom)
    r = _post(client, BASE, payload, "k-500")
    assert r.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-500").exists()

    monkeypatch.setattr(ptw_views.PermitViewSet, "create", original)
    r = _post(client, BASE, payload, "k-500")
    assert r.status_code == 201 and r.get(idempotency.REPLAY_HEADER) is None


def test_a_transition_replay_does_not_transition_twice(w):
    permit = w.create_permit()
    client = w.client(w.requester)
    url = purl(permit["id"], "workflow/initiate")
    first = _post(client, url, {}, "initiate-1")
    assert first.status_code == 200 and first.json()["status"] == "pending_verification"
    logs = TransitionLog.objects.filter(object_id=str(permit["id"])).count()
    events = Event.objects.filter(object_id=str(permit["id"])).count()
    again = _post(client, url, {}, "initiate-1")
    assert again.status_code == 200 and again[idempotency.REPLAY_HEADER] == "true"
    assert again.json() == first.json()
    assert TransitionLog.objects.filter(object_id=str(permit["id"])).count() == logs
    assert Event.objects.filter(object_id=str(permit["id"])).count() == events
    # Without the key the same call is refused by the state machine (it already moved).
    assert client.post(url, {}, format="json").status_code in (400, 409)


def test_a_gas_reading_replay_records_one_reading(w):
    permit = w.create_permit()
    body = {"permit": permit["id"], "gas": "O2", "value": "20.9", "tested_at": timezone.now().isoformat()}
    client = w.client(w.issuer)
    first = _post(client, "/api/v1/ptw/gas-readings/", body, "gas-1")
    again = _post(client, "/api/v1/ptw/gas-readings/", body, "gas-1")
    assert first.status_code == again.status_code
    assert again[idempotency.REPLAY_HEADER] == "true"
    assert GasReading.objects.filter(permit_id=permit["id"]).count() == (1 if first.status_code == 201 else 0)


@pytest.mark.parametrize("key", ["x" * 256, "clé-accentuée", "tab\tkey", "   "])
def test_invalid_keys_are_400_with_the_header_as_field(w, key):
    r = w.client(w.requester).post(BASE, w.permit_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert r.status_code == 400
    assert idempotency.HEADER in r.json()["errors"]
    assert not Permit.objects.filter(organization=w.org).exists()


def test_a_255_character_key_is_accepted(w):
    r = _post(w.client(w.requester), BASE, w.permit_payload(), "k" * 255)
    assert r.status_code == 201


def test_a_forbidden_request_reserves_nothing(w):
    worker = testing.make_member(w.org, "worker")
    r = _post(w.client(worker), BASE, w.permit_payload(), "k-403")
    assert r.status_code == 403
    assert not IdempotencyRecord.objects.filter(key="k-403").exists()


# --- 20 parallel identical POSTs ----------------------------------------------------------------

def _parallel_identical_posts(base_url, w, n=20):
    import requests

    payload = w.permit_payload()
    headers = {"Authorization": f"Bearer {w.client(w.requester).raw_token}", "Idempotency-Key": "parallel-create"}
    barrier = threading.Barrier(n)
    results, lock = [], threading.Lock()

    def post():
        barrier.wait(timeout=30)
        response = requests.post(f"{base_url}{BASE}", json=payload, headers=headers, timeout=90)
        try:
            body = response.json()
        except ValueError:
            body = response.text[:300]
        with lock:
            results.append((response.status_code, response.headers.get(idempotency.REPLAY_HEADER), body))

    threads = [threading.Thread(target=post) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _assert_one_permit(results, counts, n=20):
    assert len(results) == n
    created = [body for code, replayed, body in results if code == 201 and replayed is None]
    replayed = [body for code, replayed, body in results if code == 201 and replayed == "true"]
    in_use = [body for code, _replayed, body in results if code == 409]
    assert len(created) == 1, results
    assert len(created) + len(replayed) + len(in_use) == n, results
    assert all(body == created[0] for body in replayed)
    assert all(body["code"] == "idempotency_key_in_use" for body in in_use)
    assert counts() == (1, 1)  # permits, ptw.permit.created events


@contextmanager
def _file_database_server(tmp_path):
    """A threaded HTTP server on 127.0.0.1 whose request threads use a file copy of the test
    database (WAL, busy timeout, BEGIN IMMEDIATE: the settings of a real SQLite install).

    pytest-django's ``live_server`` cannot show a race on SQLite: with the in-memory test
    database every server thread shares the test's one connection. So the committed test data
    is copied (sqlite3 backup) into a file and the server threads open their own connections
    to it, exactly as web threads do in production."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    original = connections.settings["default"]
    connections.settings["default"] = {**original, "NAME": str(path)}
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override={}, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    try:
        if server.error:
            raise server.error
        yield f"http://127.0.0.1:{server.port}", path
    finally:
        server.terminate()
        server.join(timeout=10)
        connections.settings["default"] = original


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_posts_create_one_permit(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL variant is test_twenty_parallel_identical_posts_postgres")
    w = PtwWorld(code="PAR")
    w.client(w.requester)  # the token exists before the copy
    with _file_database_server(tmp_path) as (url, path):
        results = _parallel_identical_posts(url, w)

    def counts():
        with closing(sqlite3.connect(path)) as db:
            permits = db.execute(f"SELECT COUNT(*) FROM {Permit._meta.db_table}").fetchone()[0]
            events = db.execute(f"SELECT COUNT(*) FROM {Event._meta.db_table} WHERE type = 'ptw.permit.created'").fetchone()[0]
        return permits, events

    _assert_one_permit(results, counts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_posts_postgres(live_server):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://... (CI's PostgreSQL leg)")
    w = PtwWorld(code="PGP")
    results = _parallel_identical_posts(live_server.url, w)
    _assert_one_permit(results, lambda: (Permit.objects.filter(organization=w.org).count(),
                                         Event.objects.filter(type="ptw.permit.created", organization=w.org).count()))
