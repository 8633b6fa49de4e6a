"""Cross-add-on checks, absent-safe (SPEC DECISIONS 1).

An add-on that knows whether a worker is medically fit (health) or trained (training)
registers a check here; an add-on that needs the answer (permit to work) asks here and
never imports the other add-on. With no provider installed, every check passes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

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


# --- fitness for work (SPEC DECISIONS 12) ---------------------------------------------------
@dataclass(frozen=True)
class Fitness:
    """The only medical answer other add-ons get: fit or not, and a reason fit to show to a
    permit issuer. Never the medical content (conditions, allergies, findings).

    ``fit`` is ``None`` when nobody has assessed the worker (or no health add-on is
    installed): callers decide whether "unknown" blocks; it is never reported as fit.
    """

    fit: bool | None
    reason: str = ""
    restricted: bool = False


_fitness_provider: Callable | None = None


def register_fitness_provider(provider: Callable) -> None:
    """``provider(worker, *, on=None) -> Fitness``; one per installation (the health add-on)."""
    global _fitness_provider
    _fitness_provider = provider


def unregister_fitness_provider() -> None:
    global _fitness_provider
    _fitness_provider = None


def worker_fitness(worker, *, on=None) -> Fitness:
    """Is this worker fit for work (on the given date)? Absent-safe: unknown without a provider."""
    if _fitness_provider is None:
        return Fitness(fit=None, reason=str(_("No occupational-health add-on is installed.")))
    return _fitness_provider(worker, on=on)


# --- competency catalog (training modules a permit type may require; SPEC 1.8) ----------------
_competency_catalog: Callable | None = None


def register_competency_catalog(catalog: Callable) -> None:
    """``catalog(organization, ids=None) -> {id (str): title}``: the training modules of the
    organization (only ``ids`` when given). One per installation (the training add-on)."""
    global _competency_catalog
    _competency_catalog = catalog


def unregister_competency_catalog() -> None:
    global _competency_catalog
    _competency_catalog = None


def competency_catalog_installed() -> bool:
    return _competency_catalog is not None


def competency_choices(organization) -> list[tuple[str, str]]:
    """(id, title) of the modules a requirement may name; empty without a training add-on."""
    if _competency_catalog is None or organization is None:
        return []
    return sorted(_competency_catalog(organization).items(), key=lambda item: str(item[1]).lower())


def competency_titles(organization, ids) -> dict:
    """{id: title} of ``ids`` known to the catalog (unknown ones left out)."""
    if _competency_catalog is None or organization is None or not ids:
        return {}
    return _competency_catalog(organization, ids=[str(i) for i in ids])


def competency_validate(organization, ids) -> list[str]:
    """Why a list of required module ids is refused (empty when it is fine). Absent-safe: with
    no training add-on an empty list is fine and a non-empty one is refused with the reason."""
    if ids in (None, "", []):
        return []
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        return [str(_("A list of training module ids is expected."))]
    if _competency_catalog is None:
        return [str(_("The training add-on is not installed: a permit type cannot require training modules."))]
    known = competency_titles(organization, ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        return [str(_("Unknown training modules: %(ids)s.") % {"ids": ", ".join(unknown)})]
    return []

# --- site access (visitors) -----------------------------------------------------------------
_visitor_access_checks: dict[str, Callable] = {}


def register_visitor_access_check(name: str, check: Callable) -> None:
    """``check(invite, *, site, context) -> iterable of ohms_core.workflows.Reason``: asked by
    the visitors add-on before a check-in (e.g. the training add-on: "this site requires the
    visitor induction module"). Absent-safe: with no check registered, nothing blocks."""
    _visitor_access_checks[name] = check


def unregister_visitor_access_check(name: str) -> None:
    _visitor_access_checks.pop(name, None)


def visitor_access_checks() -> list[str]:
    return sorted(_visitor_access_checks)


def check_visitor_access(invite, *, site, context=None) -> list:
    reasons = []
    for check in _visitor_access_checks.values():
        reasons.extend(check(invite, site=site, context=context) or ())
    return reasons


# --- visitor entry steps and the visit behind a token (visitors <-> training) ---------------
# The invite handed to these callables is the visitors add-on's object; other add-ons read
# only ``pk``, ``organization_id``, ``organization``, ``site_id``, ``site``, ``visitor_name``,
# ``visitor_id_number``, ``qr_token`` and ``is_open`` from it (they never import its model).
@dataclass(frozen=True)
class VisitorEntryStep:
    """Something a visitor does before check-in besides the NDA (e.g. the induction quiz):
    shown on the visitor's own page and on the gate screen. ``url`` is the public page where
    the visitor does it (the invitation token is the credential)."""

    code: str
    title: str
    done: bool
    url: str = ""
    message: str = ""


_visitor_entry_steps: dict[str, Callable] = {}
_visit_lookup: Callable | None = None


def register_visitor_entry_step(name: str, step: Callable) -> None:
    """``step(invite, *, site) -> VisitorEntryStep | None`` (None: nothing to do at this site)."""
    _visitor_entry_steps[name] = step


def unregister_visitor_entry_step(name: str) -> None:
    _visitor_entry_steps.pop(name, None)


def visitor_entry_steps(invite, *, site) -> list:
    """The steps other add-ons ask of this visitor (empty when none is installed)."""
    steps = []
    for name in sorted(_visitor_entry_steps):
        step = _visitor_entry_steps[name](invite, site=site)
        if step is not None:
            steps.append(step)
    return steps


def register_visit_lookup(lookup: Callable) -> None:
    """``lookup(token) -> invite | None``: the invitation of a QR token, in any organization
    (the token is the credential). One per installation (the visitors add-on)."""
    global _visit_lookup
    _visit_lookup = lookup


def unregister_visit_lookup() -> None:
    global _visit_lookup
    _visit_lookup = None


def visit_by_token(token: str):
    """The invitation behind a visitor's token; None when unknown or no visitors add-on."""
    if _visit_lookup is None or not (token or "").strip():
        return None
    return _visit_lookup(token.strip())
