"""The two primitives of the suite's server-rendered SVG charts (health, permit to work, ESG).

Why SVG strings built on the server and not a JavaScript library: no CDN and no script
under the admin's content security policy, the charts print with the page and render in
browser tests without network. Every value is a number formatted by the caller and every
label goes through ``text``, which escapes it, so nothing a user typed can inject markup.
"""
from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    """An accessible SVG (role=img, a title) of ``body`` elements."""
    return mark_safe(  # noqa: S308 - numbers formatted by the callers, text escaped by text()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ohms-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def text(x, y, label, *, anchor="middle", size=11, colour="#333", weight="normal") -> str:
    """A label at (x, y), escaped."""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{colour}" '
            f'font-weight="{weight}" font-family="sans-serif">{escape(label)}</text>')
