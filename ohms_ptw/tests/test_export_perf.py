"""Export speed work (issue 9 benchmarks): the faster code paths give the same content."""
from __future__ import annotations

import itertools

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..exports.pdf import QrFlowable


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
