"""Reads for the exports: permits with every child an audit document shows, in a fixed
number of queries whatever the number of permits or children (asserted in the tests)."""
from __future__ import annotations

from django.db.models import Prefetch

from ..models import (
    DigitalSignature,
    GasReading,
    Permit,
    PermitAudit,
    PermitCloseout,
    PermitHazard,
    PermitIsolationPoint,
    PermitPhoto,
)

#: Audit excerpt length in the PDF (SPEC 2.10 section 10).
AUDIT_EXCERPT = 20

PERMIT_RELATED = (
    "permit_type", "project", "created_by", "issuer", "receiver", "verifier", "approver", "area_incharge",
    "department_head", "method_statement", "work_procedure", "risk_assessment_doc", "site_layout",
)

#: What the flat Permits sheet shows (not the documents of the PDF): fewer joins and rows to build.
FLAT_RELATED = ("permit_type", "project", "created_by", "issuer", "receiver", "verifier", "approver", "area_incharge")


def permit_export_queryset(queryset, *, detailed: bool = True, audit_limit: int | None = AUDIT_EXCERPT):
    """``queryset`` (already scoped and filtered) with the joins and prefetches of an export.

    ``detailed=False`` is the flat Excel sheet: joins only, one query. ``detailed=True`` adds
    one query per child kind (gas, isolation, closeout, signatures, photos, hazards, audit).
    ``audit_limit`` keeps the newest N audit rows per permit (a windowed prefetch), None all.
    """
    if not detailed:
        return queryset.select_related(*FLAT_RELATED)
    queryset = queryset.select_related(*PERMIT_RELATED)
    audits = PermitAudit.objects.select_related("user").order_by("-timestamp")
    if audit_limit is not None:
        audits = audits[:audit_limit]
    return queryset.prefetch_related(
        Prefetch("gas_readings", queryset=GasReading.objects.select_related("tested_by").order_by("tested_at"),
                 to_attr="export_gas"),
        Prefetch("isolation_points", queryset=PermitIsolationPoint.objects.select_related(
            "point", "isolated_by", "verified_by", "deisolated_by").order_by("order", "created_at"), to_attr="export_points"),
        Prefetch("closeout", queryset=PermitCloseout.objects.select_related("template", "completed_by")),
        Prefetch("signatures", queryset=DigitalSignature.objects.select_related("signatory").order_by("signed_at"),
                 to_attr="export_signatures"),
        Prefetch("photos", queryset=PermitPhoto.objects.select_related("taken_by").order_by("taken_at"),
                 to_attr="export_photos"),
        Prefetch("hazards", queryset=PermitHazard.objects.order_by("created_at"), to_attr="export_hazards"),
        Prefetch("audits", queryset=audits, to_attr="export_audits"),
    )


def permit_for_export(pk, *, queryset) -> Permit | None:
    """One permit of ``queryset`` (scoped by the caller) ready for the PDF, or None."""
    return permit_export_queryset(queryset.filter(pk=pk)).first()


def closeout_of(permit) -> PermitCloseout | None:
    """The prefetched closeout (a reverse one-to-one raises when absent)."""
    try:
        return permit.closeout
    except PermitCloseout.DoesNotExist:
        return None
