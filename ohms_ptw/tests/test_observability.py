"""Structured PTW logs (SPEC 5.3): allow-listed fields only, one JSON line per timed call."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..observability import SAFE_FIELDS, log_ptw_event, time_endpoint
from .helpers import BASE

pytestmark = pytest.mark.django_db
ENVELOPE = {"event", "ts"}


def ptw_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ptw"]


def test_log_ptw_event_writes_only_allow_listed_scalar_fields(caplog):
    with caplog.at_level(logging.INFO, logger="ptw"):
        written = log_ptw_event(
            "ptw.test", user_id=7, permit_count=3, detailed=True, output_bytes=1024, outcome="ok",
            signature_data="data:image/png;base64,SECRETSIG", payload={"gas": "H2S"}, request_body="{...}",
            diagnosis="hypertension", medical_notes="unfit", password="hunter2",
            endpoint={"signature_data": "nested"}, permit_id=["a", "b"], project_id="x" * 500)
    [line] = ptw_lines(caplog)
    assert line == written
    assert set(line) == ENVELOPE | {"user_id", "permit_count", "detailed", "output_bytes", "outcome"}
    raw = caplog.records[-1].getMessage()
    for secret in ("SECRETSIG", "signature_data", "H2S", "hypertension", "unfit", "hunter2", "nested", "xxxx"):
        assert secret not in raw
    assert line["event"] == "ptw.test" and line["permit_count"] == 3 and line["detailed"] is True


def test_time_endpoint_logs_duration_and_status_even_when_the_view_raises(caplog):
    from rest_framework.exceptions import NotFound

    class View:
        organization = None
        log_fields = {"permit_count": 2, "signature_data": "never"}

        @time_endpoint("probe")
        def ok(self, request):
            return type("R", (), {"status_code": 201})()

        @time_endpoint()
        def missing(self, request):
            raise NotFound()

    request = type("Req", (), {"user": type("U", (), {"pk": 5})()})()
    with caplog.at_level(logging.INFO, logger="ptw"):
        View().ok(request)
        with pytest.raises(NotFound):
            View().missing(request)
    first, second = ptw_lines(caplog)
    assert first["event"] == "ptw.probe" and first["status_code"] == 201 and first["outcome"] == "ok"
    assert first["user_id"] == 5 and first["permit_count"] == 2 and first["duration_ms"] >= 0
    assert "signature_data" not in first
    assert second["event"] == "ptw.missing" and second["status_code"] == 404 and second["outcome"] == "refused"


def test_kpis_and_bulk_exports_are_logged_with_their_counts(w, caplog):
    permit = w.create_permit()
    client = w.client(w.admin)
    with caplog.at_level(logging.INFO, logger="ptw"):
        assert client.get(BASE + "kpis/").status_code == 200
        assert client.post(BASE + "bulk_export_excel/", {"permit_ids": [permit["id"]], "detailed": True},
                           format="json").status_code == 200
        response = client.post(BASE + "bulk_export_pdf/", {"permit_ids": [permit["id"]]}, format="json")
        b"".join(response.streaming_content)
        assert client.get(f"{BASE}{permit['id']}/export_pdf/").status_code == 200
    lines = {line["event"]: line for line in ptw_lines(caplog)}
    assert lines["ptw.kpis"]["status_code"] == 200 and lines["ptw.kpis"]["user_id"] == w.admin.pk
    assert lines["ptw.kpis"]["organization_id"] == str(w.org.pk)
    excel = lines["ptw.bulk_export_excel"]
    assert excel["permit_count"] == 1 and excel["detailed"] is True and excel["outcome"] == "ok"
    assert lines["ptw.excel_export.written"]["output_bytes"] > 0
    assert lines["ptw.bulk_export_pdf"]["permit_count"] == 1
    assert lines["ptw.bulk_export_pdf.streamed"]["output_bytes"] > 0
    single = lines["ptw.export_pdf"]
    assert single["permit_id"] == permit["id"] and single["output_bytes"] > 1000
    for line in lines.values():
        assert set(line) <= ENVELOPE | SAFE_FIELDS


def test_a_refused_export_is_logged_as_refused(w, caplog):
    with caplog.at_level(logging.INFO, logger="ptw"):
        response = w.client(w.admin).post(BASE + "bulk_export_pdf/", {"permit_ids": "nope"}, format="json")
    assert response.status_code == 400
    [line] = [line for line in ptw_lines(caplog) if line["event"] == "ptw.bulk_export_pdf"]
    assert line["status_code"] == 400 and line["outcome"] == "refused"


def test_the_deployment_log_file_receives_the_json_lines(tmp_path):
    """``OHMS_PTW_LOG_FILE`` adds a file handler to the ``ptw`` logger (base settings)."""
    log_file = tmp_path / "ptw.log"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "OHMS_PTW_LOG_FILE": str(log_file), "DJANGO_SETTINGS_MODULE": "ohms_site.settings.base",
           "PYTHONPATH": os.pathsep.join([str(root / "site"), str(root)])}
    code = ("import django; django.setup(); from ohms_ptw.observability import log_ptw_event; "
            "log_ptw_event('ptw.probe', permit_count=4, signature_data='SECRET')")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=root, timeout=120)
    [line] = log_file.read_text().splitlines()
    record = json.loads(line)
    assert record["event"] == "ptw.probe" and record["permit_count"] == 4 and "SECRET" not in line
