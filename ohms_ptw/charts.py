"""Server-rendered SVG charts of the permit dashboard: permits by status and the weekly trend.

Why SVG strings built here (the style of ``ohms_health.charts``) and not a JavaScript
library: no CDN and no script under the admin's content security policy, the charts print
with the page and render in browser tests without network; every value is a number we
format, every label is escaped.
"""
from __future__ import annotations

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ohms_core.charts import svg, text

#: One colour per status family (open work blue, live work green, trouble orange/red, closed grey).
STATUS_COLOURS = {
    "draft": "#90a4ae", "submitted": "#64b5f6", "pending_verification": "#1e88e5", "pending_approval": "#3949ab",
    "under_review": "#5e35b1", "approved": "#43a047", "active": "#2e7d32", "suspended": "#f9a825",
    "completed_today": "#607d8b", "cancelled_today": "#9e9e9e", "expired": "#ef6c00", "rejected": "#c62828",
}




def status_bars(rows: list[tuple[str, str, int]]) -> SafeString:
    """Horizontal bars, one per ``(key, label, count)``; the count written at the bar's end."""
    width, label_w, bar_h, gap = 460, 170, 16, 6
    height = max(1, len(rows)) * (bar_h + gap) + 10
    top = max([count for _key, _label, count in rows] + [1])
    body = []
    for i, (key, label, count) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        length = (width - label_w - 40) * count / top
        body.append(text(label_w - 6, y + bar_h - 4, label, anchor="end"))
        body.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                    f'fill="{STATUS_COLOURS.get(key, "#1e88e5")}" data-status="{escape(key)}" data-count="{count}"/>')
        body.append(text(label_w + length + 4, y + bar_h - 4, str(count), anchor="start"))
    return svg(width, height, _("Permits by status"), body)


def weekly_trend(points: list[tuple]) -> SafeString:
    """Permits created per week (``(week_start_date, count)``, oldest first): a line with dots."""
    width, height, left, bottom, top_pad = 460, 180, 36, 30, 24
    top = max([count for _week, count in points] + [1])
    step = (width - left - 16) / max(1, len(points) - 1)

    def xy(i, count):
        return left + i * step, height - bottom - (height - bottom - top_pad) * count / top

    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - 8}" y2="{height - bottom}" stroke="#999"/>',
            text(left - 6, top_pad + 4, str(top), anchor="end", size=10), text(left - 6, height - bottom, "0", anchor="end", size=10)]
    coords = [xy(i, count) for i, (_week, count) in enumerate(points)]
    if coords:
        body.append('<polyline fill="none" stroke="#1e88e5" stroke-width="2" points="'
                    + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (x, y), (week, count) in zip(coords, points, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#1e88e5" data-week="{week.isoformat()}" '
                    f'data-count="{count}"/>')
        body.append(text(x, y - 7, str(count), size=10))
        body.append(text(x, height - bottom + 16, date_format(week, "d/m"), size=10))
    return svg(width, height, _("Permits created per week"), body)
