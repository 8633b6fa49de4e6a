"""The cross-tenant route matrix: machinery every add-on's routes are checked with.

Walks ``get_resolver()``: every API route (``/api/v1/...``) and every admin route of our
add-ons (their own views and Wagtail's generic per-viewset views: edit, delete, inspect,
history, usage) is called by each role of organization A on objects of organization B,
and, for models that declare a project scope, by a member of A limited to one project on
objects of A's other project. The answer must be 404 (or 403 / a redirect to the admin
home or login when the route is role-gated before any lookup, or 405 for a method the
route does not take): never 2xx, never 500, and the target object is unchanged.

An add-on takes part by adding a ``testing_routes`` module (``ohms_<addon>/testing_routes.py``)
that registers a factory per model: ``register_factory(Model, lambda w: ...)`` where ``w``
(a :class:`Builder`) gives ``w.org``, ``w.project`` and ``w.get(OtherModel)`` for
dependencies. Routes whose extra URL parameters are not an object's ``pk`` register a
kwargs builder or an expander. A route the matrix cannot call is listed, with the
reason, in ``ohms_core/tests/route_matrix_allowlist.py``; a route neither exercised nor
listed fails the matrix.
"""
from __future__ import annotations

import importlib
import importlib.util
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

_seq = itertools.count(1)

#: model -> factory(builder) making one object of ``builder.org`` (in ``builder.project``).
FACTORIES: dict = {}
#: URL kwarg name -> builder(target_object, builder) giving its value.
KWARG_BUILDERS: dict[str, Callable] = {}
#: URL name (namespaced) -> model of routes whose view does not name it.
ROUTE_MODELS: dict[str, object] = {}
#: URL name -> the URL kwarg holding the object's pk, when it is not ``pk``.
ROUTE_PK_KWARGS: dict[str, str] = {}
#: URL name (namespaced) -> expander(builder) -> [(model, kwargs), ...] for routes with
#: several objects in their path (the generic transition URL).
EXPANDERS: dict[str, Callable] = {}


def register_factory(model, factory: Callable) -> None:
    FACTORIES[model] = factory


def register_kwarg(name: str, builder: Callable) -> None:
    KWARG_BUILDERS[name] = builder


def register_route_model(url_name: str, model, pk_kwarg: str = "pk") -> None:
    """A route whose view names no model (a function view): the model its ``pk_kwarg`` is of."""
    ROUTE_MODELS[url_name] = model
    if pk_kwarg != "pk":
        ROUTE_PK_KWARGS[url_name] = pk_kwarg


def register_expander(url_name: str, expander: Callable) -> None:
    EXPANDERS[url_name] = expander


