"""The badge e-mail: sent when an invitation is created (event subscriber, so it runs after
commit, once per event thanks to the delivery ledger, and is retried when the mail server
fails)."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ohms_core.services.notifications import notification_create, notification_email

from ..badge import badge_filename, badge_pdf
from ..models import VisitorInvite


def nda_link(invite) -> str:
    path = reverse("visitors-public-nda") + "?" + urlencode({"token": invite.qr_token})
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_badge(event) -> int:
    """E-mail the badge PDF (and the NDA signing link) to the visitor when an address is
    known, and notify the host through core's channel (in-app + e-mail per preference)."""
    invite = VisitorInvite.objects.select_related("site", "host").filter(pk=event.object_id).first()
    if invite is None:
        return 0
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your visit to %(site)s") % {"site": invite.site}
        body = "\n\n".join([
            _("Hello %(name)s,") % {"name": invite.visitor_name},
            _("You are expected at %(site)s. Your badge is attached: show its QR code at the gate.") % {"site": invite.site},
            _("Before you come, read and sign the site's NDA here: %(link)s") % {"link": nda_link(invite)},
        ])
        if invite.visitor_email:
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invite.visitor_email],
                                   cc=[invite.host.email] if invite.host.email else None)
            message.attach(badge_filename(invite), badge_pdf(invite), "application/pdf")
            message.send(fail_silently=False)
            sent += 1
        notification = notification_create(
            user=invite.host, event=event, title=_("Visitor invited: %(name)s") % {"name": invite.visitor_name},
            message=_("The badge of %(name)s is ready to print; NDA link: %(link)s") % {"name": invite.visitor_name,
                                                                                       "link": nda_link(invite)})
        if notification is not None:
            notification_email(notification=notification, user=invite.host)
            sent += 1
    return sent
