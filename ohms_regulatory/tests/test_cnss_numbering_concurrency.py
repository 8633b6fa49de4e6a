"""Reference numbers under concurrency (issue 12): ten threads creating declarations at once
get ten distinct, gap-free numbers (PostgreSQL: the counter's UPDATE holds the row until
commit), and ten events delivered at once for one incident make one declaration."""
import threading

import pytest
from django.db import close_old_connections, connection

from ohms_core import testing

from ..models import CNSSReport
from ..services import reports as svc
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it there)"),
]


def _in_threads(count, target):
    barrier = threading.Barrier(count)
    errors, results = [], []

    def run():
        try:
            barrier.wait(timeout=30)
            results.append(target())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def test_ten_concurrent_creations_get_ten_distinct_references():
    org = testing.make_organization("CONC", "Concurrence SARL")
    ent = f.enterprise(org)
    incidents = iter([f.incident(org, ent, severity="lost_time") for _ in range(10)])
    lock = threading.Lock()

    def create():
        with lock:
            incident = next(incidents)
        return svc.cnss_for_incident(incident)[0].reference_number

    references = _in_threads(10, create)
    assert len(set(references)) == 10
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == list(range(1, 11))


def test_ten_concurrent_generations_for_one_incident_make_one_declaration():
    org = testing.make_organization("CONC2", "Concurrence Deux SARL")
    ent = f.enterprise(org)
    incident = f.incident(org, ent, severity="fatal")
    pks = _in_threads(10, lambda: svc.cnss_for_incident(incident)[0].pk)
    assert len(set(pks)) == 1 and CNSSReport.objects.count() == 1