def load_addon_factories() -> None:
    """Import ``<app>.testing_routes`` of every installed OHMS app (registers factories)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("ohms_"):
            continue
        module = f"{config.name}.testing_routes"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


# --- routes -----------------------------------------------------------------------------
@dataclass
class Route:
    pattern: str
    name: str
    callback: Callable
    params: tuple[str, ...]
    kind: str  # "api" or "admin"
    model: object = None
    methods: tuple[str, ...] = ()

    @property
    def is_object_route(self) -> bool:
        return bool(self.params)

    def __str__(self):
        return self.pattern


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _walk(resolver, prefix="", namespaces=(), params=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, prefix + str(entry.pattern), ns, (*params, *_params(entry.pattern)))
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield prefix + str(entry.pattern), name, entry.callback, (*params, *_params(entry.pattern))


def _view_model(callback, name: str):
    if name in ROUTE_MODELS:
        return ROUTE_MODELS[name]
    cls = getattr(callback, "cls", None)  # DRF
    if cls is not None:
        model = getattr(cls, "model", None)
        if model is None and getattr(cls, "queryset", None) is not None:
            model = cls.queryset.model
        return model if hasattr(model, "_meta") else None
    initkwargs = getattr(callback, "view_initkwargs", None) or {}
    model = initkwargs.get("model")
    viewset = initkwargs.get("viewset_ref")
    if model is None and viewset is not None:
        model = viewset.model
    return model if hasattr(model, "_meta") else None


def _is_ours(pattern: str, callback, model) -> bool:
    pattern = pattern.lstrip("^")  # re_path patterns
    if pattern.startswith("api/"):
        return True
    if not pattern.startswith("admin/"):
        return False
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    module = getattr(view_class, "__module__", None) or getattr(callback, "__module__", "")
    if module.startswith("ohms_"):
        return True
    return model is not None and model._meta.app_label.startswith("ohms_")


def iter_routes() -> list[Route]:
    """Our API and admin routes (format-suffix duplicates of DRF routes left out: the same view)."""
    found = [(pattern, name, callback, params, _view_model(callback, name))
             for pattern, name, callback, params in _walk(get_resolver()) if "format" not in params]
    # A function view in a viewset's own urls (``ptw_permit:sign``) acts on the viewset's model.
    by_namespace = {name.rsplit(":", 1)[0]: model for _p, name, _c, _a, model in found if model is not None and ":" in name}
    routes = []
    for pattern, name, callback, params, model in found:
        if model is None and ":" in name:
            model = by_namespace.get(name.rsplit(":", 1)[0])
        if not _is_ours(pattern, callback, model):
            continue
        kind = "api" if pattern.lstrip("^").startswith("api/") else "admin"
        routes.append(Route(pattern, name, callback, tuple(params), kind, model, _methods(callback)))
    return routes


def _methods(callback) -> tuple[str, ...]:
    """The methods worth calling: a DRF route's own; GET, plus POST when a class-based view
    has a ``post`` handler (function views: both, a POST-only one answers GET with 405)."""
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(actions)
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return ("get", "post") if hasattr(view_class, "post") else ("get",)
    return ("get", "post")


# --- objects ----------------------------------------------------------------------------
@dataclass
class Builder:
    """Objects of one organization (and one project), built once per model, on demand."""

    org: object
    project: object
    admin: object
    cache: dict = field(default_factory=dict)

    def get(self, model):
        if model not in self.cache:
            factory = FACTORIES.get(model)
            if factory is None:
                return None
            from .context import acting_as

            with acting_as(user=self.admin, organization=self.org):
                self.cache[model] = factory(self)
        return self.cache[model]

    def seq(self) -> int:
        return next(_seq)


def targets(route: Route, builder: Builder) -> list[tuple[object, dict]]:
    """(object, URL kwargs) pairs to call ``route`` with, objects belonging to ``builder``."""
    if route.name in EXPANDERS:
        return [(obj, kwargs) for obj, kwargs in EXPANDERS[route.name](builder) if obj is not None]
    pk_kwarg = ROUTE_PK_KWARGS.get(route.name, "pk")
    if route.model is None or pk_kwarg not in route.params:
        return []
    obj = builder.get(route.model)
    if obj is None:
        return []
    kwargs = {}
    for param in route.params:
        if param == pk_kwarg:
            kwargs[param] = obj.pk
        elif param in KWARG_BUILDERS:
            kwargs[param] = KWARG_BUILDERS[param](obj, builder)
        else:
            return []
    return [(obj, kwargs)]


def snapshot(obj) -> tuple:
    """What a refused write must leave unchanged."""
    model = type(obj)
    manager = getattr(model, "all_objects", model._default_manager)
    row = manager.filter(pk=obj.pk).values().first()
    return tuple(sorted((k, str(v)) for k, v in (row or {}).items() if k not in ("updated_at",)))


# --- answers ----------------------------------------------------------------------------
DENIED_REDIRECTS = ("/admin/", "/admin/login/")


def verdict(response) -> str | None:
    """None when the answer refuses without telling anything; else what is wrong."""
    status = response.status_code
    if status in (403, 404, 405):
        return None
    if status in (301, 302):
        location = response.get("Location", "").split("?")[0]
        if location in DENIED_REDIRECTS and REACHED not in response.get("Location", ""):
            return None
        return f"redirected to {location}"
    return f"answered {status}"


#: Sent as ``next`` with every admin write: a view that got past its lookup and redirects
#: "back" lands here, which a refusal (the admin home, the login page) never does.
REACHED = "/admin/ohms-matrix-reached/"


def call(client, method: str, url: str, kind: str):
    """One request; an exception in the view is reported as a 500."""
    body = ({} if kind == "api" else {"next": REACHED}) if method in ("post", "put", "patch") else None
    try:
        if kind == "api":
            return getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
        return getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)
    except Exception as exc:  # noqa: BLE001 (the matrix reports it as a server error)
        class _Crash:
            status_code = 500
            detail = repr(exc)

            def get(self, *_):
                return ""
        return _Crash()


__all__ = [
    "Builder", "FACTORIES", "REACHED", "Route", "call", "iter_routes", "load_addon_factories", "register_expander",
    "register_factory", "register_kwarg", "register_route_model", "snapshot", "targets", "verdict",
]


# --- core's own objects -----------------------------------------------------------------
def _document(w):
    from django.core.files.base import ContentFile

    from .models import Document

    document = Document(organization=w.org, title=f"Fiche {w.seq()}", file_size=3, checksum="x")
    document.file.save("fiche.txt", ContentFile(b"abc"), save=False)
    document.save()
    return document


def _token(w):
    from .services.tokens import token_create

    token, _raw = token_create(user=w.admin, organization=w.org, name=f"matrix {w.seq()}")
    return token


def _transition_log(w):
    from django.contrib.contenttypes.models import ContentType

    from .models import Site, TransitionLog

    site = w.get(Site)
    return TransitionLog.objects.create(organization=w.org, content_type=ContentType.objects.get_for_model(Site),
                                        object_id=str(site.pk), object_repr=str(site), transition="t",
                                        from_state="a", to_state="b")


def _transition_targets(w):
    """The generic admin transition URL, for every registered state machine's model."""
    from django.contrib.contenttypes.models import ContentType

    from . import workflows

    found = []
    for machine in workflows.machines():
        obj = w.get(machine.model)
        names = sorted({t.name for t in machine.transitions()})
        if obj is None or not names:
            continue
        content_type = ContentType.objects.get_for_model(machine.model)
        for name in names:
            found.append((obj, {"content_type_id": content_type.pk, "pk": obj.pk, "name": name}))
    return found


