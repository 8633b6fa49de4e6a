"""Ten writers fire the same transition at once: exactly one wins, the others get 409."""
import threading

import pytest
from django.db import connection

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Event, TransitionLog
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (CI runs it there)"),
]


def test_ten_concurrent_approvals_one_wins():
    org = testing.make_organization("CONC", "Concurrence SARL")
    approver = testing.make_member(org, "approver")
    with acting_as(organization=org):
        inspection = Inspection.objects.create(organization=org, title="Levage", checklist_done=True, findings="ok")
    testing.token_client(approver, org).post(f"/api/v1/testflow/inspections/{inspection.pk}/transitions/submit/", {}, format="json")
    clients = [testing.token_client(approver, org) for _ in range(10)]
    barrier = threading.Barrier(10)
    statuses = []
    lock = threading.Lock()

    def fire(client):
        try:
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/testflow/inspections/{inspection.pk}/transitions/approve/", {}, format="json")
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=fire, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(statuses) == [200] + [409] * 9
    inspection.refresh_from_db()
    assert inspection.status == "approved"
    assert TransitionLog.objects.filter(object_id=str(inspection.pk), transition="approve").count() == 1
    assert Event.objects.filter(type="testflow.inspection.approved", object_id=str(inspection.pk)).count() == 1
