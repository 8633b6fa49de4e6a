"""Permit numbers: PTW-<ORG CODE>-<YEAR>-<5-digit sequence> (SPEC DECISIONS 8), race-free."""
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import PermitNumberSequence


def permit_number_next(*, organization, year: int | None = None) -> str:
    """Increment the (organization, year) counter inside the database, so two concurrent
    creations never get the same number (the UPDATE holds the row until commit)."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        updated = PermitNumberSequence.objects.filter(organization=organization, year=year).update(last_value=F("last_value") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    PermitNumberSequence.objects.create(organization=organization, year=year, last_value=1)
            except IntegrityError:  # created concurrently: increment theirs
                PermitNumberSequence.objects.filter(organization=organization, year=year).update(last_value=F("last_value") + 1)
        value = PermitNumberSequence.objects.get(organization=organization, year=year).last_value
    return f"PTW-{organization.code}-{year}-{value:05d}"
