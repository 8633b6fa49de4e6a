"""Integrations routes in the cross-tenant route matrix (``ohms_core.testing_routes``).

``SyncConflict`` is a core model (its factory is core's); the admin's sync-conflict screens
are function views, so their ``pk`` is named here."""
from ohms_core.models import SyncConflict
from ohms_core.testing_routes import register_route_model

for _name in ("ohms_integrations_sync_conflict", "ohms_integrations_sync_conflict_resolve"):
    register_route_model(_name, SyncConflict)
