from ohms_core import registry


def test_the_addon_is_registered():
    manifest = registry.get("ohms_visitors")
    assert manifest is not None and manifest.depends == ("ohms_core",)
