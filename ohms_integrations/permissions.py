"""Who may do what in the integrations add-on (read by the API, the admin and the services)."""
from ohms_core.permissions import ADMINS

NOBODY = frozenset()

RESOURCES = {
    # Webhooks: organization admins only (SPEC 5.2: signing secrets and outbound traffic).
    "webhookendpoint": {"view": ADMINS, "add": ADMINS, "change": ADMINS, "delete": ADMINS},
    # The ledger is written by the sender; admins read it and redeliver ("change").
    "webhookdelivery": {"view": ADMINS, "add": NOBODY, "change": ADMINS, "delete": NOBODY},
}