def _transition_name(obj, w):
    from . import workflows

    names = sorted({t.name for t in workflows.machine_for(obj).transitions()})
    return names[0] if names else "none"


def _invitation_targets(w):
    """A pending invitation of the other organization, addressed to someone else."""
    from . import testing
    from .models import Membership
    from .services.tenancy import INVITATION_PENDING

    invitee = testing.make_user()
    invitation = Membership.objects.create(organization=w.org, user=invitee, role="worker", is_active=False,
                                           invitation=INVITATION_PENDING)
    return [(invitation, {"pk": invitation.pk, "answer": answer}) for answer in ("accept", "decline")]


def _register_core():
    from . import testing
    from .models import (
        ApiToken,
        AuditLog,
        Contact,
        Document,
        Enterprise,
        Event,
        Membership,
        Notification,
        NotificationRule,
        Organization,
        Project,
        Site,
        SyncConflict,
        TransitionLog,
        Worker,
    )

    register_factory(Organization, lambda w: w.org)
    register_factory(Project, lambda w: w.project)
    register_factory(Site, lambda w: testing.make_site(w.org))
    register_factory(Enterprise, lambda w: testing.make_enterprise(w.org))
    register_factory(Contact, lambda w: testing.make_contact(w.org))
    register_factory(Worker, lambda w: testing.make_worker(w.org, contact=w.get(Contact), enterprise=w.get(Enterprise)))
    register_factory(Membership, lambda w: Membership.objects.get(organization=w.org, user=w.admin))
    register_factory(Document, _document)
    register_factory(ApiToken, _token)
    register_factory(AuditLog, lambda w: AuditLog.objects.create(organization=w.org, action="view", object_repr="matrix"))
    register_factory(NotificationRule, lambda w: NotificationRule.objects.create(organization=w.org, event_type="matrix.test"))
    register_factory(Event, lambda w: Event.objects.create(organization=w.org, type="matrix.test", object_repr="matrix"))
    register_factory(TransitionLog, _transition_log)
    register_factory(Notification, lambda w: Notification.objects.create(
        organization=w.org, user=w.admin, event_type="matrix.test", title="matrix", dedupe_key=f"matrix-{w.seq()}"))
    register_factory(SyncConflict, lambda w: SyncConflict.objects.create(  # offline sync conflicts (SPEC 5.1)
        organization=w.org, project=w.project, device_id="matrix", entity="matrix", offline_id=f"mx-{w.seq()}",
        reason="stale_version", fields={"title": {"client": "a", "server": "b", "merge_hint": "last_write_wins"}}))
    register_expander("ohms_transition", _transition_targets)
    register_kwarg("name", _transition_name)  # /transitions/<name>/ of every state machine's API
    register_expander("ohms_invitation_answer", _invitation_targets)
    for name in ("ohms_notification_open", "ohms_notification_mark_read", "notification-detail", "notification-mark-read"):
        register_route_model(name, Notification)


_register_core()
