"""Cross-add-on checks, absent-safe (SPEC DECISIONS 1).

An add-on that knows whether a worker is medically fit (health) or trained (training)
registers a check here; an add-on that needs the answer (permit to work) asks here and
never imports the other add-on. With no provider installed, every check passes.
"""
from __future__ import annotations

from collections.abc import Callable

_worker_checks: dict[str, Callable] = {}


def register_worker_check(name: str, check: Callable) -> None:
    """``check(worker, *, purpose, context) -> iterable of ohms_core.workflows.Reason``."""
    _worker_checks[name] = check


def unregister_worker_check(name: str) -> None:
    _worker_checks.pop(name, None)


def worker_checks() -> list[str]:
    return sorted(_worker_checks)


def check_worker(worker, *, purpose: str, context=None) -> list:
    reasons = []
    for check in _worker_checks.values():
        reasons.extend(check(worker, purpose=purpose, context=context) or ())
    return reasons
