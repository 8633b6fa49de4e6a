"""Certificates: issued on a pass, expiring after the module's validity, reminded 30 and 7
days before expiry (once each: the ``CertificateReminder`` ledger)."""
from __future__ import annotations

import calendar
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.models import Membership
from ohms_core.services.notifications import notification_create
from ohms_core.services.records import record_create

from ..models import Certificate, CertificateReminder

ISSUED_EVENT = "training.certificate.issued"
REMINDER_EVENT = "training.certificate.expiring"
#: Renewal reminders this many days before a certificate expires (issue 11).
REMINDER_DAYS = (30, 7)


def expiry_for(issued_at, months: int):
    """``issued_at`` plus ``months`` calendar months (the last day of a shorter month)."""
    month_index = issued_at.month - 1 + months
    year, month = issued_at.year + month_index // 12, month_index % 12 + 1
    day = min(issued_at.day, calendar.monthrange(year, month)[1])
    return issued_at.replace(year=year, month=month, day=day)


def certificate_issue(*, progress, score, user) -> Certificate:
    """A certificate for a passed progress (refused otherwise: certificates exist on pass only)."""
    from ..states import ProgressStatus

    if progress.status != ProgressStatus.PASSED:
        raise ValueError("certificates are issued for passed progress only")
    now = timezone.now()
    with transaction.atomic():
        certificate = record_create(model=Certificate, organization=progress.organization, user=user, data={
            "worker": progress.worker, "module": progress.module, "progress": progress, "score": score,
            "issued_at": now, "expires_at": expiry_for(now, progress.module.validity_months)})
        events.emit(ISSUED_EVENT, certificate, actor=user, data={
            "module": progress.module.title, "worker": str(progress.worker_id),
            "expires_at": certificate.expires_at.isoformat()})
    return certificate


def _coordinators(organization_ids) -> dict:
    from ..models.progress import COORDINATORS

    users: dict = {}
    rows = (Membership.objects.filter(organization_id__in=organization_ids, role__in=COORDINATORS, is_active=True,
                                      user__is_active=True).select_related("user"))
    for membership in rows:
        users.setdefault(membership.organization_id, {})[membership.user_id] = membership.user
    return users


def certificates_due_reminder(*, days: int, now=None):
    """Certificates expiring within ``days`` days that are still the worker's latest for the
    module (a renewed one is not reminded) and were not reminded at this step yet."""
    now = now or timezone.now()
    newer = Certificate.objects.filter(worker_id=OuterRef("worker_id"), module_id=OuterRef("module_id"),
                                       expires_at__gt=OuterRef("expires_at"))
    return (Certificate.objects.filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=days))
            .exclude(Exists(newer)).exclude(reminders__days_before=days)
            .select_related("worker__contact", "worker__user", "module", "organization").order_by("expires_at"))


def certificate_reminders(*, now=None) -> int:
    """Send the 30- and 7-day renewal reminders to the worker (when they have an account) and
    the organization's training coordinators. Idempotent: the ledger row is written with the
    notifications, and a second run (or a concurrent one) finds it. Returns reminders sent."""
    now = now or timezone.now()
    sent = 0
    for days in sorted(REMINDER_DAYS):
        due = list(certificates_due_reminder(days=days, now=now))
        if not due:
            continue
        coordinators = _coordinators({c.organization_id for c in due})
        for certificate in due:
            if days == max(REMINDER_DAYS) and certificate.expires_at <= now + timedelta(days=min(REMINDER_DAYS)):
                # Inside the 7-day window already: the 7-day reminder says it, not a late 30-day one.
                try:
                    CertificateReminder.objects.create(organization_id=certificate.organization_id,
                                                       certificate=certificate, days_before=days, recipients=0)
                except IntegrityError:
                    pass
                continue
            recipients = dict(coordinators.get(certificate.organization_id, {}))
            if certificate.worker.user_id and certificate.worker.user.is_active:
                recipients[certificate.worker.user_id] = certificate.worker.user
            try:
                with transaction.atomic():
                    ledger = CertificateReminder.objects.create(organization_id=certificate.organization_id,
                                                                certificate=certificate, days_before=days)
                    event = events.emit(REMINDER_EVENT, certificate, actor=None, organization=certificate.organization,
                                        data={"days_before": days, "module": certificate.module.title,
                                              "expires_at": certificate.expires_at.isoformat()})
                    count = 0
                    for user in recipients.values():
                        title = _("Training certificate expires in %(days)s days: %(module)s, %(worker)s") % {
                            "days": days, "module": certificate.module.title,
                            "worker": certificate.worker.contact.full_name}
                        message = _("Valid until %(date)s. Assign the module again to renew it.") % {
                            "date": date_format(timezone.localtime(certificate.expires_at), "SHORT_DATE_FORMAT")}
                        if notification_create(user=user, event=event, title=title[:255], message=message,
                                               data={"days_before": days}):
                            count += 1
                    ledger.recipients = count
                    ledger.save(update_fields=["recipients"])
            except IntegrityError:  # another run sent this one first
                continue
            sent += 1
    return sent
