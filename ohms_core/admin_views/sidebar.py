"""The admin sidebar, built once per person and state rather than on every page (issue 13).

Wagtail's ``{% sidebar_props %}`` asks each of the ~80 menu items whether it is shown and packs
the menu for the React sidebar with telepath on every admin page: ~20 ms of CPU per page, a
fifth of the permit list at shift change, for a menu that is the same from one page to the next.

``sidebar_props`` here gives Wagtail's output, kept per process for ``TTL`` seconds under a key
made of everything the menu depends on: the person (and their name, shown in the account menu),
the acting organization, the membership's role and version (a role change bumps the version),
the language, the person's Django permissions (Wagtail's own items: images, documents, users),
their dismissed hints, and the unread notification count the Notifications item carries. A
change of any of those builds the menu again at once; anything else the menu could depend on
is at most ``TTL`` seconds old, and every screen still checks permissions itself (the menu only
shows links). ``ohms_core/tests/test_admin_sidebar.py`` checks the key's parts.

Installed over Wagtail's tag of the same name (``OhmsCoreConfig.ready``), so Wagtail's own
``base.html`` uses it unchanged.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from django.utils import translation
from wagtail.admin.templatetags import wagtailadmin_tags

from ..context import get_context

TTL = 60  # seconds
MAX_ENTRIES = 256  # ~30 KB each: a few MB per process at most

_wagtail_sidebar_props = wagtailadmin_tags.sidebar_props
_entries: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
_lock = threading.Lock()


def sidebar_key(request) -> tuple | None:
    """What the sidebar of this request depends on, or ``None`` (not cached: anonymous)."""
    from ..services.notifications import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    ctx = get_context()
    membership = ctx.membership
    profile = getattr(user, "wagtail_userprofile", None)
    permissions = hashlib.blake2b("|".join(sorted(user.get_all_permissions())).encode(), digest_size=12).hexdigest()
    return (
        user.pk, user.is_superuser, user.get_full_name(), user.get_username(), user.email,
        getattr(ctx.organization, "pk", None), ctx.role,
        getattr(membership, "pk", None), getattr(membership, "version", None),
        translation.get_language(), permissions,
        repr(sorted((profile.dismissibles or {}).items())) if profile is not None else "",
        str(getattr(profile, "avatar", "") or "") if profile is not None else "",
        unread_count(user),
    )


def sidebar_props(context):
    """Wagtail's ``sidebar_props`` tag, its output reused while ``sidebar_key`` is unchanged."""
    request = context["request"]
    key = sidebar_key(request)
    if key is None:
        return _wagtail_sidebar_props(context)
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and now - hit[0] < TTL:
            _entries.move_to_end(key)
            return hit[1]
    html = _wagtail_sidebar_props(context)
    with _lock:
        _entries[key] = (now, html)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return html


def clear() -> None:
    with _lock:
        _entries.clear()


def install() -> None:
    """Register ``sidebar_props`` in place of Wagtail's, before any template is compiled."""
    wagtailadmin_tags.register.simple_tag(sidebar_props, takes_context=True, name="sidebar_props")
