"""The compliance report states its range in the reader's language, not as ISO dates (issue 9)."""
from __future__ import annotations

from html import unescape

import pytest
from django.utils import translation

from ..reports import ReportRange, display_bound

pytestmark = pytest.mark.django_db


def test_range_bounds_are_localised():
    rng = ReportRange("2026-03-05", "2026-04-01")
    with translation.override("en"):
        assert rng.date_from_display == "5 March 2026" and rng.date_to_display == "1 April 2026"
    with translation.override("fr"):
        assert rng.date_from_display == "5 mars 2026"
    assert display_bound("not a date") == "not a date"
    assert display_bound("2026-13-40") == "2026-13-40"


def test_reports_page_sentence_shows_localised_dates(w, client):
    client.force_login(w.admin)
    body = unescape(client.get("/admin/ptw/reports/", {"date_from": "2026-03-05", "date_to": "2026-04-01"})
                    .content.decode())
    assert "Permits created from 5 March 2026 to 1 April 2026;" in body
    assert 'name="date_from" value="2026-03-05"' in body  # the form keeps the ISO value
