"""One document library (issue 7, section 2): ours, not Wagtail's.

Wagtail ships its own Documents and Images libraries: a second place to upload files,
without our organizations, privacy levels, versions, checksums, retention or access log,
and with its own public serve view. Until our Document becomes Wagtail's document model
(see the report of issue 7), Wagtail's libraries are closed:

* their menu items, dashboard counts and search areas are hidden;
* their admin screens (``/admin/documents/``, ``/admin/images/``, choosers included) and
  admin API listings (``/admin/api/main/documents/``, ``.../images/``) are not reachable: documents redirect to our library, images answer 404 (site/ohms_site/urls.py);
* their choosers list nothing, and Wagtail's document serve view refuses every file
  (no route serves it either; ``WAGTAILDOCS_SERVE_METHOD`` is ``serve_view``).

Our library takes their place everywhere Wagtail would offer one: a chooser backed by our
Document (``ohms_core.admin_views.chooser``, ``/admin/core/document-chooser/``), its
StreamField block (``ohms_core.blocks.DocumentChooserBlock``) and the widget of every
ForeignKey to Document; admin file inputs link to the checked download route
(``ohms_core.admin_views.files``), never to a storage URL. See docs/decisions.md.
"""
from __future__ import annotations

from django.db import models
from django.http import Http404, HttpResponseNotFound, HttpResponseRedirect
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override

from .admin_views.files import CheckedFileInput, register_file_route
from .models import Document

CLOSED_MENU_ITEMS = frozenset({"documents", "images"})


@hooks.register("construct_main_menu")
def hide_wagtail_libraries(request, menu_items):
    menu_items[:] = [item for item in menu_items if getattr(item, "name", "") not in CLOSED_MENU_ITEMS]


@hooks.register("construct_homepage_summary_items", order=1000)  # after Wagtail adds its own
def hide_wagtail_library_counts(request, summary_items):
    summary_items[:] = [
        item for item in summary_items
        if not type(item).__module__.startswith(("wagtail.documents", "wagtail.images"))
    ]


@hooks.register("construct_document_chooser_queryset")
def no_wagtail_documents_in_choosers(documents, request):
    return documents.none()


@hooks.register("construct_image_chooser_queryset")
def no_wagtail_images_in_choosers(images, request):
    return images.none()


@hooks.register("before_serve_document")
def refuse_wagtail_document_serve(document, request):
    """Wagtail's document files never bypass our access check."""
    return HttpResponseNotFound()


def closed_wagtail_library(request, library: str, rest: str = ""):
    """Stands in front of Wagtail's library screens (routed before the admin)."""
    if library == "documents" and request.user.is_authenticated and "/api/" not in request.path:
        return HttpResponseRedirect(reverse("core_document:index"))
    raise Http404


# Every model file input of the admin links to the checked download, never to /media/.
register_form_field_override(models.FileField, override={"widget": CheckedFileInput})
register_file_route(Document, "file", "document-download")
