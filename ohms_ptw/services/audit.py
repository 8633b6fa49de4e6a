from ..models import PermitAudit


def permit_audit(*, permit, action: str, user=None, comments: str = "", data: dict | None = None) -> PermitAudit:
    """One PermitAudit row per PTW action (SPEC 2.2)."""
    return PermitAudit.objects.create(
        organization_id=permit.organization_id, permit=permit, action=action,
        user=user if getattr(user, "is_authenticated", False) else None, comments=comments or "", data=data or {},
    )
