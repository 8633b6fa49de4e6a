"""Audit-ready exports of permits (SPEC 2.10): one PDF per permit, Excel workbooks, bulk ZIP.

``selectors`` loads permits with everything an export shows in a fixed number of queries;
``pdf`` and ``excel`` only format; ``bulk`` picks the permits (ids or filters, scoped,
limited), streams the result and writes the audit rows.
"""

# Before anything of ours imports ``reportlab.graphics``: ``reportlab/graphics/shapes.py`` reads
# this flag once, at import time, to decide whether every attribute set on a drawing shape is
# type-checked (``validateSetattr``: ~17 % of a permit PDF's CPU in the issue 9 profile). The
# shapes the exports build are fixed by code, never by user input, so the check buys nothing.
# (A process that imported ``reportlab.graphics`` earlier keeps the checks: correct, slower.)
import reportlab.rl_config  # noqa: E402

reportlab.rl_config.shapeChecking = 0
