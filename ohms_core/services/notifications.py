"""Notifications: from events to recipients' inboxes (and email), deduplicated.

Rule texts are Django templates written by organization admins. They are rendered against
a whitelisted dict of plain values (``object.label/number/status/status_label``,
``actor.name``, ``event.type/object_repr/created_at``, ``link``, ``data.<plain values>``),
never against model instances (``{{ actor.password }}`` would otherwise print a hash), by a
sandboxed engine that can load no library and include no file. Templates are validated
when a rule is saved, compiled once per rule version, and one broken rule never stops the
others.
"""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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


# --- Rule templates: a sandbox, a whitelist, a compile cache ---------------------------------

#: No loaders (no {% include %} / {% extends %} of files), no libraries to {% load %},
#: no autoescape (the texts are plain text, escaped where they are shown).
_ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False, string_if_invalid="")
_FORBIDDEN_NODES = (DebugNode, IncludeNode, ExtendsNode)
_PLAIN = (str, int, float, bool, type(None))
DEFAULT_TITLE = "{{ event.type }}: {{ event.object_repr }}"
#: Names a template may use (documented in the rule form's help text).
TEMPLATE_VARIABLES = ("object.label", "object.number", "object.status", "object.status_label", "actor.name",
                      "event.type", "event.object_repr", "event.created_at", "link", "data.<key>")
_compiled: dict[tuple, object] = {}
_COMPILED_MAX = 2000


class _TemplateError(Exception):
    pass


def _compile(text: str):
    """Compile in the sandbox; TemplateSyntaxError for bad syntax or a forbidden tag."""
    template = _ENGINE.from_string(text)
    for node_type in _FORBIDDEN_NODES:
        if template.nodelist.get_nodes_by_type(node_type):
            raise TemplateSyntaxError(_("The tags debug, include and extends are not allowed."))
    return template


def notification_template_validate(text: str) -> None:
    """Raise ValidationError (with the reason) when ``text`` would not render."""
    if not text:
        return
    try:
        _compile(text)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("This template is invalid: %(error)s") % {"error": exc}, code="invalid_template") from None


def _compiled_template(key: tuple, text: str):
    """The compiled template for ``key`` (rule id, version, field: a new version recompiles)."""
    template = _compiled.get(key)
    if template is None:
        if len(_compiled) >= _COMPILED_MAX:
            _compiled.clear()
        template = _compiled[key] = _compile(text)
    return template


def _plain(value):
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(item, _PLAIN) for item in value):
        return list(value)
    return None


def template_context(event, target, *, link: str = "") -> dict:
    """The only names a rule template sees: plain values, no model instances."""
    obj = {"label": event.object_repr, "number": "", "status": "", "status_label": ""}
    if target is not None:
        obj["label"] = str(target)
        number = getattr(target, "number", None) or getattr(target, f"{target._meta.model_name}_number", None)
        obj["number"] = number if isinstance(number, str) else ""
        status = getattr(target, "status", None)
        if isinstance(status, str):
            obj["status"] = status
            display = getattr(target, "get_status_display", None)
            obj["status_label"] = str(display()) if callable(display) else status
    actor = event.actor
    actor_name = (actor.get_full_name() or actor.get_username()) if actor is not None else ""
    data = {key: _plain(value) for key, value in (event.data or {}).items() if _plain(value) is not None}
    return {
        "object": obj,
        "actor": {"name": actor_name},
        "event": {"type": event.type, "object_repr": event.object_repr, "created_at": event.created_at},
        "link": link,
        "data": data,
    }


def _render(key: tuple, text: str, context: dict) -> str:
    try:
        return _compiled_template(key, text).render(Context(context)).strip()
    except Exception as exc:  # a broken template costs its text, never the notification
        raise _TemplateError(f"{key}: {exc.__class__.__name__}: {exc}") from exc


def _texts(rule: NotificationRule, event, context: dict, language: str) -> tuple[str, str]:
    """Title and message in ``language``; the event type's default text when the rule's own
    template fails at render time (logged), so the recipient is still told."""
    from .. import events as bus

    event_type = bus.event_type(event.type)
    with translation.override(language):
        default_title = str(event_type.title) if event_type and event_type.title else DEFAULT_TITLE
        default_message = str(event_type.message) if event_type and event_type.message else ""
        default = (("default", event.type, language, "title"), default_title,
                   ("default", event.type, language, "message"), default_message)
        if language.startswith("fr") and rule.title_template_fr:
            chosen = ((rule.pk, rule.version, "title_fr"), rule.title_template_fr,
                      (rule.pk, rule.version, "message_fr"), rule.message_template_fr)
        elif rule.title_template:
            chosen = ((rule.pk, rule.version, "title"), rule.title_template,
                      (rule.pk, rule.version, "message"), rule.message_template)
        else:
            chosen = default
        try:
            title = _render(chosen[0], chosen[1], context)
            message = _render(chosen[2], chosen[3], context) if chosen[3] else ""
        except _TemplateError:
            if chosen is default:
                raise
            logger.exception("Notification rule %s (%s): template failed, default text used", rule.pk, rule.event_type)
            title = _render(default[0], default[1], context)
            message = _render(default[2], default[3], context) if default[3] else ""
    return (title or event.type)[:255], message


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
        try:
            with transaction.atomic():
                created += _apply_rule(rule, event, target)
        except Exception:  # one broken rule (template, assignee path, mail server) never stops the others
            logger.exception("Notification rule %s (%s) failed for event %s", rule.pk, rule.event_type, event.pk)
    return created


def _apply_rule(rule: NotificationRule, event, target) -> int:
    if not rule.in_app and not rule.email:
        return 0
    created = 0
    for user in recipients_for(rule, event):
        link = link_for(target, user, event)
        title, message = _texts(rule, event, template_context(event, target, link=link), _user_language(user))
        notification = notification_create(user=user, event=event, title=title, message=message,
                                           link=link, data={"event_data": event.data})
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


def notification_email(*, notification: Notification, user) -> None:
    """E-mail a notification when the recipient's preference allows it (add-ons' own
    deliveries, e.g. escalations, use it instead of a rule)."""
    _send_email(notification, user)


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
