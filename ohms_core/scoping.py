"""Tenancy in one home: which rows the acting member may read.

Every read of every add-on (API views, admin viewsets, form and serializer choices, the
generic transition view, selectors, jobs) goes through :func:`scope_queryset`, so the
rule is written once:

1. the organization: rows of the acting organization only (another tenant's row is
   answered exactly like a row that does not exist);
2. the projects: a model that belongs to a project declares where its project is, and
   a membership limited to some projects sees only their rows. A membership with no
   projects sees every project of the organization.

A model declares its scope with class attributes, so a new add-on adds two lines and
no filter code::

    class Permit(BaseModel):
        tenancy_project_path = "project"           # or "permit__project", ...

    class IsolationPointLibrary(BaseModel):
        tenancy_project_path = "project"
        tenancy_org_wide_allowed = True            # rows with no project: every member

A model whose organization is not a direct ``organization`` field names the path with
``tenancy_organization_path``. The allowed project ids are read once per request and
cached on the request context.
"""
from __future__ import annotations

from django.db.models import Q

from .context import get_context

_UNSET = object()
_CACHE_KEY = "ohms_allowed_project_ids"


def organization_path(model) -> str:
    return getattr(model, "tenancy_organization_path", "organization")


def project_path(model) -> str | None:
    """Where the model's project is (``None``: organization-wide model)."""
    return getattr(model, "tenancy_project_path", None)


def for_organization(queryset, organization):
    """The one organization filter (``QuerySet.for_organization`` calls it)."""
    if organization is None:
        return queryset.none()
    model = queryset.model
    if model._meta.label == "ohms_core.Organization":
        return queryset.filter(pk=getattr(organization, "pk", organization))
    return queryset.filter(**{organization_path(model): organization})


def allowed_project_ids(ctx=None) -> list | None:
    """The project ids the acting membership is limited to; ``None`` means every project
    of the organization (a membership without projects, or a superuser acting without
    a membership). Cached on the request context: one query per request at most."""
    ctx = ctx or get_context()
    membership = ctx.membership
    if membership is None:
        return None
    cache = ctx.extra if isinstance(ctx.extra, dict) else {}
    cached = cache.get(_CACHE_KEY)
    if cached is not None and cached[0] == membership.pk:
        return cached[1]
    ids = list(membership.projects.values_list("pk", flat=True)) or None
    cache[_CACHE_KEY] = (membership.pk, ids)
    return ids


def forget_allowed_projects(ctx=None) -> None:
    """Drop the cached ids (after a membership's projects changed in the same request)."""
    ctx = ctx or get_context()
    if isinstance(ctx.extra, dict):
        ctx.extra.pop(_CACHE_KEY, None)


def to_projects(queryset, path: str | None = None, *, org_wide_allowed: bool | None = None, ctx=None):
    """The project part of the scope alone. ``path`` and ``org_wide_allowed`` default to
    what the model declares; ``path="pk"`` scopes the Project model itself."""
    model = queryset.model
    path = path if path is not None else project_path(model)
    if not path:
        return queryset
    ids = allowed_project_ids(ctx)
    if ids is None:
        return queryset
    if org_wide_allowed is None:
        org_wide_allowed = getattr(model, "tenancy_org_wide_allowed", False)
    condition = Q(**{f"{path}__in": ids})
    if org_wide_allowed:
        condition |= Q(**{f"{path}__isnull": True})
    return queryset.filter(condition)


def scope_queryset(queryset, ctx=None, *, organization=_UNSET):
    """Organization, then the project scope the model declares. ``organization`` overrides
    the context's (serializers carry theirs); the project scope is always the acting
    membership's."""
    ctx = ctx or get_context()
    org = ctx.organization if organization is _UNSET else organization
    return to_projects(for_organization(queryset, org), ctx=ctx)


def is_scoped_model(model) -> bool:
    """Rows that belong to an organization (choices of such a model are scoped)."""
    return model._meta.label == "ohms_core.Organization" or any(
        f.name == organization_path(model).split("__")[0] for f in model._meta.get_fields()
    )


def scope_choices(queryset, ctx=None, *, organization=_UNSET):
    """Related-object choices of forms and serializers: scoped when the target model is
    a tenant's, untouched otherwise (users, content types)."""
    if not is_scoped_model(queryset.model) or queryset.model._meta.label == "ohms_core.Organization":
        return queryset
    return scope_queryset(queryset, ctx, organization=organization)


def scope_filterset(filterset, request=None, *, organization=_UNSET):
    """Scope every model-choice filter of a django-filter FilterSet (API list filters and
    the admin's filter sidebar), before its form is built: another tenant's id is then an
    invalid choice exactly like an id that does not exist, and its name is never listed."""
    from django.contrib.auth import get_user_model
    from django_filters.filters import QuerySetRequestMixin

    org = get_context().organization if organization is _UNSET else organization
    for flt in filterset.filters.values():
        if isinstance(flt, QuerySetRequestMixin):
            choices = flt.get_queryset(request)
            if choices is None:
                continue
            if choices.model is get_user_model():  # ?issuer=<id>: people of this organization only
                flt.queryset = choices.filter(pk__in=organization_users(org).values("pk"))
            else:
                flt.queryset = scope_choices(choices, organization=org)
    return filterset


def organization_users(organization):
    """Users who are or were members of the organization (filters over past records)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if organization is None:
        return User.objects.none()
    return User.objects.filter(ohms_memberships__organization=organization).distinct()


def active_members(organization):
    """Users who may be named on a record: active members of the organization."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if organization is None:
        return User.objects.none()
    return User.objects.filter(
        ohms_memberships__organization=organization, ohms_memberships__is_deleted=False,
        ohms_memberships__is_active=True, is_active=True,
    ).distinct()


__all__ = [
    "active_members", "allowed_project_ids", "for_organization", "forget_allowed_projects", "scope_choices",
    "organization_users", "scope_filterset", "scope_queryset", "to_projects",
]
