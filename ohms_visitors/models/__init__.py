"""Models of the visitors add-on (SPEC 1.9), one module per aggregate."""
from .access import AccessLog
from .handover import ShiftHandover
from .invites import NDASignature, SiteNDA, VisitorInvite, new_qr_token

__all__ = ["AccessLog", "NDASignature", "ShiftHandover", "SiteNDA", "VisitorInvite", "new_qr_token"]
