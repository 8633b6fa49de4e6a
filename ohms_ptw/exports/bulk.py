"""Which permits an export covers, and the streamed results (SPEC 2.10 "Rules").

Every export starts from a queryset the caller has already scoped (organization and
projects: ``ohms_core.scoping``), so a permit the user may not see is never exported:
requested ids outside the scope are left out exactly like ids that do not exist (no
answer tells another tenant's id from a missing one). Filters go through one function,
``filter_permits``, with the filterset class passed in (the API's today, the canonical
``PermitFilter`` when it lands). Results are produced permit by permit in chunks so memory
stays bounded whatever the count; every export writes audit rows (action ``export``).
"""
from __future__ import annotations

import logging
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator

from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError

from ohms_core.exceptions import OhmsError
from ohms_core.models import AuditAction
from ohms_core.scoping import scope_filterset
from ohms_core.services.audit import audit_record

from .. import conf
from ..observability import log_ptw_event
from ..services.export_log import export_log_record
from .excel import flat_permit_rows, generate_excel_export
from .pdf import generate_audit_ready_pdf
from .selectors import permit_export_queryset

logger = logging.getLogger("ohms.ptw.exports")

#: Permits loaded (with their children) at a time while writing a bulk export.
CHUNK_SIZE = 25
#: The flat Excel sheet has no children to prefetch: larger chunks, fewer queries (issue 9 benchmarks).
FLAT_CHUNK_SIZE = 500
SEARCH_FIELDS = ("permit_number", "title", "location")
ORDERING_FIELDS = ("created_at", "planned_start_time", "planned_end_time", "permit_number", "risk_level")


def bulk_limit() -> int:
    return conf.ptw_setting("PTW_BULK_EXPORT_LIMIT")


def confirm_threshold() -> int:
    return conf.ptw_setting("PTW_EXPORT_CONFIRM_ABOVE")


