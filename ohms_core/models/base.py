"""The base every business row inherits (SPEC 1.1, ARCHITECTURE "Data rules").

- UUID primary key; created/updated at and by, filled from the request context;
- soft delete: ``objects`` hides deleted rows, ``all_objects`` shows them, ``restore()``;
- an integer ``version`` bumped on every update, for optimistic concurrency (409);
- django-simple-history on every concrete model, recording the acting user and reason.

``BaseModel`` adds the tenant (``organization``); ``TrackedModel`` is the same without it,
for the tenant itself.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..context import get_context


def _history_user(instance=None, request=None, **kwargs):
    user = get_context().user
    return user if user is not None and getattr(user, "is_authenticated", False) else None


class OrganizationQuerySet(models.QuerySet):
    def for_organization(self, organization):
        """The one organization filter (``ohms_core.scoping.for_organization``); the
        project scope a model declares is added by ``ohms_core.scoping.scope_queryset``."""
        from ..scoping import for_organization

        return for_organization(self, organization)

    def scoped(self, ctx=None):
        """Organization and project scope of the acting member (``scoping.scope_queryset``)."""
        from ..scoping import scope_queryset

        return scope_queryset(self, ctx)


class SoftDeleteQuerySet(OrganizationQuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Default manager: deleted rows are invisible."""

    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class AllObjectsManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Every row, deleted ones included (restore, audits, history)."""


class TrackedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    is_deleted = models.BooleanField(_("deleted"), default=False, editable=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("deleted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords(
        inherit=True,
        get_user=_history_user,
        history_change_reason_field=models.TextField(null=True),
    )

    objects = SoftDeleteManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def save(self, *args, **kwargs):
        ctx = get_context()
        user_id = ctx.user_id
        if self._state.adding:
            if self.created_by_id is None:
                self.created_by_id = user_id
        else:
            self.version = (self.version or 0) + 1
        if user_id is not None:
            self.updated_by_id = user_id
        if ctx.reason and not getattr(self, "_change_reason", None):
            self._change_reason = ctx.reason
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"version", "updated_by", "updated_at"}
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Soft delete is the only delete (SPEC 1.1: no permanent data deletion)."""
        self.soft_delete()

    def soft_delete(self, user=None):
        self.is_deleted = True
        self.deleted_at = timezone.now()
        user = user or get_context().user
        self.deleted_by_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
        self.save()

    def restore(self):
        self.is_deleted = False
        self.deleted_at = None
        self.deleted_by = None
        self.save()


class BaseModel(TrackedModel):
    organization = models.ForeignKey(
        "ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
        related_name="+", editable=False,
    )

    class Meta(TrackedModel.Meta):
        abstract = True
        indexes = []

    def save(self, *args, **kwargs):
        if self.organization_id is None and get_context().organization is not None:
            self.organization = get_context().organization
        super().save(*args, **kwargs)
