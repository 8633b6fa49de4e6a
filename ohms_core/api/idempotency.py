"""``Idempotency-Key`` on every authenticated POST of the API (rules in ``ohms_core.idempotency``).

``IdempotentMixin`` is a base of ``TenantScopedMixin`` (so of every ``ScopedModelViewSet``
and every add-on view built on them) and of the few core views that are not tenant
scoped: model creates and every ``@action`` POST (transitions, gas readings, isolation
actions, sync) get it without the add-on doing anything.
``ohms_core/tests/test_idempotency_coverage.py`` walks the URL resolver and fails when a
POST-capable view under ``/api/v1/`` lacks it.

The key is reserved after authentication, permissions and throttles (a refused or throttled
request reserves nothing) and before the handler runs; the response is stored in
``finalize_response``; an uncaught exception releases the key.
"""
from __future__ import annotations

from .. import idempotency
from ..models import ApiToken


class _Replay(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, response):
        super().__init__("idempotent replay")
        self.response = response


class IdempotentMixin:
    """Honour ``Idempotency-Key`` on POST. Put it before the DRF view class in the bases."""

    idempotent_methods = ("POST",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency = None
        raw = request.headers.get(idempotency.HEADER)
        if raw is None or request.method not in self.idempotent_methods:
            return
        if not (request.user and request.user.is_authenticated):
            return
        key = idempotency.key_validate(raw)
        tenancy = getattr(request, "ohms_tenancy", None)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        fingerprint = idempotency.request_fingerprint(data=request.data, query_params=request.query_params)
        reservation = idempotency.idempotency_reserve(
            organization=tenancy.organization if tenancy else None, user=request.user, token=token,
            method=request.method, path=request.path, key=key, fingerprint=fingerprint,
        )
        if reservation.replay is not None:
            raise _Replay(reservation.replay)
        self._idempotency = reservation

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        reservation = getattr(self, "_idempotency", None)
        if reservation is not None:
            idempotency.idempotency_complete(reservation=reservation, response=response)
        return response

    def dispatch(self, request, *args, **kwargs):
        self._idempotency = None
        try:
            return super().dispatch(request, *args, **kwargs)
        except BaseException:
            # An uncaught exception (a 500): nothing worth replaying, the key may be retried.
            reservation = getattr(self, "_idempotency", None)
            if reservation is not None and not reservation.done:
                idempotency.idempotency_release(reservation=reservation)
            raise
