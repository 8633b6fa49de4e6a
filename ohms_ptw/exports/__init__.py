"""Audit-ready exports of permits (SPEC 2.10): one PDF per permit, Excel workbooks, bulk ZIP.

``selectors`` loads permits with everything an export shows in a fixed number of queries;
``pdf`` and ``excel`` only format; ``bulk`` picks the permits (ids or filters, scoped,
limited), streams the result and writes the audit rows.
"""
