"""Project URLs. Add-on APIs are mounted from the add-on registry, never edited here."""
from django.apps import apps
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from ohms_core.api.health import StatusView
from ohms_core.library import closed_wagtail_library
from ohms_core.registry import addons


def _addon_api_patterns():
    patterns = []
    for manifest in addons():
        if manifest.api_urls:
            patterns.append(path(f"api/v1/{manifest.name}/", include(manifest.api_urls)))
    return patterns


urlpatterns = [
    path("api/v1/status/", StatusView.as_view(), name="api-status"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/notifications/", include("ohms_core.api.notification_urls")),
    *_addon_api_patterns(),
    # Wagtail's own Documents/Images libraries are closed: ours is the one library (ohms_core.library).
    re_path(r"^admin/(?:api/main/)?(?P<library>documents|images)/(?P<rest>.*)$", closed_wagtail_library),
    # Another organization's policy tree is a 404 in Wagtail's page admin (ohms_regulatory).
    *([path("", include("ohms_regulatory.admin_views.policy_guard"))] if apps.is_installed("ohms_regulatory") else []),
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", TemplateView.as_view(template_name="ohms_site/home.html"), name="home"),
    path("pages/", include(wagtail_urls)),
]

# Wagtail's API v2 (DECISIONS 13): published policy pages, with the site's privacy.
if apps.is_installed("ohms_regulatory"):
    from ohms_regulatory.api.policies import api_v2_router

    urlpatterns.append(path("api/v2/", api_v2_router.urls))

# No route serves MEDIA_ROOT, not even under DEBUG: every upload is reached through the
# access-checked ``download`` action of the resource that owns it (ohms_core.api.files).
