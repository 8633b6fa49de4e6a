"""Writes of the training add-on, one function per use case (``<entity>_<verb>``)."""
from .certificates import certificate_issue, certificate_reminders, expiry_for
from .competency import competency_catalog, competency_check
from .progress import (
           progress_assign,
           progress_bulk_assign,
           progress_transition,
           quiz_score,
           quiz_submit,
           transition_services,
)
from .visitors import (
           site_induction_set,
           visitor_induction_check,
           visitor_induction_step,
           visitor_quiz_submit,
)

__all__ = ["certificate_issue", "certificate_reminders", "competency_catalog", "competency_check", "expiry_for",
           "progress_assign", "progress_bulk_assign", "progress_transition", "quiz_score", "quiz_submit",
           "site_induction_set", "transition_services", "visitor_induction_check", "visitor_induction_step",
           "visitor_quiz_submit"]
