"""``manage.py ohms_startaddon`` writes a skeleton that imports and registers cleanly."""
import importlib
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ohms_core.addons import AddonConfig


def test_startaddon_writes_a_registered_skeleton(tmp_path, monkeypatch):
    call_command("ohms_startaddon", "gatehouse", "--title", "Gate house", "--directory", str(tmp_path))
    root = tmp_path / "ohms_gatehouse"
    for relative in ("apps.py", "manifest.py", "gates.py", "services.py", "selectors.py", "api/urls.py",
                     "wagtail_hooks.py", "migrations/__init__.py", "tests/test_manifest.py"):
        assert (root / relative).is_file(), relative
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        manifest = importlib.import_module("ohms_gatehouse.manifest").MANIFEST
        apps_module = importlib.import_module("ohms_gatehouse.apps")
        assert manifest.label == "ohms_gatehouse" and manifest.depends == ("ohms_core",)
        assert importlib.import_module("ohms_gatehouse.api.urls").urlpatterns is not None
        assert issubclass(apps_module.OhmsGatehouseConfig, AddonConfig) and apps_module.OhmsGatehouseConfig.default
    finally:
        for module in [m for m in sys.modules if m.startswith("ohms_gatehouse")]:
            del sys.modules[module]
    with pytest.raises(CommandError, match="exists already"):
        call_command("ohms_startaddon", "gatehouse", "--directory", str(tmp_path))
    with pytest.raises(CommandError, match="lowercase"):
        call_command("ohms_startaddon", "Gate-House", "--directory", str(tmp_path))
