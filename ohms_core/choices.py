"""Related-object choices of the admin's forms, read with one plain query.

Django's ``ModelChoiceIterator`` reads a select's options through ``queryset.iterator()``.
On PostgreSQL that is a server-side cursor: ``DECLARE ... WITH HOLD``, ``FETCH``, ``CLOSE``
(three round trips, the result materialised because the admin runs outside a transaction),
about 3 ms for a list of nine projects. The permit list's filter drawer has six such selects:
a fifth of the page's time at shift change. A select lists a short list by design (long lists
use a chooser), so its options are read with one ordinary ``SELECT``; the result stays on the
field's queryset, so a form rendered twice does not read again.
"""
from __future__ import annotations

from django.forms.models import ModelChoiceIterator


class PlainModelChoiceIterator(ModelChoiceIterator):
    """Django's iterator without ``iterator()``, and django-filter's "null" choice kept
    (``null_label``: e.g. "no project"), in the same order as django-filter puts it."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        null_label = getattr(self.field, "null_label", None)
        if null_label is not None:
            yield (self.field.null_value, null_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self):
        return super().__len__() + (1 if getattr(self.field, "null_label", None) is not None else 0)


def use_plain_choices(form) -> None:
    """Every model choice field of ``form`` (Django's or django-filter's) reads its options
    with ``PlainModelChoiceIterator``; call it after the querysets are scoped."""
    from django_filters.fields import ModelChoiceIterator as FilterModelChoiceIterator

    for field in form.fields.values():
        if getattr(field, "iterator", None) in (ModelChoiceIterator, FilterModelChoiceIterator):
            field.iterator = PlainModelChoiceIterator
            field.widget.choices = field.choices
