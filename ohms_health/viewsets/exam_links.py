"""The link from a medical-exam appointment to recording its examination (issue 8).

Why a link and not an automatic record: completing an appointment says the worker came,
not what the doctor found; the doctor records the examination (findings, results, fitness)
on its own form, which this link opens with the worker and exam type already chosen
(``MedicalExaminationViewSet``'s add view reads them from the query string). An exit
appointment points to its exit examination instead, whose workflow writes the record.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from ..models import AppointmentStatus, AppointmentType

#: The appointment states in which the examination can be recorded (the worker is there or was).
RECORDABLE_STATUSES = (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


def record_examination_url(appointment) -> str | None:
    """The examination add form for this appointment's worker and exam type (None when the
    appointment is not a medical exam with an exam type)."""
    if appointment.appointment_type != AppointmentType.MEDICAL_EXAM or not appointment.exam_type:
        return None
    query = urlencode({"worker": str(appointment.worker_id), "exam_type": appointment.exam_type})
    return f"{reverse('health_examination:add')}?{query}"


def exit_examination_url(appointment) -> str | None:
    try:
        exam = appointment.exit_examination
    except ObjectDoesNotExist:
        return None
    return reverse("health_exit_exams:edit", args=[exam.pk])


class RecordExaminationPanel(Panel):
    """On the appointment screen of a checked-in or completed medical exam: "Record the
    examination" (or "Open the exit examination" for an exit exam)."""

    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Examination"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_health/exam_links_panel.html"

        def is_shown(self):
            instance = self.instance
            return (instance is not None and not instance._state.adding
                    and instance.status in RECORDABLE_STATUSES and record_examination_url(instance) is not None)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["exit_url"] = exit_examination_url(self.instance)
            context["record_url"] = None if context["exit_url"] else record_examination_url(self.instance)
            context["exam_label"] = self.instance.get_exam_type_display()
            return context
