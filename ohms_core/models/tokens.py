"""Opaque API tokens (SPEC DECISIONS 3): hashed at rest, shown once, revocable."""
import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..roles import Role
from .base import BaseModel

TOKEN_PREFIX = "ohms_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="ohms_api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “tablet gate 3”."))
    role = models.CharField(
        _("role"), max_length=32, choices=Role.choices,
        help_text=_("The token acts with this role; it can never exceed the user's membership."),
    )
    key_prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None
