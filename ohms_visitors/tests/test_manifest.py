from ohms_core import registry


def test_the_addon_is_registered():
    manifest = registry.get("ohms_visitors")
    assert manifest is not None and manifest.depends == ("ohms_core",)


def test_visitors_strings_translate_in_french():
    from django.utils.translation import override

    from ohms_visitors.models import VisitorInvite
    from ohms_visitors.states import InviteStatus

    with override("fr"):
        assert str(VisitorInvite._meta.verbose_name_plural) == "invitations de visiteurs"
        assert str(InviteStatus.NO_SHOW.label) == "Absent"


def test_the_visit_lookup_is_registered_with_core(db):
    """Other add-ons (the training induction quiz) find an invitation by its token through core."""
    from ohms_core import providers

    from .factories import make_world

    invite = make_world().invite()
    assert providers.visit_by_token(invite.qr_token) == invite
    assert providers.visit_by_token("unknown") is None and providers.visit_by_token("") is None
    assert invite.is_open is True
