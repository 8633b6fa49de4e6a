"""Tenancy use cases: memberships and the operators' bootstrap."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import BusinessRuleError, NotAllowedError
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
    data = {"role": role, "is_active": True, "user": user, "invitation": ""}
    if projects is not None:
        data["projects"] = list(projects)
    if existing is None:
        return record_create(model=Membership, organization=organization, data=data, user=actor)
    if existing.role == role and existing.is_active and not existing.invitation and (projects is None or set(existing.projects.all()) == set(projects)):
        return existing
    return record_update(instance=existing, data=data, user=actor)


INVITATION_PENDING, INVITATION_DECLINED = "pending", "declined"


def user_find(*, email: str):
    User = get_user_model()
    email = email.strip().lower()
    return User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()


def _belongs_elsewhere(user, organization) -> bool:
    return Membership.objects.filter(user=user, is_active=True).exclude(organization=organization).exists()


def membership_add(*, organization, email: str, role: str, projects=None, actor=None) -> tuple[Membership, bool]:
    """Add a person to ``organization`` by e-mail; returns ``(membership, invited)``.

    A new person (no account) is created and added directly; so is a current member (a role
    change). An existing user who belongs to another organization is only *invited*: the
    membership stays inactive until they accept it in the admin. Attaching them directly
    would let any organization's admin pull in anybody by e-mail, without consent, and
    change which organization that person's admin acts for.
    """
    user = user_find(email=email)
    if user is None:
        return membership_upsert(organization=organization, user=user_get_or_create(email=email), role=role,
                                 projects=projects, actor=actor), False
    existing = Membership.objects.filter(organization=organization, user=user).first()
    if (existing is not None and existing.is_active) or not _belongs_elsewhere(user, organization):
        return membership_upsert(organization=organization, user=user, role=role, projects=projects, actor=actor), False
    return membership_invite(organization=organization, user=user, role=role, projects=projects, actor=actor), True


def membership_invite(*, organization, user, role: str, projects=None, actor=None) -> Membership:
    """A pending (inactive) membership the user accepts or declines."""
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role “%(role)s”.") % {"role": role}]})
    data = {"role": role, "is_active": False, "user": user, "invitation": INVITATION_PENDING}
    if projects is not None:
        data["projects"] = list(projects)
    existing = Membership.objects.filter(organization=organization, user=user).first()
    if existing is None:
        return record_create(model=Membership, organization=organization, data=data, user=actor)
    return record_update(instance=existing, data=data, user=actor)


def invitations_pending(user):
    """The invitations ``user`` may answer (any organization: they are the user's own)."""
    return (Membership.objects.filter(user=user, invitation=INVITATION_PENDING, organization__is_active=True,
                                      organization__is_deleted=False)
            .select_related("organization", "created_by").order_by("created_at"))


def _answer(*, membership: Membership, user, accept: bool) -> Membership:
    if membership.user_id != user.pk:
        raise NotAllowedError(_("This invitation is not yours."))
    with transaction.atomic():
        locked = Membership.all_objects.select_for_update().get(pk=membership.pk)
        if locked.invitation != INVITATION_PENDING or locked.is_deleted:
            raise BusinessRuleError(_("This invitation was already answered."), code="invitation_answered")
        return record_update(instance=locked, user=user,
                             data={"invitation": "" if accept else INVITATION_DECLINED, "is_active": accept})


def membership_invitation_accept(*, membership: Membership, user) -> Membership:
    return _answer(membership=membership, user=user, accept=True)


def membership_invitation_decline(*, membership: Membership, user) -> Membership:
    return _answer(membership=membership, user=user, accept=False)


def membership_update(*, instance: Membership, data: dict, expected_version=None, actor=None) -> Membership:
    """An organization admin edits a membership; only the invited person can activate an
    invitation (pending or declined), so ``is_active`` cannot be forced on one."""
    data = {k: v for k, v in data.items() if k not in ("user", "invitation")}
    if instance.invitation and data.get("is_active"):
        message = _("Only the invited person can accept an invitation.")
        raise BusinessRuleError(message, code="invitation_pending", errors={"is_active": [message]})
    return record_update(instance=instance, data=data, expected_version=expected_version, user=actor)


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
        organization_setup_run(organization=organization, user=actor)
    return organization, True


def organization_setup_run(*, organization, user=None) -> list[str]:
    """Give a new organization what each installed add-on starts it with (its manifest's
    ``organization_setup``: permit types, notification rules...), so its first permit works
    without reading the docs. Every hook is idempotent: running it again adds only what is
    missing. Returns the labels of the add-ons that ran."""
    from django.utils.module_loading import import_string

    from ..context import acting_as
    from ..registry import addons

    ran = []
    with acting_as(user=user, organization=organization, reason="organization setup"):
        for manifest in addons():
            if manifest.organization_setup:
                import_string(manifest.organization_setup)(organization=organization, user=user)
                ran.append(manifest.label)
    return ran


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
