"""Health add-on routes for the cross-tenant route matrix (``ohms_core.testing_routes``)."""
from ohms_core.models import Worker
from ohms_core.testing_routes import register_route_model

# The medical profile screen is reached through the worker it belongs to.
register_route_model("ohms_health_medical_profile", Worker, pk_kwarg="worker_pk")
