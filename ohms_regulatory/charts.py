"""Server-rendered SVG charts of the ESG screen (primitives in ``ohms_core.charts``)."""
from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ohms_core.charts import svg, text

SCOPE_COLOURS = {"scope_1": "#ef6c00", "scope_2": "#1e88e5", "scope_3": "#8e24aa"}
TARGET_COLOUR = "#2e7d32"


def _tonnes(kg: Decimal) -> str:
    return number_format(Decimal(kg) / 1000, decimal_pos=0, use_l10n=True, force_grouping=True)


def emissions_by_year(years: dict[int, dict[str, Decimal]], scope_labels: dict[str, str],
                      targets: list[tuple[int, Decimal, str]] = ()) -> SafeString:
    """Stacked bars of emissions (tonnes CO2e) per year and scope; each goal drawn as a green
    dash at its target total (``(year, target kg, label)``), so a person sees at once whether a
    year sits above or below its goal."""
    width, height, left, bottom, top_pad = 560, 260, 70, 30, 20
    ordered = sorted(years)
    totals = {y: sum(years[y].values(), Decimal("0")) for y in ordered}
    peak = max([*totals.values(), *(kg for _y, kg, _l in targets), Decimal("1")])
    plot_h = height - bottom - top_pad
    slot = (width - left - 10) / max(1, len(ordered))
    bar_w = min(48, slot * 0.6)
    body = []
    for i in range(5):  # horizontal grid with tonne labels
        value = peak * i / 4
        y = height - bottom - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        body.append(text(left - 6, y + 4, _tonnes(value), anchor="end", size=10))
    body.append(text(12, top_pad - 6, _("t CO2e"), anchor="start", size=10))
    for index, year in enumerate(ordered):
        x = left + slot * index + (slot - bar_w) / 2
        y = height - bottom
        for scope, colour in SCOPE_COLOURS.items():
            kg = years[year].get(scope, Decimal("0"))
            if not kg:
                continue
            h = float(plot_h * kg / peak)
            y -= h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}" '
                        f'data-year="{year}" data-scope="{scope}" data-kg="{kg:.3f}">'
                        f'<title>{scope_labels.get(scope, scope)} {year}: {_tonnes(kg)} t</title></rect>')
        body.append(text(x + bar_w / 2, height - bottom + 16, str(year)))
        for target_year, target_kg, label in targets:
            if target_year == year:
                ty = height - bottom - float(plot_h * target_kg / peak)
                body.append(f'<line x1="{x - 6:.1f}" y1="{ty:.1f}" x2="{x + bar_w + 6:.1f}" y2="{ty:.1f}" '
                             f'stroke="{TARGET_COLOUR}" stroke-width="3" stroke-dasharray="6 3" '
                             f'data-target-year="{year}"><title>{label}</title></line>')
    legend_x = left
    for scope, colour in SCOPE_COLOURS.items():
        body.append(f'<rect x="{legend_x}" y="4" width="10" height="10" fill="{colour}"/>')
        body.append(text(legend_x + 14, 13, scope_labels.get(scope, scope), anchor="start", size=10))
        legend_x += 150
    if targets:
        body.append(f'<line x1="{legend_x}" y1="9" x2="{legend_x + 14}" y2="9" stroke="{TARGET_COLOUR}" '
                    f'stroke-width="3" stroke-dasharray="6 3"/>')
        body.append(text(legend_x + 18, 13, _("Goal"), anchor="start", size=10))
    return svg(width, height, _("Emissions per year and scope"), body)
