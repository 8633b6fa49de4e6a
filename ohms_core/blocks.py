"""StreamField blocks of the core add-on, for pages that embed our records (policy pages).

:class:`DocumentChooserBlock` picks one of OUR documents through the document chooser
(``ohms_core.admin_views.chooser``) and renders a link to its access-checked download
route, never to a storage URL: whoever follows the link gets the file only if the
tenancy scope, the role policy and the document's privacy level allow it, and the access
is logged like any other download.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.blocks import ChooserBlock

from .admin_views.chooser import _uuids, choosable_documents, document_chooser_viewset


class ChoosableDocumentField(forms.ModelChoiceField):
    """Validates against the documents the acting member may pick, read at clean time
    (the block's field is built once per process, the member changes per request)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        ids = _uuids([value])
        document = choosable_documents(current_only=False).filter(pk__in=ids).first()
        if document is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return document


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

    def render_basic(self, value, context=None):
        if value is None:
            return ""
        return format_html('<a href="{}" class="ohms-document-link" download>{}</a>',
                           reverse("document-download", kwargs={"pk": value.pk}), value.title)

    class Meta:
        icon = "doc-full"
        label = _("Document")
