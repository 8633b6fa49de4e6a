"""Small server-rendered SVG charts for the doctor's screens: audiogram, spirometry against
predicted, risk gauge and risk trend.

Why SVG strings built here and not a JavaScript charting library: the admin's content
security policy stays strict, the charts print with the page, render in the browser tests
without network, and every value is a number we format ourselves (labels are escaped), so
nothing a user typed can inject markup. Colours follow clinical convention where one exists
(audiogram: right ear red circles, left ear blue crosses).
"""
from __future__ import annotations

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ohms_core.charts import svg, text

from .models.examination import AUDIOMETRY_FREQUENCIES

RIGHT_EAR, LEFT_EAR = "#c62828", "#1565c0"
LEVEL_COLOURS = {"low": "#2e7d32", "moderate": "#f9a825", "high": "#ef6c00", "critical": "#c62828"}
#: Hearing level bands (dB HL) drawn behind the audiogram: normal up to 25, then loss.
HEARING_BANDS = ((-10, 25, "#e8f5e9"), (25, 40, "#fffde7"), (40, 70, "#fff3e0"), (70, 120, "#ffebee"))
#: Below this FEV1/FVC ratio the pattern is obstructive (GOLD fixed ratio).
OBSTRUCTION_RATIO = 0.70




def audiogram(thresholds: dict | None) -> SafeString | None:
    """Hearing thresholds (dB HL, -10 at the top, 120 at the bottom) per frequency and ear."""
    thresholds = thresholds or {}
    if not any(thresholds.get(ear) for ear in ("left", "right")):
        return None
    width, height, left, top, right, bottom = 420, 290, 44, 28, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(index):
        return left + plot_w * index / (len(AUDIOMETRY_FREQUENCIES) - 1)

    def y(db):
        return top + plot_h * (db + 10) / 130

    body = []
    for low, high, colour in HEARING_BANDS:
        body.append(f'<rect x="{left}" y="{y(low):.1f}" width="{plot_w}" height="{y(high) - y(low):.1f}" '
                    f'fill="{colour}"/>')
    for db in range(-10, 121, 10):
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(db):.1f}" y2="{y(db):.1f}" stroke="#ddd"/>')
        body.append(text(left - 6, y(db) + 4, str(db), anchor="end", size=10))
    for index, frequency in enumerate(AUDIOMETRY_FREQUENCIES):
        body.append(f'<line x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{top}" y2="{top + plot_h}" stroke="#ddd"/>')
        label = f"{int(frequency) // 1000}k" if int(frequency) >= 1000 else frequency
        body.append(text(x(index), top + plot_h + 14, label, size=10))
    body.append(text(left + plot_w / 2, height - 4, _("Frequency (Hz)"), size=10))
    body.append(text(left - 6, 12, _("dB HL"), size=10, anchor="end"))
    for ear, colour in (("right", RIGHT_EAR), ("left", LEFT_EAR)):
        values = thresholds.get(ear) or {}
        points = [(x(i), y(values[f])) for i, f in enumerate(AUDIOMETRY_FREQUENCIES) if f in values]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        for px, py in points:
            if ear == "right":
                body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="white" stroke="{colour}" '
                            f'stroke-width="2" class="ohms-audiogram-right"/>')
            else:
                body.append(f'<path d="M{px - 5:.1f},{py - 5:.1f} L{px + 5:.1f},{py + 5:.1f} M{px - 5:.1f},'
                            f'{py + 5:.1f} L{px + 5:.1f},{py - 5:.1f}" stroke="{colour}" stroke-width="2" '
                            f'class="ohms-audiogram-left"/>')
    body.append(text(left + plot_w - 90, top + 14, _("O right"), anchor="start", colour=RIGHT_EAR, weight="bold"))
    body.append(text(left + plot_w - 40, top + 14, _("X left"), anchor="start", colour=LEFT_EAR, weight="bold"))
    return svg(width, height, _("Audiogram"), body)


