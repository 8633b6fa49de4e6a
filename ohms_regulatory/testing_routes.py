"""Objects of the regulatory add-on for the cross-tenant route matrix (ohms_core.testing_routes)."""
from wagtail.models import Page

from ohms_core.testing_routes import register_factory, register_kwarg, register_route_model

from .models import PolicyAcknowledgement, PolicyPage


def _policy(w):
    """A published, private policy of ``w.org`` (its tree created by the organization setup)."""
    from .tests.factories import make_live_policy

    return make_live_policy(w.org, title=f"Matrix policy {w.seq()}")


def _acknowledgement(w):
    from .services.policies import policy_acknowledge

    return policy_acknowledge(page=w.get(PolicyPage), user=w.admin)


register_factory(PolicyPage, _policy)
register_factory(Page, lambda w: w.get(PolicyPage))  # Wagtail's API v2 (/api/v2/pages/<id>/)
register_factory(PolicyAcknowledgement, _acknowledgement)
register_kwarg("language", lambda obj, w: "fr")
# The guard in front of Wagtail's page admin (admin_views.policy_guard): B's policy page by id.
register_kwarg("content_app", lambda obj, w: "ohms_regulatory")
register_kwarg("content_model", lambda obj, w: "policypage")
register_kwarg("workflow_view", lambda obj, w: "confirm_cancellation")
for _name in ("ohms_policy_page_guard", "ohms_policy_page_guard_add", "ohms_policy_page_guard_workflow"):
    register_route_model(_name, PolicyPage, pk_kwarg="page_id")
for _name in ("ohms_policy_report", "ohms_policy_report_xlsx", "ohms_policy_translate"):
    register_route_model(_name, PolicyPage)
