"""Test helpers shared by every add-on's tests: tenants, members, API clients."""
from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from .context import acting_as
from .models import Contact, Enterprise, Organization, Project, Site, Worker
from .services.tenancy import membership_upsert
from .services.tokens import token_create

_seq = itertools.count(1)


def make_organization(code=None, name=None) -> Organization:
    n = next(_seq)
    code = code or f"ORG{n}"
    return Organization.objects.create(code=code, name=name or f"Organisation {code}")


def make_user(email=None, password="pass-1234-word", **extra):
    n = next(_seq)
    email = email or f"user{n}@example.test"
    user = get_user_model().objects.create_user(username=email, email=email, password=password, **extra)
    return user


def make_member(organization, role="org_admin", email=None, projects=None):
    user = make_user(email)
    with acting_as(organization=organization):
        membership_upsert(organization=organization, user=user, role=role, projects=projects)
    return user


def token_client(user, organization, role=None) -> APIClient:
    _, raw = token_create(user=user, organization=organization, name="test", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_token = raw
    return client


def make_site(organization, **kw):
    n = next(_seq)
    return Site.objects.create(organization=organization, name=kw.pop("name", f"Site {n}"), code=kw.pop("code", f"S{n}"), **kw)


def make_enterprise(organization, **kw):
    n = next(_seq)
    return Enterprise.objects.create(organization=organization, name=kw.pop("name", f"Entreprise {n}"), code=kw.pop("code", f"E{n}"), **kw)


def make_project(organization, **kw):
    n = next(_seq)
    return Project.objects.create(organization=organization, name=kw.pop("name", f"Projet {n}"), code=kw.pop("code", f"P{n}"), **kw)


def make_contact(organization, **kw):
    n = next(_seq)
    return Contact.objects.create(
        organization=organization, first_name=kw.pop("first_name", "Jean"), last_name=kw.pop("last_name", f"Kabila{n}"), **kw
    )


def make_worker(organization, **kw):
    n = next(_seq)
    contact = kw.pop("contact", None) or make_contact(organization)
    enterprise = kw.pop("enterprise", None) or make_enterprise(organization)
    return Worker.objects.create(
        organization=organization, contact=contact, enterprise=enterprise,
        employee_number=kw.pop("employee_number", f"EMP{n:05d}"), **kw
    )
