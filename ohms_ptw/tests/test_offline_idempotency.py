"""Offline idempotency (SPEC 6.3, issue 9): a retried gas reading or photo is the first one."""
import base64
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ohms_core.context import acting_as
from ohms_core.models import AuditLog, Event

from ..models import GasReading, Permit, PermitAudit, PermitPhoto
from ..services import gas as gas_services
from .factories import PtwWorld

pytestmark = pytest.mark.django_db
GAS = "/api/v1/ptw/gas-readings/"
PHOTOS = "/api/v1/ptw/permit-photos/"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _png(color=(255, 0, 0), name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _reading(pid, **extra):
    body = {"permit": str(pid), "gas": "LEL", "value": "12.5", "tested_at": "2026-11-22T08:00:00Z", "offline_id": "r-1"}
    body.update(extra)
    return body


def _post(w, body, device=None, user=None):
    headers = {"HTTP_X_DEVICE_ID": device} if device else {}
    return w.client(user or w.issuer).post(GAS, body, format="json", **headers)


def _counts(pid):
    return (GasReading.objects.filter(permit_id=pid).count(),
            PermitAudit.objects.filter(permit_id=pid, action="gas_reading").count(),
            Event.objects.filter(type="ptw.permit.gas_unsafe").count(),
            AuditLog.objects.filter(object_id__in=[str(pk) for pk in GasReading.objects.filter(permit_id=pid).values_list("pk", flat=True)]).count())


# --- gas readings ----------------------------------------------------------------------
def test_retry_gives_back_the_first_reading_with_200_and_writes_nothing(w):
    pid = w.create_permit()["id"]
    first = _post(w, _reading(pid), device="tablet-7")
    assert first.status_code == 201, first.json()
    assert first.json()["device_id"] == "tablet-7" and first.json()["safe"] is False
    before = _counts(pid)
    again = _post(w, _reading(pid), device="tablet-7")
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert _counts(pid) == before  # no second row, audit row or unsafe-gas event
    assert before[:3] == (1, 1, 1) and before[3] >= 1


def test_device_as_a_field_or_the_header_is_the_same_device(w):
    pid = w.create_permit()["id"]
    first = _post(w, _reading(pid, device_id="tablet-7"))
    assert first.status_code == 201 and first.json()["device_id"] == "tablet-7"
    again = _post(w, _reading(pid), device="tablet-7")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_conflicting_payload_under_the_same_offline_id_is_409(w):
    pid = w.create_permit()["id"]
    assert _post(w, _reading(pid), device="tablet-7").status_code == 201
    clash = _post(w, _reading(pid, value="3.0"), device="tablet-7")
    assert clash.status_code == 409, clash.json()
    body = clash.json()
    assert body["code"] == "offline_id_conflict"
    assert "value" in str(body) and "offline" in str(body).lower()
    assert GasReading.objects.filter(permit_id=pid).count() == 1


def test_other_device_same_offline_id_is_a_new_reading(w):
    pid = w.create_permit()["id"]
    a = _post(w, _reading(pid), device="tablet-7")
    b = _post(w, _reading(pid), device="tablet-9")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert GasReading.objects.filter(permit_id=pid).count() == 2


def test_no_device_the_offline_id_counts_within_the_permit(w):
    pid = w.create_permit()["id"]
    other_pid = w.create_permit()["id"]
    first = _post(w, _reading(pid))
    assert first.status_code == 201 and first.json()["device_id"] == ""
    assert _post(w, _reading(pid)).status_code == 200
    assert _post(w, _reading(other_pid)).status_code == 201  # another permit: another record
    assert GasReading.objects.filter(offline_id="r-1").count() == 2


def test_readings_without_offline_id_are_never_merged(w):
    pid = w.create_permit()["id"]
    assert _post(w, _reading(pid, offline_id="")).status_code == 201
    assert _post(w, _reading(pid, offline_id="")).status_code == 201
    assert GasReading.objects.filter(permit_id=pid).count() == 2


def test_other_organization_same_offline_id_is_independent(w):
    other = PtwWorld(code="OTH")
    pid, other_pid = w.create_permit()["id"], other.create_permit()["id"]
    mine = _post(w, _reading(pid), device="tablet-7")
    theirs = other.client(other.issuer).post(GAS, _reading(other_pid), format="json", HTTP_X_DEVICE_ID="tablet-7")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    # And a retry naming the other organization's permit is refused, not answered with its reading.
    leak = _post(w, _reading(other_pid), device="tablet-7")
    assert leak.status_code == 400 and "permit" in leak.json().get("errors", leak.json())


def test_race_integrity_error_returns_the_first_reading(w):
    """Two retries pass the look-up together; the second insert hits the unique constraint
    (IntegrityError): the service answers with the first row, and its own audit row is rolled back."""
    pid = w.create_permit()["id"]
    permit = Permit.objects.get(pk=pid)
    data = {"gas": "O2", "value": "20.9", "tested_at": timezone.now(), "offline_id": "race-1", "device_id": "d1"}
    with acting_as(organization=w.org, user=w.issuer):
        first = gas_services.gas_reading_submit(permit=permit, data=data, user=w.issuer)
        with mock.patch("ohms_ptw.services.offline.offline_find", side_effect=[None, first.record]), \
                mock.patch.object(GasReading, "validate_constraints", lambda self, exclude=None: None):
            second = gas_services.gas_reading_submit(permit=permit, data=data, user=w.issuer)
    assert first.created is True and second.created is False
    assert second.record.pk == first.record.pk
    assert GasReading.objects.filter(permit=permit).count() == 1
    assert PermitAudit.objects.filter(permit=permit, action="gas_reading").count() == 1


def test_the_database_refuses_a_second_row_for_one_offline_id(w):
    from django.db import IntegrityError, transaction

    permit = Permit.objects.get(pk=w.create_permit()["id"])
    row = {"organization": w.org, "permit": permit, "gas": "O2", "value": "20.9", "tested_at": timezone.now(),
           "offline_id": "db-1", "device_id": "d1"}
    GasReading.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        GasReading.objects.create(**row)
    GasReading.objects.create(**{**row, "offline_id": ""})
    GasReading.objects.create(**{**row, "offline_id": ""})  # no offline id: no constraint


def test_retry_after_the_permit_closed_still_answers_the_first_reading(w):
    pid = w.create_permit()["id"]
    first = _post(w, _reading(pid, gas="O2", value="20.9"), device="tablet-7")
    assert first.status_code == 201
    permit = Permit.objects.get(pk=pid)
    Permit.objects.filter(pk=pid).update(status="cancelled")
    permit.refresh_from_db()
    again = _post(w, _reading(pid, gas="O2", value="20.9"), device="tablet-7")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert _post(w, _reading(pid, gas="O2", value="20.9", offline_id="r-2"), device="tablet-7").status_code == 400


# --- photos ----------------------------------------------------------------------------
def _photo(w, pid, upload, device=None, **extra):
    body = {"permit": str(pid), "photo_type": "before", "file": upload, "taken_at": "2026-11-22T08:00:00Z", **extra}
    headers = {"HTTP_X_DEVICE_ID": device} if device else {}
    return w.client(w.issuer).post(PHOTOS, body, format="multipart", **headers)


def test_photo_retry_same_offline_id_gives_back_the_first(w):
    pid = w.create_permit()["id"]
    first = _photo(w, pid, _png(), device="cam-1", offline_id="ph-1")
    assert first.status_code == 201, first.json()
    assert first.json()["device_id"] == "cam-1"
    again = _photo(w, pid, _png(name="retry.png"), device="cam-1", offline_id="ph-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert PermitPhoto.objects.filter(permit_id=pid).count() == 1
    assert PermitAudit.objects.filter(permit_id=pid, action="photo_added").count() == 1


def test_photo_other_bytes_under_a_used_offline_id_is_409(w):
    pid = w.create_permit()["id"]
    assert _photo(w, pid, _png(), device="cam-1", offline_id="ph-1").status_code == 201
    clash = _photo(w, pid, _png(color=(0, 0, 255)), device="cam-1", offline_id="ph-1")
    assert clash.status_code == 409 and clash.json()["code"] == "offline_id_conflict"
    assert PermitPhoto.objects.filter(permit_id=pid).count() == 1


def test_photo_same_bytes_without_offline_id_is_deduplicated_other_bytes_are_new(w):
    pid = w.create_permit()["id"]
    first = _photo(w, pid, _png())
    assert first.status_code == 201
    assert _photo(w, pid, _png()).status_code == 200
    assert _photo(w, pid, _png(color=(0, 255, 0))).status_code == 201
    assert PermitPhoto.objects.filter(permit_id=pid).count() == 2


def test_photo_other_device_same_offline_id_new_photo(w):
    pid = w.create_permit()["id"]
    assert _photo(w, pid, _png(), device="cam-1", offline_id="ph-1").status_code == 201
    assert _photo(w, pid, _png(color=(0, 0, 255)), device="cam-2", offline_id="ph-1").status_code == 201
    assert PermitPhoto.objects.filter(permit_id=pid).count() == 2


def test_photo_bad_image_is_400_not_stored(w):
    pid = w.create_permit()["id"]
    bad = SimpleUploadedFile("x.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/png")
    r = _photo(w, pid, bad, offline_id="ph-9")
    assert r.status_code == 400 and "file" in str(r.json())
    assert not PermitPhoto.objects.filter(permit_id=pid).exists()
