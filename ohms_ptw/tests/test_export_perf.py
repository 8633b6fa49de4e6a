"""Export speed work (issue 9 benchmarks): the faster code paths give the same content."""
from __future__ import annotations

import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ohms_core.context import acting_as

from ..exports import bulk, xlsx_rows
from ..exports.excel import flat_permit_rows, generate_excel_export
from ..exports.pdf import QrFlowable
from ..models import Permit
from .test_exports import make_permit, with_children


class _Recorder(Canvas):
    """A canvas that remembers how its last path was painted."""

    def __init__(self):
        super().__init__(None)
        self.fill = None

    def drawPath(self, path, stroke=1, fill=0, **kw):  # noqa: N802 (reportlab's name)
        self.fill = fill
        super().drawPath(path, stroke=stroke, fill=fill, **kw)


def test_qr_flowable_encodes_like_reportlabs_widget_and_paints_each_dark_run():
    url = "https://ohms.example.cd/admin/ptw/permits/inspect/0f6b1c3e-8d1a-4a7e-9d8e-2b1f5c4d3a2b/"
    widget = QrCodeWidget(url)
    widget.qr.make()
    flowable = QrFlowable(url, 28 * mm)
    assert flowable.modules == widget.qr.modules  # same version, level and mask choice
    assert flowable.wrap(500, 500) == (28 * mm, 28 * mm)
    canvas = _Recorder()
    flowable.canv = canvas
    flowable.draw()
    ops = "\n".join(c.decode() if isinstance(c, bytes) else c for c in canvas._code)
    runs = sum(1 for row in widget.qr.modules for dark, _run in itertools.groupby(row) if dark)
    assert ops.count(" re") == runs and ops.rstrip().endswith(("f", "f*"))  # one filled path
    assert canvas.fill == 1


# --- Excel: fast rows give the workbook the cells path gave --------------------------------
def _cells(data: bytes) -> dict:
    """Every cell of every sheet: value, type, number format, border, quote prefix, bold; and
    each sheet's frozen panes, filter and column widths."""
    book = load_workbook(io.BytesIO(data))
    out = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                out[(sheet.title, c.coordinate)] = (c.value, c.data_type, c.number_format, c.border.left.style,
                                                    c.quotePrefix, c.font.b)
        out[(sheet.title, "sheet")] = (sheet.freeze_panes, sheet.auto_filter.ref,
                                       {k: v.width for k, v in sheet.column_dimensions.items()})
    return out


def _tricky_permits(w) -> list:
    plain = make_permit(w)
    tricky = make_permit(w)
    Permit.objects.filter(pk=tricky.pk).update(submitted_at=timezone.now(), receiver=None, title='=HYPERLINK("x")  ',
                                               location=" <b>Zone & 4</b>")
    with_children(w, plain, 2)
    with_children(w, tricky, 1)
    return [plain.pk, tricky.pk]


@pytest.mark.parametrize("detailed", [False, True])
def test_excel_fast_rows_write_the_same_workbook_as_openpyxl_cells(w, monkeypatch, detailed):
    ids = _tricky_permits(w)
    with acting_as(organization=w.org):
        fast = bulk.excel_file(Permit.objects.all(), ids, detailed=detailed).read()
        monkeypatch.setattr(xlsx_rows.FastRowWriter, "enabled", False)
        chunks = bulk.iter_chunks(Permit.objects.all(), ids, detailed=detailed)  # model instances, cells
        reference = generate_excel_export(chunks, detailed=detailed, count=len(ids)).read()
    fast_cells, reference_cells = _cells(fast), _cells(reference)
    assert fast_cells == reference_cells
    assert fast_cells[("Permits", "B3")][:2] == ('=HYPERLINK("x")  ', "s")  # text, not a formula
    assert fast_cells[("Permits", "B3")][4] is True  # quote prefix
    assert fast_cells[("Permits", "G3")][0] == " <b>Zone & 4</b>"  # escaped, spaces kept
    assert fast_cells[("Permits", "H2")][2] == "yyyy-mm-dd hh:mm"  # planned start: a real date
    assert len([k for k in fast_cells if k[0] == "Permits"]) == 3 * 24 + 1


def test_flat_rows_are_read_without_model_instances_in_bounded_queries(w):
    ids = [make_permit(w).pk for _i in range(6)]
    with acting_as(organization=w.org):
        with CaptureQueriesContext(connection) as small:
            list(flat_permit_rows(Permit.objects.all(), ids[:1], chunk_size=2))
        with CaptureQueriesContext(connection) as large:
            rows = list(flat_permit_rows(Permit.objects.all(), ids, chunk_size=2))
    assert len(rows) == 6 and all(len(row) == 24 for row in rows)
    # one query per chunk, plus the referenced types, projects and people, each once
    assert len(large) - len(small) == 2
