"""History and usage of one object, scoped like every other admin view.

Wagtail adds ``history/<pk>/`` and ``usage/<pk>/`` to every ModelViewSet and loads the
object with the model's default manager: without these replacements a member of one
organization who knows a UUID of another's could read its title and what refers to it.
Here the object is found through ``ViewsetQuerysetMixin`` (``scoping.scope_queryset``):
another organization's or another project's object is a 404.

Wagtail's own history reads its log entries, which our services never write; ours shows
what the object really went through: simple-history rows (who, when, reason, which fields
changed), state-machine transitions and audit rows. Field names only, never values: the
history of a worker or a token must not become a side door to their content.
"""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import usage

from .. import permissions
from ..context import get_context
from ..models import AuditLog, TransitionLog
from ..scoping import is_scoped_model, scope_queryset

#: Bookkeeping columns every save changes; listing them would hide the real change.
_NOISE = {"version", "updated_at", "updated_by", "history_id", "history_date", "history_user",
          "history_change_reason", "history_type"}
HISTORY_LIMIT = 100


def _label(model, name: str) -> str:
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


def object_history(instance, limit: int = HISTORY_LIMIT, *, include_audit: bool = True) -> list[dict]:
    """Every recorded step of ``instance``, newest first: history rows, transitions and (for
    those who may read the audit log: it also records who viewed what) audit rows."""
    model = type(instance)
    rows = []
    history = getattr(model, "history", None)
    if history is not None:
        records = list(history.filter(id=instance.pk).select_related("history_user").order_by("-history_date")[:limit + 1])
        kinds = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
        for index, record in enumerate(records[:limit]):
            previous = records[index + 1] if index + 1 < len(records) else None
            changed = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous)
                changed = [_label(model, c.field) for c in delta.changes if c.field not in _NOISE]
            rows.append({"time": record.history_date, "user": record.history_user, "kind": "record", "source": _("Record"),
                         "action": kinds.get(record.history_type, record.history_type),
                         "detail": ", ".join(changed), "reason": record.history_change_reason or ""})
    content_type = ContentType.objects.get_for_model(model)
    for log in (TransitionLog.objects.filter(content_type=content_type, object_id=str(instance.pk))
                .select_related("user").order_by("-timestamp")[:limit]):
        rows.append({"time": log.timestamp, "user": log.user, "kind": "workflow", "source": _("Workflow"), "action": log.transition,
                     "detail": f"{log.from_state} → {log.to_state}", "reason": log.comment})
    audit_rows = AuditLog.objects.filter(content_type=content_type, object_id=str(instance.pk)) if include_audit \
        else AuditLog.objects.none()
    for entry in audit_rows.select_related("user").order_by("-timestamp")[:limit]:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        rows.append({"time": entry.timestamp, "user": entry.user, "kind": "audit", "source": _("Audit"),
                     "action": entry.get_action_display(),
                     "detail": ", ".join(_label(model, name) for name in changes if name not in _NOISE),
                     "reason": entry.error_message})
    rows.sort(key=lambda row: row["time"], reverse=True)
    return rows[:limit]


class ScopedHistoryView(TemplateView):
    """``history/<pk>/`` (and ``history-results/<pk>/``) of a scoped viewset."""

    template_name = "ohms_core/history.html"
    viewset_ref = None
    results_only = False

    def dispatch(self, request, *args, **kwargs):
        viewset = self.viewset_ref
        if not viewset.permission_policy.user_has_permission(request.user, "view"):
            raise PermissionDenied
        self.object = scope_queryset(viewset.get_queryset(request)).filter(pk=kwargs.get("pk")).first()
        if self.object is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        viewset = self.viewset_ref
        edit_url = None
        if viewset.permission_policy.user_has_permission(self.request.user, "change"):
            from django.urls import reverse

            edit_url = reverse(viewset.get_url_name("edit"), args=[self.object.pk])
        ctx = get_context()
        audit = permissions.check(user=self.request.user, role=ctx.role, resource="auditlog", action=permissions.VIEW)
        return super().get_context_data(
            object=self.object, rows=object_history(self.object, include_audit=audit.allowed), edit_url=edit_url,
            model_label=capfirst(self.object._meta.verbose_name), **kwargs)


class ScopedUsageView(usage.UsageView):
    """``usage/<pk>/`` of a scoped viewset: the object and the rows referring to it are
    both limited to what the acting member may see."""

    viewset_ref = None

    def get_base_object_queryset(self):
        return scope_queryset(self.viewset_ref.get_queryset(self.request))

    def get_table(self, object_list, **kwargs):
        visible = []
        for source, references in object_list:
            model = type(source)
            if is_scoped_model(model) and not scope_queryset(model._default_manager.filter(pk=source.pk)).exists():
                continue
            visible.append((source, references))
        return super().get_table(visible, **kwargs)
