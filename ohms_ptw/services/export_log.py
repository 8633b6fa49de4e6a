"""Writes of the bulk-export counter (``ExportLogEntry``), read by the ops health endpoint."""
from __future__ import annotations

from ..models import ExportLogEntry


def export_log_record(*, organization, user, kind: str, permit_count: int, detailed: bool = False,
                      output_bytes: int | None = None) -> ExportLogEntry | None:
    """One row per multi-permit export (bulk ZIP, bulk or filtered Excel), whatever the path
    (API or admin). Nothing is written without an organization: the counter is per tenant."""
    if organization is None:
        return None
    return ExportLogEntry.objects.create(
        organization=organization, user=user if getattr(user, "is_authenticated", False) else None, kind=kind,
        detailed=detailed, permit_count=permit_count, output_bytes=output_bytes)
