"""Digital signatures: the password asked again, the meaning, and a hash of the version signed."""
from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.context import get_context
from ohms_core.exceptions import NotAllowedError
from ohms_core.services.auth import password_check
from ohms_core.services.records import record_create

from .. import gates
from ..models import DigitalSignature
from .audit import permit_audit
from .rules import refuse_if

SIGNED_FIELDS = ("permit_number", "title", "description", "location", "planned_start_time", "planned_end_time", "status",
                 "risk_level", "ppe_requirements", "safety_checklist", "isolation_details", "control_measures", "version")


def permit_content_hash(permit) -> str:
    payload = {name: getattr(permit, name) for name in SIGNED_FIELDS}
    payload["permit_type"] = str(permit.permit_type_id)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()


#: Who may sign with which meaning: the person named on the permit (managers sign for anyone).
SIGNERS = {
    "issuer": ("issuer_id",), "receiver": ("receiver_id",), "verifier": ("verifier_id",), "approver": ("approver_id",),
    "closeout": ("issuer_id", "receiver_id", "area_incharge_id", "created_by_id"),
}


def permit_sign(*, permit, user, meaning: str, password: str, signature_data: str = "") -> DigitalSignature:
    """Signing re-asks the password; records meaning, time and a hash of the version signed.
    Only the person the permit names for that meaning may sign it (or an org admin). A
    closed permit is a record: it takes no new signature."""
    from ohms_core.roles import Role

    refuse_if(gates.permit_open_gate(permit))
    if not password_check(user, password):  # counts failures: signing is no password oracle
        raise NotAllowedError(_("Wrong password: the signature was not recorded."), code="wrong_password")
    named = any(getattr(permit, attr) == user.pk for attr in SIGNERS.get(meaning, ()))
    if not (named or user.is_superuser or get_context().role == Role.ORG_ADMIN):
        raise NotAllowedError(_("Only the person named as %(meaning)s on this permit can sign as %(meaning)s.")
                              % {"meaning": meaning}, code="not_signatory")
    with transaction.atomic():
        signature = record_create(model=DigitalSignature, organization=permit.organization, user=user, data={
            "permit": permit, "signatory": user, "meaning": meaning, "signed_at": timezone.now(),
            "permit_version": permit.version, "content_hash": permit_content_hash(permit), "signature_data": signature_data})
        permit_audit(permit=permit, action="signed", user=user, data={"meaning": meaning, "hash": signature.content_hash})
    return signature
