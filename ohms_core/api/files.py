"""Serving uploaded files through the API's own access checks (issue 7, 1b).

There is no public ``/media/`` route: a file is only reachable through the ``download``
action of the resource that owns it, so the tenancy scope, the role policy and any
resource rule (document privacy levels, permit project scope) apply exactly as they do
to the record itself, and the access can be logged.
"""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from rest_framework import exceptions, serializers
from rest_framework.decorators import action

from ..files import file_response, safe_extension


class FileDownloadMixin:
    """Adds ``GET <resource>/{id}/download/`` streaming ``file_field`` of the object."""

    file_field = "file"
    #: Let verified raster images be shown inline (photos); everything else downloads.
    file_inline_images = False

    def download_filename(self, obj) -> str:
        stored = getattr(obj, self.file_field).name
        return f"{obj._meta.model_name}-{obj.pk}{safe_extension(stored)}"

    def on_file_access(self, obj) -> None:
        """Hook: log the access (documents do)."""

    def file_checksum(self, obj) -> str:
        return ""

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """Stream the file (attachment; inline only for verified raster images)."""
        obj = self.get_object()
        fieldfile = getattr(obj, self.file_field)
        if not fieldfile:
            raise exceptions.NotFound()
        self.on_file_access(obj)
        return file_response(
            fieldfile, filename=self.download_filename(obj),
            inline_image=self.file_inline_images, checksum=self.file_checksum(obj),
        )


class ProtectedFileField(serializers.FileField):
    """Accepts an upload; shows the access-checked download URL, never the storage path."""

    def __init__(self, *, url_name: str, **kwargs):
        self.url_name = url_name
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value or getattr(value, "instance", None) is None:
            return None
        try:
            path = reverse(self.url_name, kwargs={"pk": value.instance.pk})
        except NoReverseMatch:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
