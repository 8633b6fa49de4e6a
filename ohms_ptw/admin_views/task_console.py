"""The task console (SPEC 2.4 "My tasks"): the user's pending verifications and approvals,
grouped, filtered from the querystring, each with its quick view and quick actions.

Why two small views and no new rule: the list is ``ohms_ptw.task_console``'s read; a quick
action posts to ``task_decide``, which finds the step in the user's scope (404 otherwise)
and calls the same service as ``POST .../workflow/verify/`` and ``.../workflow/approve/``
(``services.workflow.workflow_decide``). The service decides (who may act, the gates, the
comment a rejection needs, the stale version) and its refusal is shown as a message.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ohms_core import permissions as policy
from ohms_core import scoping
from ohms_core.context import get_context
from ohms_core.exceptions import BusinessRuleError, ConflictError, NotAllowedError, OhmsError

from .. import conf
from .. import task_console as console
from ..models import WorkflowStep
from ..services import workflow as workflow_services
from ..states import StepStatus, StepType
from .actions import error_text, form_errors

PER_PAGE = 50
#: The querystring keys of the filter row (kept by the quick filters and the pagination).
FILTER_KEYS = ("q", "group", "overdue", "escalated", "scope")


def _require_view():
    ctx = get_context()
    if ctx.organization is None or not policy.check(user=ctx.user, role=ctx.role, resource="permit", action="view"):
        raise PermissionDenied


def _query(params, **changes) -> str:
    """The current filters with ``changes`` (a None value drops the key), as ``?...``."""
    data = {key: params.get(key) for key in FILTER_KEYS if params.get(key)}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return "?" + urlencode(data) if data else "?"


def quick_filters(params) -> list[dict]:
    """Overdue, escalated, pending approval, pending verification: one click each, the
    search and the scope kept."""
    reset = {"group": None, "overdue": None, "escalated": None}
    entries = (
        ("overdue", _("Overdue"), {"overdue": "1"}),
        ("escalated", _("Escalated"), {"escalated": "1"}),
        ("approval", _("Pending approval"), {"group": console.GROUP_APPROVAL}),
        ("verification", _("Pending verification"), {"group": console.GROUP_VERIFICATION}),
    )
    current = {key: params.get(key) for key in ("group", "overdue", "escalated") if params.get(key)}
    return [{"key": key, "label": label, "url": _query(params, **{**reset, **change}), "active": current == change}
            for key, label, change in entries]


def task_console(request):
    _require_view()
    ctx = get_context()
    supervisor = console.may_see_projects(request.user, ctx.role)
    form = console.TaskFilterForm(request.GET or None, may_see_projects=supervisor)
    status, data = 200, {}
    if form.is_bound:
        if not form.is_valid():
            status = 400
        data = getattr(form, "cleaned_data", {})
    scope = data.get("scope") or console.SCOPE_MINE
    now = timezone.now()
    steps = console.filter_steps(console.pending_steps(user=request.user, organization=ctx.organization, scope=scope,
                                                       now=now), data, now=now)
    page = Paginator(steps, PER_PAGE).get_page(request.GET.get("p"))
    page_steps = list(page.object_list)
    console.tasks_preload(page_steps)
    rows = [console.row(step, request.user, now) for step in page_steps]
    groups = [{"key": key, "label": label, "rows": [r for r in rows if r["group"] == key]}
              for key, label in console.GROUPS]
    context = {
        "form": form,
        "groups": groups,
        "total": page.paginator.count,
        "page": page,
        "page_query": _query(request.GET, p=None),
        "quick_filters": quick_filters(request.GET),
        "scope": scope,
        "supervisor": supervisor,
        "back": request.get_full_path(),
        "sla": {"verification": conf.verification_sla_hours(), "approval": conf.approval_sla_hours()},
    }
    return TemplateResponse(request, "ohms_ptw/task_console.html", context, status=status)


class TaskDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


def _back(request) -> str:
    target = request.POST.get("next") or ""
    console_url = reverse("ohms_ptw_tasks")
    if target.startswith(console_url) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return console_url


DONE = {("verification", "approve"): _("%(number)s verified."), ("verification", "reject"): _("%(number)s rejected."),
        ("approval", "approve"): _("%(number)s approved."), ("approval", "reject"): _("%(number)s rejected.")}


@require_POST
def task_decide(request, pk):
    """A quick action: verify / approve / reject the permit of step ``pk`` with a comment."""
    _require_view()
    ctx = get_context()
    step = (scoping.scope_queryset(WorkflowStep.objects.select_related("workflow__permit"), organization=ctx.organization)
            .filter(pk=pk).first())
    if step is None:
        raise Http404
    back = _back(request)
    form = TaskDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    permit = step.workflow.permit
    if step.status != StepStatus.PENDING or step.workflow.current_step_id != step.pk:
        messages.error(request, gettext("This task is no longer pending: %(number)s moved on.") % {"number": permit.permit_number})
        return redirect(back)
    data = form.cleaned_data
    try:
        workflow_services.workflow_decide(permit=permit, user=request.user, stage=console.STEP_STAGES[StepType(step.step_type)],
                                          decision=data["decision"], comment=data.get("comment") or "",
                                          expected_version=data.get("version"))
    except (BusinessRuleError, NotAllowedError, ConflictError, ValidationError, OhmsError) as exc:
        messages.error(request, f"{permit.permit_number}: {error_text(exc)}")
    else:
        messages.success(request, str(DONE[(step.step_type, data["decision"])]) % {"number": permit.permit_number})
    return redirect(back)
