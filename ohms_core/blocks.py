"""StreamField blocks of the core add-on, for pages that embed our records (policy pages).

:class:`DocumentChooserBlock` picks one of OUR documents through the document chooser
(``ohms_core.admin_views.chooser``) and renders a link to its access-checked download
route, never to a storage URL: whoever follows the link gets the file only if the
tenancy scope, the role policy and the document's privacy level allow it, and the access
is logged like any other download.
"""
from __future__ import annotations

import copy

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.blocks import ChooserBlock

from .admin_views.chooser import (
    ChoosableDocumentField,
    _uuids,
    choosable_documents,
    document_chooser_viewset,
)


class DocumentChooserBlock(ChooserBlock):
    """One of our documents; rendered as a link to its checked download."""

    target_model = "ohms_core.Document"

    @cached_property
    def widget(self):
        return document_chooser_viewset.widget_class()

    @cached_property
    def field(self):
        return ChoosableDocumentField(
            queryset=choosable_documents(current_only=False).none(), widget=self.widget, required=self._required,
            validators=self._validators, help_text=self._help_text,
        )

    def to_python(self, value):
        """The stored id (a string in the page's JSON) to the document; a malformed or
        deleted one is ``None`` (the block renders nothing), never an error."""
        if value is None:
            return None
        return self.model_class.objects.filter(pk__in=_uuids([value])).first()

    def bulk_to_python(self, values):
        """Wagtail's version looks the stored strings up among UUID keys and finds nothing:
        match on the string form, keep the order, the ``None`` values and repeats."""
        found = {str(pk): obj for pk, obj in self.model_class.objects.in_bulk(_uuids(values)).items()}
        result, seen = [], set()
        for value in values:
            obj = found.get(str(value)) if value is not None else None
            if obj is not None and str(value) in seen:
                obj = copy.copy(obj)
            seen.add(str(value))
            result.append(obj)
        return result

    def render_basic(self, value, context=None):
        if value is None:
            return ""
        return format_html('<a href="{}" class="ohms-document-link" download>{}</a>',
                           reverse("document-download", kwargs={"pk": value.pk}), value.title)

    class Meta:
        icon = "doc-full"
        label = _("Document")
