"""Audited answers beyond list and detail (DECISIONS 12: every read of a worker's medical
record is audited).

The generic ``transitions/<name>/`` endpoint, ``restore`` and the alert's ``acknowledge`` /
``resolve`` answer with the serialized object, which for a medical reader holds the same
medical content as a detail read (exit findings, exam-derived values). Hooking the audit on
the serializer those actions build keeps it in one place: a new action of that kind only
has to be named here.
"""


class AuditedAnswersMixin:
    """For a viewset with ``_audit(rows)``: the object answers of ``audited_answer_actions``
    are audited like ``retrieve`` (``_audit`` decides whose reads count)."""

    audited_answer_actions = ("transition", "restore", "acknowledge", "resolve")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        instance = args[0] if args else kwargs.get("instance")
        if (getattr(self, "action", None) in self.audited_answer_actions and instance is not None
                and not kwargs.get("many") and not isinstance(instance, list | tuple)):
            self._audit([instance])
        return serializer
