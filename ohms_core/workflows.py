"""The state-machine registry and the one way to run a transition.

Add-ons declare django-fsm transitions on their models (``FSMField(protected=True)``) and
register the model here from ``AppConfig.ready()``. Conditions are *gates*: functions that
return coded reasons (empty when the gate is open). ``gate()`` turns one into a django-fsm
condition, so the same function blocks the transition on the server and explains, in the
API and the admin, why a button is disabled. ``role_permission()`` does the same for
who-may-act rules.

``transition_perform()`` is the single write path: lock the row, check the version, the
permission and the gates, run the transition, save, write one TransitionLog row, record
history and audit, emit the event (transactional outbox). API views, admin buttons, sync
and jobs all call it (directly or through an add-on service registered for the
transition).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin

from .exceptions import BusinessRuleError, ConflictError, NotAllowedError


@dataclass(frozen=True)
class Reason:
    """Why an action is blocked: a stable ``code``, a human ``message``, optionally the
    ``gate`` it belongs to (e.g. "gas", "isolation") and the missing ``items``."""

    code: str
    message: str
    gate: str = ""
    items: tuple = ()

    def as_dict(self):
        data = {"code": self.code, "message": str(self.message)}
        if self.gate:
            data["gate"] = self.gate
        if self.items:
            data["items"] = [str(i) for i in self.items]
        return data


GateFn = Callable[..., Iterable[Reason]]


def gate(fn: GateFn):
    """Wrap a reasons-returning function as a django-fsm condition (True when open)."""

    @functools.wraps(fn)
    def condition(instance):
        return not list(fn(instance))

    condition.ohms_reasons = fn
    return condition


def role_permission(*roles: str, message: str | None = None, allow: Callable | None = None):
    """A django-fsm ``permission=`` callable: the acting role must be one of ``roles``
    (superusers always may) or ``allow(instance, user)`` must be true."""
    from .context import get_context

    def reason(instance, user):
        ctx = get_context()
        if user is not None and getattr(user, "is_superuser", False):
            return None
        if ctx.role in roles:
            return None
        if allow is not None and allow(instance, user):
            return None
        from .roles import Role

        labels = ", ".join(str(Role(r).label) for r in roles if r in Role.values)
        return Reason("role", message or _("Only these roles may do this: %(roles)s.") % {"roles": labels})

    def permission(instance, user):
        return reason(instance, user) is None

    permission.ohms_reason = reason
    permission.ohms_roles = roles
    permission.ohms_message = message
    permission.ohms_has_rule = allow is not None
    return permission


class StateMachineMixin(ConcurrentTransitionMixin):
    """Mix into a model with an FSMField: refuses to save over a concurrent transition.

    (A plain mixin, not a model: it must not carry a ``Meta``, which the model would inherit.)
    """


@dataclass
class StateMachine:
    model: type
    field: str
    resource: str
    addon: str = ""
    services: dict[str, Callable] = field(default_factory=dict)

    @property
    def label(self):
        return self.model._meta.label

    def fsm_field(self):
        return self.model._meta.get_field(self.field)

    def transitions(self):
        """Every transition (one per source state) of the machine."""
        return list(self.fsm_field().get_all_transitions(self.model))

    def states(self):
        return [value for value, _label in (self.fsm_field().choices or [])]


_machines: dict[str, StateMachine] = {}


def register(model, field: str = "status", *, resource: str, addon: str = "", services: dict | None = None) -> StateMachine:
    """Register a django-fsm model. ``services`` maps transition names to add-on services
    with the signature ``service(*, instance, user, comment, expected_version)``."""
    machine = StateMachine(model=model, field=field, resource=resource, addon=addon, services=services or {})
    _machines[model._meta.label] = machine
    return machine


def machines() -> list[StateMachine]:
    return sorted(_machines.values(), key=lambda m: m.label)


def machine_for(model_or_instance) -> StateMachine:
    label = model_or_instance._meta.label
    if label not in _machines:
        raise LookupError(f"{label} is not a registered state machine")
    return _machines[label]


def _current_transition(machine: StateMachine, instance, name: str):
    state = getattr(instance, machine.field)
    method = getattr(type(instance), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None or meta.field.name != machine.field:
        return None, False
    return meta.get_transition(state), meta.has_transition(state)


def gate_reasons(instance, transition) -> list[Reason]:
    reasons: list[Reason] = []
    for condition in transition.conditions or []:
        explain = getattr(condition, "ohms_reasons", None)
        if explain is not None:
            reasons.extend(explain(instance))
        elif not condition(instance):
            reasons.append(Reason("condition", getattr(condition, "__name__", "condition")))
    return reasons


def is_system_only(transition) -> bool:
    """A transition marked ``custom={"system": True}`` is run by jobs only."""
    return bool((transition.custom or {}).get("system", False))


def system_only_reason() -> Reason:
    return Reason("system_only", _("Only the system does this (scheduled job); nobody can run it by hand."))


def permission_reason(instance, transition, user) -> Reason | None:
    """Why ``user`` may not run ``transition`` (None when they may). System-only
    transitions are refused to every person, superusers included: jobs run them with
    ``transition_run(..., system=True)``, never through the API or the admin."""
    if is_system_only(transition):
        return system_only_reason()
    permission = transition.permission
    if not permission:
        return None
    explain = getattr(permission, "ohms_reason", None)
    if explain is not None:
        return explain(instance, user)
    if not transition.has_perm(instance, user):
        return Reason("permission", _("You are not allowed to do this."))
    return None


def transition_options(instance, user) -> list[dict]:
    """For each transition leaving the current state: may this user run it now, and if
    not, why (coded reasons)."""
    machine = machine_for(instance)
    state = getattr(instance, machine.field)
    options = []
    seen = set()
    for transition in machine.transitions():
        if transition.name in seen:
            continue
        current, available = _current_transition(machine, instance, transition.name)
        if not available or current is None:
            continue
        seen.add(transition.name)
        # A user who may not run the transition learns only that: the gates judge the
        # object's content (an exit exam's disease check, DECISIONS 12), which their role
        # may not be allowed to read.
        denied = permission_reason(instance, current, user)
        reasons = [denied] if denied else list(gate_reasons(instance, current))
        target = current.target if isinstance(current.target, str) else str(current.target)
        options.append({
            "name": current.name,
            "label": str(current.custom.get("label", current.name.replace("_", " ").capitalize())),
            "source": state,
            "target": target,
            "allowed": not reasons,
            "comment_required": bool(current.custom.get("comment_required", False)),
            "system": bool(current.custom.get("system", False)),
            "reasons": [r.as_dict() for r in reasons],
        })
    return options


def transition_perform(*, instance, name: str, user, comment: str = "", expected_version: int | None = None):
    """Run transition ``name`` on ``instance`` for ``user``. Raises NotAllowedError (403),
    BusinessRuleError with reasons (400) or ConflictError (409: stale version, state changed,
    concurrent writer)."""
    machine = machine_for(instance)
    service = machine.services.get(name)
    if service is not None:
        return service(instance=instance, user=user, comment=comment, expected_version=expected_version)
    return transition_run(instance=instance, name=name, user=user, comment=comment, expected_version=expected_version)


def transition_run(*, instance, name: str, user, comment: str = "", expected_version: int | None = None,
                   event_data: dict | None = None, before_save: Callable | None = None,
                   check_permission: bool = True, after_save: Callable | None = None,
                   method_kwargs: dict | None = None, system: bool = False):
    """The generic body of every transition service (add-on services call it too).

    ``system=True`` is the explicit flag of jobs: it is the only way to run a transition
    marked system-only, and it skips the role permission (a job acts for nobody).
    ``check_permission=False`` skips the role permission for a consequence of another
    person's action (an unsafe gas reading suspending the permit), never the system mark."""
    from . import events
    from .models import AuditAction, TransitionLog
    from .services.audit import audit_record

    machine = machine_for(instance)
    model = type(instance)
    try:
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=instance.pk)
            if expected_version is not None and locked.version != int(expected_version):
                raise ConflictError(errors={"version": [_("current version is %(v)s") % {"v": locked.version}]})
            current, available = _current_transition(machine, locked, name)
            if current is None or not available:
                known = any(t.name == name for t in machine.transitions())
                if not known:
                    raise BusinessRuleError(_("Unknown transition “%(name)s”.") % {"name": name}, code="unknown_transition")
                raise ConflictError(
                    _("“%(name)s” is not possible from the current state (%(state)s).")
                    % {"name": name, "state": getattr(locked, machine.field)},
                    code="invalid_state",
                )
            if system:
                denied = None
            elif not check_permission:
                denied = system_only_reason() if is_system_only(current) else None
            else:
                denied = permission_reason(locked, current, user)
            if denied:
                raise NotAllowedError(denied.message, errors={"reasons": [denied.as_dict()]})
            reasons = gate_reasons(locked, current)
            if reasons:
                raise BusinessRuleError(_("This transition is blocked."), code="transition_blocked", errors=blocked_errors(reasons))
            if current.custom.get("comment_required") and not (comment or "").strip():
                raise BusinessRuleError(
                    _("A comment is required."), code="comment_required",
                    errors={"comment": [_("A comment is required for this transition.")]},
                )
            source = getattr(locked, machine.field)
            locked._change_reason = comment or name
            kwargs = dict(method_kwargs or {})
            if "by" in _params(current.method):
                kwargs.setdefault("by", user)
            getattr(locked, name)(**kwargs)
            if before_save is not None:
                before_save(locked)
            locked.save()
            if after_save is not None:
                after_save(locked)
            target = getattr(locked, machine.field)
            TransitionLog.objects.create(
                organization_id=locked.organization_id,
                content_type=ContentType.objects.get_for_model(model),
                object_id=str(locked.pk), object_repr=str(locked)[:255], transition=name,
                from_state=source, to_state=target, user=user if getattr(user, "is_authenticated", False) else None,
                comment=comment or "",
            )
            audit_record(action=AuditAction.UPDATE, obj=locked, user=user,
                         changes={machine.field: {"before": source, "after": target}, "transition": name})
            events.emit(
                event_type_for(model, current),
                locked, actor=user,
                data={"transition": name, "from": source, "to": target, "comment": comment or "", **(event_data or {})},
            )
    except ConcurrentTransition as exc:
        raise ConflictError(_("Someone else changed this record at the same time. Reload and try again.")) from exc
    return locked


def blocked_errors(reasons: list[Reason]) -> dict:
    """Error body for blocked actions: every reason under ``reasons``, and one entry per gate
    (``{"gas": {"message", "codes", "missing_items"}}``) so clients can route the user."""
    errors: dict = {"reasons": [r.as_dict() for r in reasons]}
    for reason in reasons:
        if not reason.gate:
            continue
        entry = errors.setdefault(reason.gate, {"message": str(reason.message), "codes": [], "missing_items": []})
        entry["codes"].append(reason.code)
        entry["missing_items"].extend(str(i) for i in reason.items)
    return errors


def event_type_for(model, transition) -> str:
    """``<addon>.<model>.<event>``: the transition's ``custom["event"]`` (e.g. "approved") or its name."""
    return f"{model._meta.app_label.removeprefix('ohms_')}.{model._meta.model_name}.{transition.custom.get('event', transition.name)}"


def _params(method):
    import inspect

    try:
        return inspect.signature(method).parameters
    except (TypeError, ValueError):
        return {}
