"""Tenancy use cases: memberships and the operators' bootstrap."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import AuditAction, Membership, Organization, Project
from ..roles import Role
from .audit import audit_record
from .records import record_create, record_update


def user_get_or_create(*, email: str):
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
    if user is None:
        user = User(username=email, email=email)
        user.set_unusable_password()
        user.save()
    return user


def membership_upsert(*, organization, user, role: str, projects=None, actor=None) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role “%(role)s”.") % {"role": role}]})
    existing = Membership.objects.filter(organization=organization, user=user).first()
    data = {"role": role, "is_active": True, "user": user}
    if projects is not None:
        data["projects"] = list(projects)
    if existing is None:
        return record_create(model=Membership, organization=organization, data=data, user=actor)
    if existing.role == role and existing.is_active and (projects is None or set(existing.projects.all()) == set(projects)):
        return existing
    return record_update(instance=existing, data=data, user=actor)


def organization_get_or_create(*, code: str, name: str, actor=None) -> tuple[Organization, bool]:
    code = code.strip().upper()
    organization = Organization.objects.filter(code=code).first()
    if organization is not None:
        return organization, False
    with transaction.atomic():
        organization = Organization(code=code, name=name)
        organization.full_clean()
        organization.save()
        audit_record(action=AuditAction.CREATE, obj=organization, user=actor, organization=organization)
    return organization, True


def project_get_or_create(*, organization, name: str, actor=None) -> tuple[Project, bool]:
    project = Project.objects.filter(organization=organization, name=name).first()
    if project is not None:
        return project, False
    base = "".join(ch for ch in name.upper() if ch.isalnum())[:16] or "PRJ"
    code, n = base, 1
    while Project.objects.filter(organization=organization, code=code).exists():
        n += 1
        code = f"{base[:16]}-{n}"
    return record_create(model=Project, organization=organization, data={"name": name, "code": code}, user=actor), True
