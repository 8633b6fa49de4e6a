from django.apps import AppConfig


class OhmsSiteConfig(AppConfig):
    name = "ohms_site"
    label = "ohms_site"
    verbose_name = "OHMS site"
