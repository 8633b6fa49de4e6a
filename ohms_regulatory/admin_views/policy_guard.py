"""Tenancy guard in front of Wagtail's page admin for the policy trees.

Wagtail's page views (explorer, editor, history, revisions, previews, workflow screens,
move, copy, delete...) check Wagtail page permissions, and the explorer lets anyone with
admin access walk down from the common ancestor of their pages: with one policy tree per
organization and language, that ancestor is the root, so another organization's tree
would be listed and its titles shown. Every ``/admin/pages/<id>/...`` (and
``/admin/pages/add/.../<parent id>/``, ``/admin/pages/workflow/.../<id>/...``) request
naming a page of a policy tree the user is not a member of is answered 404 here; any
other request is handed to Wagtail's own view unchanged.
"""
from __future__ import annotations

from django.http import Http404
from django.urls import include, path, re_path, resolve
from wagtail.admin import urls as wagtailadmin_urls


class _WagtailAdminOnly:
    """The URLconf Wagtail's admin is found in, once the guard has let a request through."""

    urlpatterns = [path("admin/", include(wagtailadmin_urls))]


def guarded_page_admin(request, page_id, **kwargs):
    from ..policy_selectors import pages_hidden_from

    if pages_hidden_from(request.user).filter(pk=page_id).exists():
        raise Http404
    match = resolve(request.path_info, urlconf=_WagtailAdminOnly)
    return match.func(request, *match.args, **match.kwargs)


#: Put before Wagtail's admin in the project's URLconf.
urlpatterns = [
    re_path(r"^admin/pages/(?P<page_id>\d+)/", guarded_page_admin, name="ohms_policy_page_guard"),
    re_path(r"^admin/pages/add/(?P<content_app>[\w-]+)/(?P<content_model>[\w-]+)/(?P<page_id>\d+)/", guarded_page_admin,
            name="ohms_policy_page_guard_add"),
    re_path(r"^admin/pages/workflow/(?P<workflow_view>[\w-]+)/(?P<page_id>\d+)/", guarded_page_admin,
            name="ohms_policy_page_guard_workflow"),
]
