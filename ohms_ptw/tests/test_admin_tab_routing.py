"""A button blocked by a gate brings the user back to the tab of that gate."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from ..models import Permit
from .helpers import set_status

pytestmark = pytest.mark.django_db


def test_blocked_complete_returns_to_the_closeout_tab(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    client = Client()
    assert client.login(username=w.issuer.username, password="pass-1234-word")
    ct = ContentType.objects.get_for_model(Permit)
    back = f"/admin/ptw/permits/edit/{pid}/"
    response = client.post(f"/admin/ohms/transition/{ct.pk}/{pid}/complete/", {"next": back})
    assert response.status_code == 302
    assert response["Location"] == f"{back}#tab-closeout"
    assert Permit.objects.get(pk=pid).status == "active"