def _querydict(params) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    data = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        if isinstance(value, (list, tuple)):
            data.setlist(key, [str(v) for v in value])
        elif value is not None:
            data[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return data


def filter_permits(queryset, params, *, filterset_class, request=None, organization=None):
    """``queryset`` narrowed by ``params`` (a dict or QueryDict of list filters): the
    filterset's fields, ``search`` and ``ordering``. The only filtering of the exports, so
    swapping in the canonical PermitFilter is one argument. Bad values are a 400 with the
    filterset's field errors."""
    data = _querydict(params)
    if filterset_class is not None:
        filterset = filterset_class(data=data, queryset=queryset, request=request)
        scope_filterset(filterset, request, organization=organization)
        if not filterset.is_valid():
            raise ValidationError({"filters": filterset.errors})
        queryset = filterset.qs
    search = (data.get("search") or data.get("q") or "").strip()
    if search:
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": search})
        queryset = queryset.filter(condition)
    ordering = data.get("ordering") or ""
    if ordering.lstrip("-") in ORDERING_FIELDS:
        queryset = queryset.order_by(ordering, "pk")
    return queryset


def _ids(raw) -> list[uuid.UUID]:
    if not isinstance(raw, (list, tuple)):
        raise ValidationError({"permit_ids": [_("A list of permit ids is expected.")]})
    ids = []
    for value in raw:
        try:
            ids.append(uuid.UUID(str(value)))
        except (TypeError, ValueError):
            raise ValidationError({"permit_ids": [_("“%(value)s” is not a valid permit id.") % {"value": value}]}) from None
    return ids


class ExportLimitExceeded(OhmsError):
    """More permits than one export may hold (HTTP 400 with the message as ``detail``)."""

    code = "export_limit_exceeded"


def limit_error(count: int, limit: int) -> ExportLimitExceeded:
    return ExportLimitExceeded(_("%(count)s permits selected: at most %(limit)s can be exported at once. "
                                 "Narrow the filters or select fewer permits.") % {"count": count, "limit": limit},
                               errors={"count": count, "limit": limit})


def select_permit_ids(queryset, *, permit_ids=None, filters=None, filterset_class=None, request=None,
                      organization=None, limit: int | None = None) -> list:
    """The ids (in export order) of the permits an export covers; ``permit_ids`` take
    precedence over ``filters``. More than ``limit`` → 400; ids none of which the user may
    see → 404; filters matching nothing → an empty list (an empty workbook is an answer)."""
    limit = bulk_limit() if limit is None else limit
    if permit_ids is not None:
        ids = _ids(permit_ids)
        if not ids:
            raise ValidationError({"permit_ids": [_("Select at least one permit.")]})
        if len(set(ids)) > limit:
            raise limit_error(len(set(ids)), limit)
        found = list(queryset.filter(pk__in=ids).order_by("-created_at", "pk").values_list("pk", flat=True))
        if not found:
            raise NotFound(_("No permit found."))
        return found
    queryset = filter_permits(queryset, filters or {}, filterset_class=filterset_class, request=request,
                              organization=organization)
    found = list(queryset.values_list("pk", flat=True)[: limit + 1])
    if len(found) > limit:
        raise limit_error(queryset.count(), limit)
    return found


def iter_chunks(queryset, ids: list, *, detailed: bool = True, chunk_size: int | None = None) -> Iterator[list]:
    """Permits of ``ids`` loaded for export ``chunk_size`` at a time, in the order of ``ids``."""
    chunk_size = chunk_size or (CHUNK_SIZE if detailed else FLAT_CHUNK_SIZE)
    for start in range(0, len(ids), chunk_size):
        batch = ids[start:start + chunk_size]
        loaded = {p.pk: p for p in permit_export_queryset(queryset.filter(pk__in=batch), detailed=detailed)}
        yield [loaded[pk] for pk in batch if pk in loaded]


def audit_export(*, permits: Iterable, user, organization, kind: str, detailed: bool = False, batch: str = "") -> int:
    """One AuditLog row (action ``export``) per exported permit: who took which permit out, how;
    and, for a multi-permit export (``batch`` set), one ``ExportLogEntry`` (SPEC 5.3 counter)."""
    count = 0
    for permit in permits:
        audit_record(action=AuditAction.EXPORT, obj=permit, user=user, organization=organization,
                     changes={"format": kind, "detailed": detailed, "batch": batch})
        count += 1
    if batch:  # a multi-permit export (bulk ZIP, bulk or filtered Excel): the ops health counter
        export_log_record(organization=organization, user=user, kind=kind, permit_count=count, detailed=detailed)
    return count


class _Sink:
    """A write-only file for ``zipfile``: keeps what was written since the last ``pop``."""

    def __init__(self):
        self._buffer = bytearray()
        self._position = 0

    def write(self, data) -> int:
        self._buffer += data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self):
        pass

    def pop(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def zip_filename(permit) -> str:
    return f"PTW_{permit.permit_number}.pdf"


def stream_pdf_zip(queryset, ids: list) -> Iterator[bytes]:
    """A ZIP of one PDF per permit, yielded as it is written: at most one chunk of permits
    and one PDF in memory at a time (``zipfile`` streams to a non-seekable sink)."""
    started, size = time.monotonic(), 0
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for chunk in iter_chunks(queryset, ids):
            for permit in chunk:
                archive.writestr(zip_filename(permit), generate_audit_ready_pdf(permit))
                data = sink.pop()
                size += len(data)
                yield data
    data = sink.pop()
    size += len(data)
    logger.info("ptw bulk pdf export", extra={"permit_count": len(ids), "detailed": True, "bytes": size,
                                               "duration_ms": round((time.monotonic() - started) * 1000)})
    log_ptw_event("ptw.bulk_export_pdf.streamed", permit_count=len(ids), output_bytes=size,
                  duration_ms=round((time.monotonic() - started) * 1000, 1))
    yield data


def excel_file(queryset, ids: list, *, detailed: bool):
    """The workbook of ``ids`` in a spooled temporary file (rewound), written chunk by chunk."""
    started = time.monotonic()
    if detailed:
        spool = generate_excel_export(iter_chunks(queryset, ids, detailed=True), detailed=True, count=len(ids))
    else:  # the flat sheet: plain values, no model instances (issue 9: Excel >= 3,000 rows/s)
        spool = generate_excel_export((), count=len(ids), rows=flat_permit_rows(queryset, ids, chunk_size=FLAT_CHUNK_SIZE))
    logger.info("ptw excel export", extra={"permit_count": len(ids), "detailed": detailed,
                                            "duration_ms": round((time.monotonic() - started) * 1000)})
    spool.seek(0, 2)
    log_ptw_event("ptw.excel_export.written", permit_count=len(ids), detailed=detailed, output_bytes=spool.tell(),
                  duration_ms=round((time.monotonic() - started) * 1000, 1))
    spool.seek(0)
    return spool


def iter_file(spool, block: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while data := spool.read(block):
            yield data
    finally:
        spool.close()
