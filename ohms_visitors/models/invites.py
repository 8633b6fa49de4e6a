"""Invitations, site NDAs and their signatures."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.workflows import StateMachineMixin, gate, role_permission

from ..permissions import GUARDS, INVITERS
from ..states import AccessType, InviteStatus


def new_qr_token() -> str:
    """32 random bytes (256 bits) in URL-safe base64: unguessable, fits a QR code and a URL."""
    return secrets.token_urlsafe(32)


def _check_in_gate(invite):
    """The transition's condition: the same reasons the gate screen and the API show."""
    from ..selectors import check_in_reasons_for

    return check_in_reasons_for(invite)


def _check_out_gate(invite):
    from ..gates import check_out_reasons

    return check_out_reasons(invite)


def _is_host(invite, user):
    return user is not None and invite.host_id == getattr(user, "pk", None)


class VisitorInvite(StateMachineMixin, BaseModel):
    """An employee (the host) invites a visitor to a site for a time window."""

    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    visitor_name = models.CharField(_("visitor name"), max_length=200)
    visitor_company = models.CharField(_("visitor company"), max_length=200, blank=True)
    visitor_id_number = models.CharField(_("ID number"), max_length=60, blank=True,
                                         help_text=_("National ID or passport number."))
    visitor_email = models.EmailField(_("visitor e-mail"), blank=True,
                                      help_text=_("The badge and the NDA link are sent here."))
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("host"), on_delete=models.PROTECT, related_name="+")
    expected_arrival = models.DateTimeField(_("expected arrival"))
    expected_departure = models.DateTimeField(_("expected departure"))
    access_type = models.CharField(_("access type"), max_length=20, choices=AccessType.choices, default=AccessType.VISITOR)
    qr_token = models.CharField(_("QR token"), max_length=64, unique=True, default=new_qr_token, editable=False)
    status = FSMField(_("status"), default=InviteStatus.INVITED, choices=InviteStatus.choices, protected=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("visitor invitation")
        verbose_name_plural = _("visitor invitations")
        ordering = ["expected_arrival"]
        indexes = [models.Index(fields=["organization", "site", "status", "expected_arrival"], name="vis_invite_site_status")]
        constraints = [models.CheckConstraint(condition=Q(expected_departure__gt=models.F("expected_arrival")),
                                              name="vis_invite_window_order",
                                              violation_error_message=_("The departure must be after the arrival."))]

    def __str__(self):
        return f"{self.visitor_name} ({self.visitor_company})" if self.visitor_company else self.visitor_name

    @property
    def label(self):
        return str(self)

    @property
    def is_open(self) -> bool:
        """Still ahead or under way (invited or checked in): what other add-ons read through
        ``ohms_core.providers`` before letting the visitor do an entry step."""
        return self.status in (InviteStatus.INVITED, InviteStatus.CHECKED_IN)

    @transition(field=status, source=InviteStatus.INVITED, target=InviteStatus.CHECKED_IN,
                conditions=[gate(_check_in_gate)], permission=role_permission(*sorted(GUARDS)),
                custom={"label": _("Check in"), "event": "checked_in"})
    def check_in(self):
        self.checked_in_at = timezone.now()

    @transition(field=status, source=InviteStatus.CHECKED_IN, target=InviteStatus.CHECKED_OUT,
                conditions=[gate(_check_out_gate)], permission=role_permission(*sorted(GUARDS)),
                custom={"label": _("Check out"), "event": "checked_out"})
    def check_out(self):
        self.checked_out_at = timezone.now()

    @transition(field=status, source=InviteStatus.INVITED, target=InviteStatus.CANCELLED,
                permission=role_permission(*sorted(INVITERS - {"worker", "integrator"}), allow=_is_host,
                                           message=_("Only the host or a gate/site manager may cancel.")),
                custom={"label": _("Cancel"), "event": "cancelled", "comment_required": True})
    def cancel(self):
        pass

    @transition(field=status, source=InviteStatus.INVITED, target=InviteStatus.NO_SHOW,
                custom={"label": _("Mark no-show"), "event": "no_show", "system": True})
    def mark_no_show(self):
        pass


class SiteNDA(BaseModel):
    """A version of a site's non-disclosure agreement; the current one must be signed before check-in."""

    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    #: The agreement's own version number (``version`` is every record's optimistic lock).
    nda_version = models.PositiveIntegerField(_("NDA version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10, default="fr", choices=settings.LANGUAGES)
    body = models.TextField(_("text"), blank=True, help_text=_("The text the visitor reads and accepts."))
    document = models.ForeignKey("ohms_core.Document", verbose_name=_("document"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 help_text=_("Or the signed agreement as a document of the library."))
    is_current = models.BooleanField(_("current"), default=False,
                                     help_text=_("The version visitors sign now (one per site)."))

    class Meta:
        verbose_name = _("site NDA")
        verbose_name_plural = _("site NDAs")
        ordering = ["site", "-nda_version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "site", "nda_version"], condition=Q(is_deleted=False),
                                    name="vis_nda_version_unique",
                                    violation_error_message=_("This site already has an NDA with this version.")),
            models.UniqueConstraint(fields=["site"], condition=Q(is_current=True, is_deleted=False),
                                    name="vis_nda_one_current_per_site",
                                    violation_error_message=_("The site already has a current NDA.")),
        ]

    def __str__(self):
        return f"{self.title} v{self.nda_version}"

    @property
    def label(self):
        return str(self)


class NDASignature(BaseModel):
    """A visitor's acceptance of one NDA version: typed name, time, IP."""

    invite = models.ForeignKey(VisitorInvite, verbose_name=_("invitation"), on_delete=models.PROTECT,
                               related_name="nda_signatures")
    nda = models.ForeignKey(SiteNDA, verbose_name=_("NDA"), on_delete=models.PROTECT, related_name="signatures")
    nda_version = models.PositiveIntegerField(_("NDA version"), editable=False)
    signed_name = models.CharField(_("signed name"), max_length=200)
    accepted = models.BooleanField(_("accepted"), default=False)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("NDA signature")
        verbose_name_plural = _("NDA signatures")
        ordering = ["-signed_at"]
        constraints = [models.UniqueConstraint(fields=["invite", "nda"], condition=Q(is_deleted=False),
                                               name="vis_nda_signed_once")]

    def __str__(self):
        return f"{self.signed_name} — {self.nda_id and self.nda_version}"
