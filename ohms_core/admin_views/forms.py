"""Admin forms: related-object choices limited to the acting organization."""
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from ..choices import use_plain_choices
from ..context import get_context
from ..scoping import scope_choices


class ScopedAdminForm(WagtailAdminModelForm):
    """Every related-object choice goes through ``scoping.scope_choices``: the acting
    organization's rows, and of project-scoped models only the member's projects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ctx = get_context()
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None:
                field.queryset = scope_choices(queryset, ctx)
        use_plain_choices(self)


class WorkerAdminForm(ScopedAdminForm):
    """A worker is created with an existing contact or with a new one typed here."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "contact" in self.fields:
            self.fields["contact"].required = False
            self.fields["contact"].help_text = _("Choose an existing contact, or leave empty and type the name below.")
        if not self.instance._state.adding:
            for name in ("first_name", "last_name", "email", "phone"):
                self.fields.pop(name, None)

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and not cleaned.get("contact"):
            for name in ("first_name", "last_name"):
                if not cleaned.get(name):
                    self.add_error(name, _("Required when no contact is chosen."))
        return cleaned

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        if self.instance._state.adding:
            exclusions.add("contact")
        return exclusions
