"""A small state machine installed only in tests: it proves the core workflow machinery
(registry, gates, permissions, transitions API, admin buttons, log, events) end to end,
and is the smallest example of an add-on (docs/addons.md)."""
from ohms_core.addons import AddonConfig


class TestflowConfig(AddonConfig):
    name = "ohms_core.tests.workflow_app"
    label = "ohms_testflow"
    verbose_name = "Test workflow"
