"""Move files stored before issue 7 to their private names (idempotent).

Older uploads sit under their original names in shared folders (``ptw/photos/<name>``,
``documents/<org>/<id>/<name>``). This copies each into ``<organization>/<kind>/<random>``
(the field's ``OrganizationUploadTo``), points the row at it and deletes the old file.
Run once after upgrading; rows already in place are skipped.
"""
from django.apps import apps
from django.core.files.base import File
from django.core.management.base import BaseCommand

from ohms_core.context import acting_as
from ohms_core.files import OrganizationUploadTo


def private_file_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(getattr(field, "upload_to", None), OrganizationUploadTo):
                yield model, field


def relocate(instance, field) -> bool:
    fieldfile = getattr(instance, field.attname)
    prefix = f"{instance.organization_id}/{field.upload_to.kind}/"
    if not fieldfile or fieldfile.name.startswith(prefix):
        return False
    storage = fieldfile.storage
    old = fieldfile.name
    if not storage.exists(old):
        return False
    with storage.open(old, "rb") as handle:
        new = storage.save(field.generate_filename(instance, old.rsplit("/", 1)[-1]), File(handle))
    type(instance)._base_manager.filter(pk=instance.pk).update(**{field.attname: new})  # storage move, not a record change
    storage.delete(old)
    return True


class Command(BaseCommand):
    help = "Move uploads stored under their original names to private per-organization names."

    def handle(self, *args, **opts):
        moved = 0
        with acting_as():
            for model, field in private_file_fields():
                rows = model._base_manager.exclude(**{field.attname: ""}).iterator(chunk_size=200)
                moved += sum(1 for instance in rows if relocate(instance, field))
        self.stdout.write(f"{moved} file(s) moved to private names.")
