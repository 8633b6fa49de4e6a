"""The test-only workflow add-on's objects for the cross-tenant route matrix."""
from ohms_core.testing_routes import register_factory

from .models import Inspection

register_factory(Inspection, lambda w: Inspection.objects.create(organization=w.org, title=f"Inspection {w.seq()}"))
