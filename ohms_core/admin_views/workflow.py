"""State-machine buttons and timeline in the Wagtail admin.

``TransitionsPanel`` goes into any registered model's panels. It shows the allowed
transitions as buttons, the blocked ones disabled with their reasons (the same coded
reasons the API returns), a comment box, and the object's transition timeline. The
buttons submit to ``transition_view``, which calls ``workflows.transition_perform``:
the server stays authoritative.
"""
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.panels import Panel

from .. import permissions, workflows
from ..context import get_context
from ..exceptions import BusinessRuleError, ConflictError, NotAllowedError
from ..models import TransitionLog
from ..scoping import scope_queryset


class TransitionsPanel(Panel):
    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Workflow"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_core/panels/transitions.html"

        def is_shown(self):
            return self.instance is not None and not self.instance._state.adding

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            instance = self.instance
            machine = workflows.machine_for(instance)
            content_type = ContentType.objects.get_for_model(instance)
            context.update({
                "state": getattr(instance, f"get_{machine.field}_display")(),
                "options": workflows.transition_options(instance, self.request.user),
                "version": instance.version,
                "timeline": TransitionLog.objects.filter(content_type=content_type, object_id=str(instance.pk))
                .select_related("user").order_by("-timestamp")[:50],
                "action_base": reverse("ohms_transition", args=[content_type.pk, instance.pk, "__name__"]),
                "next_url": self.request.get_full_path(),
            })
            return context


@require_POST
def transition_view(request, content_type_id, pk, name):
    """Run a transition from the admin and come back to the object's edit page.

    The same doors as every other view: the role must be allowed to view the machine's resource
    (403 before any lookup), the object is found through ``scoping.scope_queryset``
    (another organization's or another project's object is a 404), and
    ``workflows.transition_perform`` checks the transition's own permission and gates."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        machine = workflows.machine_for(model)
    except (ContentType.DoesNotExist, LookupError, AttributeError):
        raise Http404 from None
    ctx = get_context()
    if not permissions.check(user=request.user, role=ctx.role, resource=machine.resource, action="view").allowed:
        raise PermissionDenied
    instance = scope_queryset(model.objects.all(), ctx).filter(pk=pk).first()
    if instance is None:
        raise Http404
    back = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("wagtailadmin_home")
    version = request.POST.get("ohms_version")
    try:
        workflows.transition_perform(
            instance=instance, name=name, user=request.user,
            comment=request.POST.get("ohms_transition_comment", ""),
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except NotAllowedError as exc:
        messages.error(request, exc.message)
    except BusinessRuleError as exc:
        reasons = [r["message"] for r in exc.errors.get("reasons", [])] or [m for msgs in exc.errors.values() for m in msgs]
        messages.error(request, " ".join([exc.message, *map(str, reasons)]))
        gate_keys = [key for key, value in exc.errors.items() if isinstance(value, dict)]
        if gate_keys:  # screens with a tab per gate open the one that blocked (e.g. #tab-closeout)
            back = f"{back.split('#')[0]}#tab-{gate_keys[0]}"
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(name)s.") % {"name": name.replace("_", " ")})
    return redirect(back)
