"""Project URLs. Add-on APIs are mounted from the add-on registry, never edited here."""
from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from ohms_core.api.health import StatusView
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
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", TemplateView.as_view(template_name="ohms_site/home.html"), name="home"),
    path("pages/", include(wagtail_urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
