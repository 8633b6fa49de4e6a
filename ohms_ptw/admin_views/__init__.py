"""Wagtail admin screens of the permit-to-work add-on (registered in ``ohms_ptw.wagtail_hooks``).

Screens only: every write calls an ``ohms_ptw.services`` function and every "why is this
blocked" comes from ``ohms_core.workflows.transition_options`` / ``ohms_ptw.selectors``.
"""
