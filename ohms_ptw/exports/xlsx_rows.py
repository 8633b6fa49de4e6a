"""Fast data rows for openpyxl's write-only sheets (issue 9 benchmarks: Excel >= 3,000 rows/s).

openpyxl (without lxml, which the suite does not install) writes every cell by building an
ElementTree element and serialising it through ``et_xmlfile``'s pure-Python incremental writer:
about 100 µs per cell, so 24 cells a row capped a flat export near 1,200 rows/s of CPU. Here a
data row is handed to the sheet as a ``RawRow`` of plain values and written as one XML string
with the same markup openpyxl produces (inline strings, numbers, dates as Excel serials, the
registered style id of each cell). The header and anything else still go through openpyxl.

Only the value types an export writes are handled (text, numbers, booleans, dates, None);
``test_export_perf`` opens a workbook written both ways and compares every cell (value, type,
number format, border, quote prefix). When the stream is not ``et_xmlfile``'s (lxml present),
the rows fall back to openpyxl's own cells.
"""
from __future__ import annotations

from datetime import date, datetime
from xml.sax.saxutils import escape

from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import NUMERIC_TYPES, safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._writer import WorksheetWriter


class RawRow(tuple):
    """The values of one data row, written by ``FastRowWriter`` (a tuple: openpyxl accepts it)."""


def excel_datetime(value):
    """Local, naive: Excel has no time zones (as the cell path does)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class FastRowWriter(WorksheetWriter):
    """openpyxl's worksheet writer, with ``RawRow`` rows written as one string each."""

    #: False: ``RawRow`` rows go through openpyxl's cells (the reference the tests compare with).
    enabled = True

    def __init__(self, ws, *, styles: tuple[int, int, int], prefixes: tuple, make_cell):
        super().__init__(ws)
        self.plain, self.dated, self.quoted = styles
        self.prefixes = prefixes
        self.make_cell = make_cell
        self.letters = [get_column_letter(i) for i in range(1, 257)]
        self.epoch = ws.parent.epoch

    def write_row(self, xf, row, row_idx):
        if not isinstance(row, RawRow):
            return super().write_row(xf, row, row_idx)
        raw = getattr(xf, "_file", None)
        if raw is None or not self.enabled or self.ws.parent.iso_dates:  # not et_xmlfile's stream: openpyxl's cells
            cells = []
            for column, value in enumerate(row, start=1):
                cell = self.make_cell(self.ws, value)
                cell.row, cell.column = row_idx, column
                cells.append(cell)
            return super().write_row(xf, cells, row_idx)
        raw(self.render(row, row_idx))
        return None

    def render(self, row, row_idx) -> str:
        parts = [f'<row r="{row_idx}">']
        append = parts.append
        for letter, value in zip(self.letters, row, strict=False):  # at most 256 columns
            ref = f"{letter}{row_idx}"
            if value is None:
                append(f'<c r="{ref}" s="{self.plain}" t="n"/>')
            elif isinstance(value, str):
                style = self.quoted if value.startswith(self.prefixes) else self.plain
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value == "":
                    append(f'<c r="{ref}" s="{style}" t="inlineStr"/>')
                    continue
                space = ' xml:space="preserve"' if value != value.strip() else ""
                append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
            elif isinstance(value, (datetime, date)):
                append(f'<c r="{ref}" s="{self.dated}" t="n"><v>{safe_string(to_excel(excel_datetime(value), self.epoch))}'
                       f'</v></c>')
            elif isinstance(value, bool):
                append(f'<c r="{ref}" s="{self.plain}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, NUMERIC_TYPES):
                append(f'<c r="{ref}" s="{self.plain}" t="n"><v>{safe_string(value)}</v></c>')
            else:
                text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
                append(f'<c r="{ref}" s="{self.plain}" t="inlineStr"><is><t>{text}</t></is></c>')
        append("</row>")
        return "".join(parts)


def install(sheet, *, styles: tuple[int, int, int], prefixes: tuple, make_cell) -> None:
    """Make the write-only ``sheet`` write ``RawRow`` rows with ``FastRowWriter`` (before any append)."""
    writer = FastRowWriter(sheet, styles=styles, prefixes=prefixes, make_cell=make_cell)
    writer.write_top()
    sheet._writer = writer
    to_cells = sheet._values_to_row

    def values_to_row(values, row_idx):
        return values if isinstance(values, RawRow) else to_cells(values, row_idx)

    sheet._values_to_row = values_to_row
