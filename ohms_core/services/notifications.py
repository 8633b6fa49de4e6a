"""Notifications: from events to recipients' inboxes (and email), deduplicated."""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.utils import timezone, translation

from ..models import Membership, Notification, NotificationPreference, NotificationRule

logger = logging.getLogger(__name__)


def dedupe_key(*, user_id, event_type: str, object_id: str, day, extra: str = "") -> str:
    """SPEC 6.3: MD5(user, event type, object, date): one per recipient, event, object and day.
    ``extra`` narrows it (safety alerts: one per event)."""
    raw = f"{user_id}:{event_type}:{object_id}:{day:%Y-%m-%d}{':' + extra if extra else ''}"
    return hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()


def _user_language(user) -> str:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).only("preferred_language").first()
    return (profile.preferred_language if profile and profile.preferred_language else None) or settings.LANGUAGE_CODE


def _users_from_attribute(obj, path: str):
    value = obj
    for part in path.strip().split("."):
        value = getattr(value, part, None) if value is not None else None
    if value is None:
        return []
    if hasattr(value, "all"):
        value = list(value.all())
    values = value if isinstance(value, (list, tuple)) else [value]
    users = []
    for item in values:
        if isinstance(item, get_user_model()):
            users.append(item)
        elif getattr(item, "user", None) is not None:
            users.append(item.user)
    return users


def recipients_for(rule: NotificationRule, event) -> list:
    users = {}
    if rule.roles:
        members = Membership.objects.filter(
            organization_id=event.organization_id, role__in=rule.roles, is_active=True
        ).select_related("user")
        for membership in members:
            if membership.user.is_active:
                users[membership.user.pk] = membership.user
    target = event.target if rule.assignee_fields else None
    if target is not None:
        for path in rule.assignee_fields.split(","):
            if path.strip():
                for user in _users_from_attribute(target, path):
                    users[user.pk] = user
    for user in get_user_model().objects.filter(pk__in=event.data.get("recipients", []) or []):
        users[user.pk] = user
    if not rule.notify_actor and event.actor_id:
        users.pop(event.actor_id, None)
    return list(users.values())


def _render(template: str, event, target) -> str:
    context = Context({"event": event, "object": target, "actor": event.actor, "data": event.data})
    return Template(template).render(context).strip()


def _texts(rule: NotificationRule, event, target, language: str) -> tuple[str, str]:
    from .. import events as bus

    event_type = bus.event_type(event.type)
    with translation.override(language):
        if language.startswith("fr") and rule.title_template_fr:
            title_tpl, message_tpl = rule.title_template_fr, rule.message_template_fr
        elif rule.title_template:
            title_tpl, message_tpl = rule.title_template, rule.message_template
        else:
            title_tpl = str(event_type.title) if event_type and event_type.title else "{{ event.type }}: {{ event.object_repr }}"
            message_tpl = str(event_type.message) if event_type and event_type.message else ""
        title = _render(title_tpl, event, target) or event.type
        message = _render(message_tpl, event, target) if message_tpl else ""
    return title[:255], message


def link_for(target, user, event) -> str:
    """The admin URL of ``target`` for ``user`` (empty when they may not open it)."""
    if target is None:
        return ""
    from wagtail.admin.admin_url_finder import AdminURLFinder

    from ..context import acting_as

    # The admin's permission policy reads the request context: judge the link as the
    # recipient (with their role in the event's organization), not as the dispatcher.
    membership = Membership.objects.filter(organization_id=event.organization_id, user=user, is_active=True).first()
    try:
        with acting_as(user=user, organization=event.organization, role=membership.role if membership else ""):
            return AdminURLFinder(user).get_edit_url(target) or ""
    except Exception:  # an object without an admin screen simply has no link
        return ""


def notification_create(*, user, event, title: str, message: str, link: str = "", data: dict | None = None,
                        per_event: bool = False) -> Notification | None:
    """Create once per dedupe key; a second call with the same key is a no-op (None).
    ``per_event`` makes every event count (safety alerts are never merged)."""
    key = dedupe_key(user_id=user.pk, event_type=event.type, object_id=event.object_id,
                     day=timezone.localdate(event.created_at), extra=str(event.pk) if per_event else "")
    try:
        with transaction.atomic():
            return Notification.objects.create(
                organization_id=event.organization_id, user=user, event=event, event_type=event.type,
                title=title, message=message, link=link, dedupe_key=key,
                data={"object_id": event.object_id, "object": event.object_repr, **(data or {})},
            )
    except IntegrityError:
        return None


def notify_from_event(event) -> int:
    """Event subscriber: apply the organization's rules for this event type."""
    if not settings.NOTIFICATIONS_ENABLED or event.organization_id is None:
        return 0
    rules = list(NotificationRule.objects.filter(organization_id=event.organization_id, event_type=event.type, is_active=True))
    if not rules:
        return 0
    target = event.target
    created = 0
    for rule in rules:
        for user in recipients_for(rule, event):
            language = _user_language(user)
            title, message = _texts(rule, event, target, language)
            if not rule.in_app and not rule.email:
                continue
            notification = notification_create(user=user, event=event, title=title, message=message,
                                               link=link_for(target, user, event), data={"event_data": event.data})
            if notification is None:
                continue
            created += 1
            if rule.email:
                _send_email(notification, user)
            if not rule.in_app:
                notification.is_read = True
                notification.read_at = timezone.now()
                notification.save(update_fields=["is_read", "read_at"])
    return created


def _send_email(notification: Notification, user) -> None:
    preference = NotificationPreference.objects.filter(user=user).first()
    if not user.email or (preference is not None and not preference.email_enabled):
        return
    link = notification.link
    if link and link.startswith("/"):
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + link
    body = "\n\n".join(part for part in (notification.message, link) if part)
    send_mail(notification.title, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionError
    if not notification.is_read:
        notification.is_read = True
        notification.read_at = timezone.now()
        notification.save(update_fields=["is_read", "read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    unread = Notification.objects.filter(user=user, is_read=False)
    return unread.update(is_read=True, read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, is_read=False).count()
