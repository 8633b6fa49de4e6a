"""Admin registration of the health add-on (a role-restricted medical profile screen)."""
from django.urls import path
from wagtail import hooks

from . import admin_views


@hooks.register("register_admin_urls")
def register_health_urls():
    return [
        path("health/workers/<uuid:worker_pk>/medical/", admin_views.medical_profile, name="ohms_health_medical_profile"),
    ]
