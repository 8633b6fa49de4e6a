"""Tenancy-scoped Wagtail ModelViewSets whose writes call the core services.

Every listing and every object lookup is filtered to the acting organization (another
organization's object is a 404), and create/edit/delete go through
``ohms_core.services.records`` (or a viewset's own service), so the admin writes the same
history and audit rows, and enforces the same rules, as the API.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from ..choices import use_plain_choices
from ..context import get_context
from ..exceptions import ConflictError, OhmsError
from ..scoping import scope_filterset, scope_queryset
from ..services.records import record_create, record_soft_delete, record_update
from . import columns
from .forms import ScopedAdminForm
from .history import ScopedHistoryView, ScopedUsageView
from .policies import RolePermissionPolicy


def scoped(queryset):
    """The admin's tenancy filter: organization and declared project scope."""
    return scope_queryset(queryset, get_context())


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_data(form) -> dict:
    """Model field values from a valid form (non-model helper fields left out)."""
    model_fields = {f.name for f in form._meta.model._meta.get_fields()}
    return {name: value for name, value in form.cleaned_data.items() if name in model_fields}


class ServiceFormMixin:
    """Turns service errors into form errors instead of 500s."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except (ConflictError, OhmsError) as exc:
            form.add_error(None, exc.message)
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)


class ViewsetQuerysetMixin:
    """Every view of a scoped viewset reads through ``viewset.get_queryset(request)``,
    filtered to the acting organization: the single tenancy filter of the admin."""

    viewset_ref = None

    def scoped_queryset(self):
        return scoped(self.viewset_ref.get_queryset(self.request))

    def get_scoped_object(self):
        obj = self.scoped_queryset().filter(pk=self.kwargs.get("pk", getattr(self, "pk", None))).first()
        if obj is None:
            raise Http404
        return obj


class ScopedIndexView(ViewsetQuerysetMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()

    # ``list_display`` names become the cells rendered in Python (``columns``), not Wagtail's
    # template-per-cell ones.
    def _get_custom_column(self, field_name, column_class=columns.Column, **kwargs):
        return super()._get_custom_column(field_name, column_class, **kwargs)

    def _get_title_column(self, field_name, column_class=columns.TitleColumn, **kwargs):
        return super()._get_title_column(field_name, column_class, **kwargs)

    @cached_property
    def filters(self):
        """Wagtail's filter sidebar, its related-object choices scoped (``scope_filterset``):
        another organization's sites or enterprises are never listed as choices."""
        if not self.filterset_class:
            return None
        filterset = scope_filterset(self.filterset_class(**self.get_filterset_kwargs()), self.request)
        use_plain_choices(filterset.form)
        return filterset if filterset.form.fields else None


class ScopedCreateView(ServiceFormMixin, ViewsetQuerysetMixin, generic.CreateView):
    def save_instance(self):
        return self.viewset_ref.create_object(self.form, self.request)


class ScopedEditView(ServiceFormMixin, ViewsetQuerysetMixin, generic.EditView):
    def get_queryset(self):
        return self.scoped_queryset()

    def save_instance(self):
        return self.viewset_ref.update_object(self.object, self.form, self.request)


class ScopedDeleteView(ViewsetQuerysetMixin, generic.DeleteView):
    def get_queryset(self):
        return self.scoped_queryset()

    def delete_action(self):
        self.viewset_ref.delete_object(self.object, self.request)


class ScopedInspectView(ViewsetQuerysetMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return self.get_scoped_object()


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet for a BaseModel, scoped to the acting organization."""

    resource: str = ""
    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    search_backend_name = None

    def __init__(self, name=None, **kwargs):
        # Register the role-based policy before Wagtail looks one up for the model.
        register_permission_policy(self.model, RolePermissionPolicy(self.model, self.resource), exact_class=True)
        # Namespaced per add-on: /admin/<addon>/<models>/ never collides with Wagtail's own
        # screens (/admin/reports/, /admin/documents/) or with another add-on's.
        addon = self.model._meta.app_label.removeprefix("ohms_")
        declared = getattr(type(self), "name", None)  # a str, or Wagtail's cached_property default
        name = name or (declared if isinstance(declared, str) else f"{addon}_{self.model._meta.model_name}")
        if "url_prefix" not in kwargs and "url_prefix" not in type(self).__dict__:
            with translation.override("en"):
                kwargs["url_prefix"] = f"{addon}/{slugify(str(self.model._meta.verbose_name_plural))}"
        super().__init__(name, **kwargs)

    base_form_class = ScopedAdminForm

    def get_edit_handler(self):
        """Panels (or form_fields) on a form whose related choices are tenant-scoped."""
        panels = getattr(self, "panels", None) or [FieldPanel(name) for name in (self.get_form_fields() or [])]
        return ObjectList(panels, base_form_class=self.base_form_class).bind_to_model(self.model)

    def get_queryset(self, request):
        """The base queryset of every view (add select_related here); scoping is added on top."""
        return self.model._default_manager.all()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(viewset_ref=self, **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(viewset_ref=self, **kwargs)

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(viewset_ref=self, **kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(viewset_ref=self, **kwargs)

    def get_delete_view_kwargs(self, **kwargs):
        return super().get_delete_view_kwargs(viewset_ref=self, **kwargs)

    # Wagtail's history and usage views load the object unscoped: ours replace them.
    @property
    def history_view(self):
        return ScopedHistoryView.as_view(viewset_ref=self)

    @property
    def history_results_view(self):
        return ScopedHistoryView.as_view(viewset_ref=self, results_only=True)

    usage_view_class = ScopedUsageView

    def get_usage_view_kwargs(self, **kwargs):
        return super().get_usage_view_kwargs(viewset_ref=self, **kwargs)

    # The writes; viewsets with their own use cases override these.
    def create_object(self, form, request):
        return record_create(model=self.model, organization=get_context().organization, data=form_data(form), user=request.user)

    def update_object(self, instance, form, request):
        return record_update(instance=instance, data=form_data(form), user=request.user)

    def delete_object(self, instance, request):
        if not self.permission_policy.user_has_permission_for_instance(request.user, "delete", instance):
            raise PermissionDenied
        record_soft_delete(instance=instance, user=request.user)


__all__ = ["ScopedModelViewSet", "form_data", "scoped", "_"]
