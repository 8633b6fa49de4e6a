"""Wagtail's document chooser, backed by our Document (issue 7, section 2: one library).

Policy pages and any admin form pick documents through this chooser, so what can be
embedded is exactly what the documents list and API show the acting member:

* the acting organization only, and of a member limited to some projects only what the
  core scope allows (``ohms_core.scoping.scope_queryset``);
* the privacy rules of ``selectors.documents_visible`` (a restricted medical certificate
  is never listed to a role that may not read it) and the role policy's ``view``;
* current revisions only in the listing (a page embeds "the" procedure; its download
  always serves the revision it names, with checksum and access log).

Another organization's document, or one the member may not read, is a 404 from every
chooser route, like an id that does not exist. The same rule validates what is submitted:
a ForeignKey to Document in any admin form (and ``DocumentChooserBlock``) accepts only a
document of :func:`choosable_documents` (:class:`ChoosableDocumentField`), so posting the
id of a restricted document by hand is refused too. There is no "upload" tab: a new document
goes through our library's own screen and ``document_upload`` (checksum, audit).
"""
from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from .. import permissions as policy
from ..context import get_context
from ..models import Document
from ..scoping import scope_queryset
from ..selectors import documents_visible
from .columns import Column


def choosable_documents(user=None, *, current_only: bool = True):
    """Documents the acting member may pick: role policy, tenancy scope, privacy rules."""
    ctx = get_context()
    user = user if user is not None else ctx.user
    if user is None or not getattr(user, "is_authenticated", False) or ctx.organization is None:
        return Document.objects.none()
    if not policy.check(user=user, role=ctx.role, resource="document", action=policy.VIEW).allowed:
        return Document.objects.none()
    documents = documents_visible(scope_queryset(Document.objects.all(), ctx), user=user, role=ctx.role)
    return documents.filter(is_current=True) if current_only else documents


def _uuids(values) -> list[uuid.UUID]:
    """Valid UUIDs only: a malformed id is simply not found (never a 500)."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except (TypeError, ValueError):
            continue
    return found


class ChoosableDocumentField(forms.ModelChoiceField):
    """Accepts only a document the acting member may choose, read at clean time (a form
    field built once, e.g. a StreamField block's, serves every member).

    One exception: in a model form, the document the record already points at is kept as
    it is (someone allowed to read it chose it), so a member who may not read it can still
    save the record's other fields; they cannot pick it anew anywhere else.
    """

    kept_pk = None

    def get_bound_field(self, form, field_name):
        # Each form works on its own deep copy of the field: the initial value is the form's.
        initial = form.initial.get(field_name)
        self.kept_pk = getattr(initial, "pk", initial)
        return super().get_bound_field(form, field_name)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = getattr(value, "pk", value)
        documents = choosable_documents(current_only=False)
        if self.kept_pk is not None and str(value) == str(self.kept_pk):
            documents = scope_queryset(Document.objects.all())  # unchanged: the organization still applies
        document = documents.filter(pk__in=_uuids([value])).first()
        if document is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return document


class DocumentChooser(BaseChooser):
    """The chooser widget; a document already chosen that the member may not read (set by
    someone else) keeps its id but shows no title."""

    def get_display_title(self, instance):
        if not choosable_documents(current_only=False).filter(pk=instance.pk).exists():
            return _("A document you may not read")
        return super().get_display_title(instance)


class DocumentSearchForm(BaseFilterForm):
    """Search by title (our Document is not in Wagtail's search index: a plain filter)."""

    q = forms.CharField(label=_("Search term"), required=False, max_length=255,
                        widget=forms.TextInput(attrs={"placeholder": _("Search by title")}))

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(title__icontains=query)
            self.is_searching, self.search_query = True, query
        return objects


class DocumentListingMixin:
    filter_form_class = DocumentSearchForm
    ordering = ("title", "-revision")

    def get_object_list(self):
        return choosable_documents(self.request.user)

    def can_create(self):
        return False

    @property
    def columns(self):
        return [
            *super().columns,
            Column("document_type", label=_("Type"), accessor="get_document_type_display"),
            Column("privacy_level", label=_("Privacy"), accessor="get_privacy_level_display"),
        ]


class DocumentChooseView(DocumentListingMixin, chooser_views.ChooseView):
    pass


class DocumentChooseResultsView(DocumentListingMixin, chooser_views.ChooseResultsView):
    pass


class DocumentChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        ids = _uuids([pk])
        document = choosable_documents(self.request.user, current_only=False).filter(pk__in=ids).first()
        if document is None:
            raise Http404
        return document


class DocumentChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return choosable_documents(self.request.user, current_only=False).filter(pk__in=_uuids(pks))


class DocumentChooserViewSet(ChooserViewSet):
    """``/admin/core/document-chooser/`` (namespace ``core_document_chooser``)."""

    model = Document
    icon = "doc-full"
    choose_one_text = _("Choose a document")
    choose_another_text = _("Choose another document")
    edit_item_text = _("Edit document")
    per_page = 20
    choose_view_class = DocumentChooseView
    choose_results_view_class = DocumentChooseResultsView
    chosen_view_class = DocumentChosenView
    chosen_multiple_view_class = DocumentChosenMultipleView
    base_widget_class = DocumentChooser
    register_widget = False  # registered below, with the field that enforces the same rule

    def get_urlpatterns(self):
        """Wagtail's "create" route is left out: uploads go through our library's service."""
        return [pattern for pattern in super().get_urlpatterns() if pattern.name != "create"]


document_chooser_viewset = DocumentChooserViewSet("core_document_chooser", url_prefix="core/document-chooser")

# Every ForeignKey to Document in admin forms: this chooser, and its privacy rule on submit.
# Registered at import (not in ``on_register``, which runs only once the admin URLs load).
register_form_field_override(ForeignKey, to=Document, override={
    "widget": document_chooser_viewset.widget_class, "form_class": ChoosableDocumentField})
