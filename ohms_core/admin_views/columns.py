"""Listing columns shared by the add-ons' admin screens."""
from wagtail.admin.ui.tables import Column


class BadgeColumn(Column):
    """A choice field shown as a coloured badge: ``ohms-badge--<stored value>``."""

    cell_template_name = "ohms_core/tables/badge_cell.html"

    def __init__(self, name, **kwargs):
        kwargs.setdefault("accessor", f"get_{name}_display")
        super().__init__(name, **kwargs)
        self.field_name = name

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["modifier"] = getattr(instance, self.field_name, "")
        return context
