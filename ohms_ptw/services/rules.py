"""Turn gate reasons into service errors (the rules themselves live in ``ohms_ptw.gates``)."""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from ohms_core.exceptions import BusinessRuleError
from ohms_core.workflows import Reason, blocked_errors


def refuse_if(reasons: Iterable[Reason], message: str | None = None) -> None:
    """Raise a 400 carrying every reason when a gate is closed. The error's code is the
    first reason's code, so clients can branch on it; ``message`` defaults to that reason's."""
    reasons = list(reasons)
    if reasons:
        raise BusinessRuleError(message or reasons[0].message, code=reasons[0].code, errors=blocked_errors(reasons))


def invalid_if(reasons: Iterable[Reason], field: str) -> None:
    """Raise a 400 with field errors (bad input, not a business rule)."""
    reasons = list(reasons)
    if reasons:
        raise ValidationError({field: [r.message for r in reasons]})
