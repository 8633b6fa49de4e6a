"""Listing columns shared by the health screens."""
from django.urls import reverse

from ohms_core.admin_views.columns import Column
from ohms_core.context import get_context

from ..permissions import MEDICAL


class WorkerFileColumn(Column):
    """The worker, linked to their medical file for the roles that may open it (medical
    officers, org admins); plain text for everyone else."""

    cell_template_name = "ohms_health/cells/worker_file.html"

    def __init__(self, name="worker", accessor="worker", **kwargs):
        super().__init__(name, accessor=accessor, **kwargs)

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        worker = context["value"]
        if worker is not None and get_context().role in MEDICAL:
            context["file_url"] = reverse("ohms_health_medical_profile", args=[worker.pk])
        return context
