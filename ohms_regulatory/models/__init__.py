"""Models of the regulatory add-on; one module per aggregate."""
from .. import policy_receivers  # noqa: E402
from .policies import (  # noqa: F401
    PolicyAcknowledgement,
    PolicyApprovalTask,
    PolicyIndexPage,
    PolicyPage,
    PolicyReminder,
)

policy_receivers.connect()
