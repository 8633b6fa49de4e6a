"""Admin → Integrations → Sync conflicts (SPEC 5.1 "Admin UI", DECISIONS 9).

List: permit number, title, reason, device, age, with the API's filters (status, device,
entity) kept in the URL. Detail: field-by-field client vs server with the merge hint, and
the four resolutions as buttons, disabled with the reason where not allowed (closed
conflict, merge without a mergeable field, a role that may not resolve). A resolution posts
to ``sync_conflict_resolve``, which calls the same ``ohms_core.sync.conflict_resolve`` as
``POST /api/v1/integrations/sync-conflicts/{id}/resolve/``: the entity's adapter applies it
through its add-on's services and gates, and a refusal is shown as a message.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ohms_core import permissions as policy
from ohms_core import scoping
from ohms_core import sync as core_sync
from ohms_core.context import get_context
from ohms_core.exceptions import OhmsError
from ohms_core.models import SyncConflict

from ..api.sync_conflicts import SyncConflictFilter

RESOURCE = "syncconflict"
PER_PAGE = 50


def _allowed(action: str) -> bool:
    ctx = get_context()
    return ctx.organization is not None and bool(policy.check(user=ctx.user, role=ctx.role, resource=RESOURCE,
                                                              action=action))


def _scoped():
    return scoping.scope_queryset(SyncConflict.objects.all(), organization=get_context().organization)


def _conflict(pk) -> SyncConflict:
    conflict = _scoped().filter(pk=pk).first()
    if conflict is None:
        raise Http404
    return conflict


def sync_conflict_list(request):
    if not _allowed(policy.VIEW):
        raise PermissionDenied
    filterset = SyncConflictFilter(request.GET or None, queryset=_scoped().order_by("-created_at"))
    status = 200
    if filterset.is_bound and not filterset.is_valid():
        status = 400
    queryset = filterset.qs if filterset.is_bound and status == 200 else _scoped().order_by("-created_at")
    if status == 400:
        queryset = queryset.none()
    page = Paginator(queryset.only("id", "reference", "title", "reason", "device_id", "entity", "status", "created_at"),
                     PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(request, "ohms_integrations/sync_conflicts_list.html", {
        "filter_form": filterset.form, "page": page, "now": timezone.now(),
        "query": request.GET.copy().urlencode() if request.GET else "",
    }, status=status)


def field_rows(conflict, state: dict) -> list[dict]:
    """One row per field of the conflict: the client's value, the server's now and the hint."""
    rows = []
    for name, value in (conflict.fields or {}).items():
        value = value if isinstance(value, dict) else {}
        server = state.get(name, value.get("server")) if isinstance(state, dict) else value.get("server")
        rows.append({"name": name, "client": value.get("client"), "server": server, "hint": value.get("merge_hint", ""),
                     "mergeable": value.get("merge_hint") in core_sync.MERGEABLE_HINTS})
    return rows


def sync_conflict_detail(request, pk):
    if not _allowed(policy.VIEW):
        raise PermissionDenied
    conflict = _conflict(pk)
    adapter = core_sync.adapter_for(conflict.entity)
    state = adapter.current_state(conflict) if adapter is not None else conflict.server_state
    options = core_sync.resolution_options(conflict)
    if not _allowed(policy.CHANGE):
        reason = gettext("Your role may not resolve sync conflicts.")
        options = [{**o, "allowed": False, "reason": o["reason"] or reason} for o in options]
    return TemplateResponse(request, "ohms_integrations/sync_conflicts_detail.html", {
        "conflict": conflict, "rows": field_rows(conflict, state), "options": options,
        "detail": conflict.detail, "back": reverse("ohms_integrations_sync_conflicts"),
    })


@require_POST
def sync_conflict_resolve(request, pk):
    if not _allowed(policy.VIEW):
        raise PermissionDenied
    conflict = _conflict(pk)  # 404 outside the scope, before saying anything about the role
    if not _allowed(policy.CHANGE):
        raise PermissionDenied
    resolution = request.POST.get("resolution", "")
    version = request.POST.get("version") or None
    try:
        core_sync.conflict_resolve(conflict=conflict, resolution=resolution, user=request.user,
                                   expected_version=int(version) if version and version.isdigit() else None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except OhmsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Conflict resolved: %(r)s.") % {"r": resolution.replace("_", " ")})
    return redirect(reverse("ohms_integrations_sync_conflict", args=[conflict.pk]))
