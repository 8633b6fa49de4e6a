"""The French locale (English is Wagtail's default, from LANGUAGE_CODE): policy pages are
translated between the two (DECISIONS 13). Organizations' policy trees are created by the
add-on's organization setup (``ohms_regulatory.services.policies.policy_tree_setup``)."""
from django.db import migrations


def add_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code in ("en", "fr"):
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [("ohms_regulatory", "0003_policy_pages")]

    operations = [migrations.RunPython(add_locales, migrations.RunPython.noop)]
