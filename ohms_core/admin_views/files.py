"""Admin file inputs that never link to the storage path.

Django's ``ClearableFileInput`` prints "Currently: <a href="{{ file.url }}">": with no
public ``/media/`` route (issue 7, 1b) that link is dead, and if a public route ever came
back it would bypass the access check. :class:`CheckedFileInput` links to the file's
access-checked download route instead (the API route that applies tenancy, role policy,
document privacy and the access log), or shows a neutral label with no link when the
file has no such route. It replaces the widget of every model ``FileField`` in Wagtail
admin forms (registered in ``ohms_core.library``).

An add-on declares the route of each of its file fields once::

    register_file_route(Permit, "isolation_certificate", "permit-isolation-certificate")
"""
from __future__ import annotations

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from ..files import safe_extension

#: (app_label.model_name, field name) -> URL name taking the object's ``pk``.
FILE_ROUTES: dict[tuple[str, str], str] = {}


def register_file_route(model, field_name: str, url_name: str) -> None:
    FILE_ROUTES[(model._meta.label_lower, field_name)] = url_name


def checked_file_url(fieldfile) -> str:
    """The access-checked download URL of a stored file, or "" when it has none."""
    instance = getattr(fieldfile, "instance", None)
    field = getattr(fieldfile, "field", None)
    if not fieldfile or instance is None or field is None or instance.pk is None:
        return ""
    url_name = FILE_ROUTES.get((instance._meta.label_lower, field.name))
    if not url_name:
        return ""
    try:
        return reverse(url_name, kwargs={"pk": instance.pk})
    except NoReverseMatch:
        return ""


class CheckedFileInput(forms.ClearableFileInput):
    """``ClearableFileInput`` whose "Currently" link is the checked download (see module)."""

    template_name = "ohms_core/widgets/checked_file_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            # The stored name is random (OrganizationUploadTo) and says nothing useful: show
            # a label with the extension only, never the storage path.
            context["widget"]["checked_url"] = checked_file_url(value)
            context["widget"]["display_name"] = _("Download (%(ext)s)") % {
                "ext": safe_extension(getattr(value, "name", "")).lstrip(".") or _("file")}
        return context
