"""The cross-tenant route matrix (issue 7, section 4).

Every API route and every admin route of every installed add-on, called by each role of
organization A on objects of organization B, answers 404 (or 403 / the admin's "no
access" redirect when the route is role-gated before any lookup), never 2xx and never
500, and leaves the object unchanged. For project-scoped models, a member of A limited
to one project gets the same answer for objects of A's other project. Machinery:
``ohms_core.testing_routes``; routes it cannot call: ``route_matrix_allowlist``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from ohms_core import testing
from ohms_core import testing_routes as matrix
from ohms_core.roles import Role
from ohms_core.scoping import project_path

from .route_matrix_allowlist import ALLOWLIST

pytestmark = pytest.mark.django_db


@dataclass
class World:
    routes: list
    theirs: matrix.Builder          # organization B
    other_project: matrix.Builder   # organization A, the project the limited member is not on
    api: dict
    admin: dict
    limited_api: object
    limited_admin: object


def _clients(user, organization):
    admin = Client()
    admin.force_login(user)
    return testing.token_client(user, organization), admin


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            matrix.load_addon_factories()
            org_a, org_b = testing.make_organization("MXA"), testing.make_organization("MXB")
            project_a, project_a2, project_b = (testing.make_project(org_a), testing.make_project(org_a),
                                                testing.make_project(org_b))
            admin_a, admin_b = testing.make_member(org_a, "org_admin"), testing.make_member(org_b, "org_admin")
            routes = matrix.iter_routes()
            theirs = matrix.Builder(org_b, project_b, admin_b)
            other_project = matrix.Builder(org_a, project_a2, admin_a)
            for route in routes:
                matrix.targets(route, theirs)
                matrix.targets(route, other_project)
            api, admin = {}, {}
            for role in Role.values:
                api[role], admin[role] = _clients(testing.make_member(org_a, role), org_a)
            limited = testing.make_member(org_a, "org_admin", projects=[project_a])
            limited_api, limited_admin = _clients(limited, org_a)
            yield World(routes, theirs, other_project, api, admin, limited_api, limited_admin)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _probe(route, builder, api_client, admin_client, *, project_scoped_only=False) -> list[str]:
    problems = []
    for obj, kwargs in matrix.targets(route, builder):
        if project_scoped_only and not project_path(type(obj)):
            continue
        url = reverse(route.name, kwargs=kwargs)
        before = matrix.snapshot(obj)
        client = api_client if route.kind == "api" else admin_client
        for method in route.methods:
            response = matrix.call(client, method, url, route.kind)
            wrong = matrix.verdict(response)
            if wrong:
                detail = getattr(response, "detail", "")
                problems.append(f"{method.upper()} {url} ({route.pattern}) {wrong} {detail}".strip())
        if matrix.snapshot(obj) != before:
            problems.append(f"{url} ({route.pattern}) changed {type(obj).__name__} {obj.pk}")
    return problems


def test_every_route_is_exercised_or_allowlisted(world):
    unexercised = [
        route.pattern for route in world.routes
        if route.is_object_route and route.pattern not in ALLOWLIST and not matrix.targets(route, world.theirs)
    ]
    assert not unexercised, "Routes the matrix cannot call; add a factory or list them with a reason:\n" + "\n".join(unexercised)
    stale = set(ALLOWLIST) - {route.pattern for route in world.routes}
    assert not stale, f"Allow-list entries for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role", Role.values)
def test_role_of_organization_a_on_objects_of_organization_b(world, role):
    problems = []
    for route in world.routes:
        if route.is_object_route and route.pattern not in ALLOWLIST:
            problems += _probe(route, world.theirs, world.api[role], world.admin[role])
    assert not problems, "\n".join(problems)


def test_member_limited_to_one_project_on_objects_of_another_project(world):
    problems, checked = [], 0
    for route in world.routes:
        if route.is_object_route and route.pattern not in ALLOWLIST:
            checked += any(project_path(type(obj)) for obj, _kwargs in matrix.targets(route, world.other_project))
            problems += _probe(route, world.other_project, world.limited_api, world.limited_admin, project_scoped_only=True)
    assert checked, "no project-scoped route found: the matrix would prove nothing"
    assert not problems, "\n".join(problems)


def _list_leaks(world, client_for, objects) -> list[str]:
    ids = {str(obj.pk): type(obj).__name__ for obj in objects
           if len(str(getattr(obj, "pk", ""))) >= 32}  # UUIDs: an integer id would match anything
    problems = []
    for route in world.routes:
        if route.is_object_route or route.pattern in ALLOWLIST:
            continue
        response = matrix.call(client_for(route.kind), "get", reverse(route.name), route.kind)
        if response.status_code >= 500:
            problems.append(f"GET {route.pattern} answered {response.status_code} {getattr(response, 'detail', '')}")
            continue
        body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
        leaked = sorted(f"{name} {pk}" for pk, name in ids.items() if pk in body)
        if leaked:
            problems.append(f"GET {route.pattern} shows objects it must not: {leaked}")
    return problems


def test_lists_never_show_another_organization(world):
    """Routes without an object in the path (lists, "new" forms with their choices, filter
    sidebars): no 500, and no id of B's objects in the answer."""
    problems = _list_leaks(world, lambda kind: world.api["org_admin"] if kind == "api" else world.admin["org_admin"],
                           world.theirs.cache.values())
    assert not problems, "\n".join(problems)


def test_lists_never_show_another_project_to_a_limited_member(world):
    objects = [obj for obj in world.other_project.cache.values() if project_path(type(obj))]
    assert objects
    problems = _list_leaks(world, lambda kind: world.limited_api if kind == "api" else world.limited_admin, objects)
    assert not problems, "\n".join(problems)