def spirometry(results: dict | None) -> SafeString | None:
    """FEV1 and FVC as bars against their predicted values (percent of predicted printed),
    and the FEV1/FVC ratio against the 0.70 obstruction line."""
    results = results or {}
    measured = [(key, results.get(key), results.get(f"{key}_predicted")) for key in ("fev1", "fvc")]
    if not any(value for _key, value, _pred in measured) and results.get("fev1_fvc") is None:
        return None
    width, height, left, top, bottom = 420, 200, 60, 16, 30
    bar_area = 260
    scale_max = max([v for _k, m, p in measured for v in (m, p) if v] + [1.0]) * 1.15
    body = []

    def bar_x(value):
        return left + bar_area * value / scale_max

    row = top
    for key, value, predicted in measured:
        label = key.upper()
        body.append(text(left - 8, row + 22, label, anchor="end", weight="bold"))
        if predicted:
            body.append(f'<rect x="{left}" y="{row + 6}" width="{bar_x(predicted) - left:.1f}" height="12" '
                        f'fill="#cfd8dc" class="ohms-spiro-predicted"/>')
            body.append(text(bar_x(predicted) + 4, row + 16, _("predicted %(value)s L")
                              % {"value": number_format(predicted, 2)}, anchor="start", size=10, colour="#607d8b"))
        if value:
            percent = f" ({number_format(value / predicted * 100, 0)} %)" if predicted else ""
            colour = "#2e7d32" if not predicted or value / predicted >= 0.8 else "#ef6c00"
            body.append(f'<rect x="{left}" y="{row + 20}" width="{bar_x(value) - left:.1f}" height="14" '
                        f'fill="{colour}" class="ohms-spiro-measured"/>')
            body.append(text(bar_x(value) + 4, row + 32, f"{number_format(value, 2)} L{percent}", anchor="start",
                              size=10))
        row += 48
    ratio = results.get("fev1_fvc")
    if ratio is not None:
        ratio_y = row + 10
        body.append(text(left - 8, ratio_y + 12, _("FEV1/FVC"), anchor="end", weight="bold", size=10))
        body.append(f'<rect x="{left}" y="{ratio_y}" width="{bar_area}" height="16" fill="#eceff1"/>')
        colour = "#2e7d32" if ratio >= OBSTRUCTION_RATIO else "#c62828"
        body.append(f'<rect x="{left}" y="{ratio_y}" width="{bar_area * min(ratio, 1):.1f}" height="16" '
                    f'fill="{colour}" class="ohms-spiro-ratio"/>')
        limit_x = left + bar_area * OBSTRUCTION_RATIO
        body.append(f'<line x1="{limit_x:.1f}" x2="{limit_x:.1f}" y1="{ratio_y - 4}" y2="{ratio_y + 20}" '
                    f'stroke="#333" stroke-dasharray="3,2"/>')
        body.append(text(left + bar_area + 6, ratio_y + 12, number_format(ratio, 2), anchor="start", size=10))
        height = max(height, ratio_y + 16 + bottom)
    return svg(width, height, _("Spirometry against predicted"), body)


def risk_gauge(score, level: str) -> SafeString:
    """A horizontal 0-100 gauge with the four bands and a marker at the score."""
    width, left, bar = 360, 10, 340
    body = []
    for low, high, band in ((0, 34, "low"), (34, 67, "moderate"), (67, 86, "high"), (86, 100, "critical")):
        body.append(f'<rect x="{left + bar * low / 100:.1f}" y="10" width="{bar * (high - low) / 100:.1f}" '
                    f'height="14" fill="{LEVEL_COLOURS[band]}" opacity="0.35"/>')
    value = max(0.0, min(100.0, float(score or 0)))
    marker = left + bar * value / 100
    body.append(f'<path d="M{marker - 6:.1f},4 L{marker + 6:.1f},4 L{marker:.1f},14 Z" '
                f'fill="{LEVEL_COLOURS.get(level, "#333")}" class="ohms-gauge-marker"/>')
    body.append(f'<rect x="{marker - 1.5:.1f}" y="10" width="3" height="14" fill="{LEVEL_COLOURS.get(level, "#333")}"/>')
    for tick in (0, 34, 67, 86, 100):
        body.append(text(left + bar * tick / 100, 38, str(tick), size=10))
    return svg(width, 44, _("Overall risk score %(score)s of 100") % {"score": number_format(value, 1)}, body)


def risk_trend(points: list[tuple]) -> SafeString | None:
    """Overall score over time from the profile's history: ``[(datetime, score, level)]``,
    oldest first; band lines at 34, 67 and 86."""
    if not points:
        return None
    width, height, left, top, right, bottom = 520, 200, 36, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(score):
        return top + plot_h * (1 - float(score) / 100)

    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds() or 1.0

    def x(moment):
        return left + plot_w * ((moment - first).total_seconds() / span if len(points) > 1 else 0.5)

    body = []
    for threshold, band in ((34, "moderate"), (67, "high"), (86, "critical")):
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(threshold):.1f}" y2="{y(threshold):.1f}" '
                    f'stroke="{LEVEL_COLOURS[band]}" stroke-dasharray="4,3"/>')
    for tick in (0, 50, 100):
        body.append(text(left - 6, y(tick) + 4, str(tick), anchor="end", size=10))
    path = " ".join(f"{x(moment):.1f},{y(score):.1f}" for moment, score, _level in points)
    body.append(f'<polyline points="{path}" fill="none" stroke="#37474f" stroke-width="2"/>')
    for moment, score, level in points:
        body.append(f'<circle cx="{x(moment):.1f}" cy="{y(score):.1f}" r="3.5" fill="{LEVEL_COLOURS.get(level, "#333")}" '
                    f'class="ohms-trend-point"><title>{escape(date_format(moment, "SHORT_DATE_FORMAT"))}: '
                    f'{escape(number_format(score, 1))}</title></circle>')
    body.append(text(left, height - 6, date_format(first, "SHORT_DATE_FORMAT"), anchor="start", size=10))
    if len(points) > 1:
        body.append(text(left + plot_w, height - 6, date_format(last, "SHORT_DATE_FORMAT"), anchor="end", size=10))
    return svg(width, height, _("Overall risk score over time"), body)
