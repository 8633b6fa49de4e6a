from ohms_core import registry


def test_the_addon_is_registered():
    manifest = registry.get("ohms_training")
    assert manifest is not None and manifest.depends == ("ohms_core",)


def test_the_visitor_induction_answers_are_registered_with_core():
    """Visitors ask through core only: the access check and the entry step are registered."""
    from django.utils.translation import gettext, override

    from ohms_core import providers

    assert "training.visitor_induction" in providers.visitor_access_checks()
    with override("fr"):
        assert gettext("Visitor induction '%(module)s' not passed.") == \
            "Induction visiteurs « %(module)s » non réussie."
