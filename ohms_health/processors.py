"""Processors of ``manage.py process_occupational_health_events`` (and its 02:00 job).

Each installed add-on registers what it contributes with
``register(flag, func, addon_label, help)``; ``func(**options) -> int`` returns the number of
items it produced and may print progress through ``options["progress"]``. The health add-on
registers ``check-recent-exams`` and ``exit-exam-reminders`` (the exit exams opened 30 days
before the exit and the 30/14/7-day reminders: the one daily 02:00 run does both, there
is no separate exit-reminder job); the regulatory add-on, when installed, registers
``generate-cnss-reports`` and ``generate-drc-reports``. The command knows those two flags
whatever is installed (``KNOWN_FLAGS``), so asking for one without its add-on says so
clearly instead of "unrecognized argument".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Processor:
    flag: str  # without the leading dashes: "check-recent-exams"
    func: Callable[..., int]
    addon: str
    help: str


#: Flags the command always accepts, with the add-on expected to provide them.
KNOWN_FLAGS: dict[str, tuple[str, object]] = {
    "check-recent-exams": ("ohms_health", _("Raise overexposure alerts from recent exams and measurements.")),
    "exit-exam-reminders": ("ohms_health", _("Open exit exams 30 days before exits and send the 30/14/7-day "
                                             "exit exam reminders due today.")),
    "generate-cnss-reports": ("ohms_regulatory", _("Generate the CNSS declarations (regulatory add-on).")),
    "generate-drc-reports": ("ohms_regulatory", _("Generate the DRC labour-inspection reports (regulatory add-on).")),
}

_processors: dict[str, Processor] = {}


def register(flag: str, func: Callable[..., int], addon_label: str, help: str = "") -> Processor:
    processor = Processor(flag=flag.lstrip("-"), func=func, addon=addon_label, help=str(help))
    _processors[processor.flag] = processor
    return processor


def unregister(flag: str) -> None:
    _processors.pop(flag.lstrip("-"), None)


def get(flag: str) -> Processor | None:
    return _processors.get(flag.lstrip("-"))


def processors() -> list[Processor]:
    return list(_processors.values())


def flags() -> list[str]:
    """Every flag the command offers: the known ones, then any other registered."""
    return list(KNOWN_FLAGS) + [flag for flag in _processors if flag not in KNOWN_FLAGS]


def run_all(**options) -> dict[str, int]:
    """Every registered processor, in registration order: ``{flag: items}``."""
    return {p.flag: int(p.func(**options) or 0) for p in processors()}


def _check_recent_exams(*, days: int = 7, progress=None, **_options) -> int:
    from .services.alerts import detect_alerts

    return len(detect_alerts(days=days, progress=progress).created)


register("check-recent-exams", _check_recent_exams, "ohms_health", KNOWN_FLAGS["check-recent-exams"][1])


def _exit_exam_reminders(*, progress=None, today=None, **_options) -> int:
    """Open the exit exams of workers leaving within 30 days, then send the reminders due
    today; both idempotent (one exam per worker, the reminder ledger), so a re-run or a
    retried job does nothing twice. ``--days`` does not apply."""
    from .services.exit import open_exit_exams, send_exit_exam_reminders

    def opened(exam):
        if progress is not None:
            progress(_("%(worker)s: exit exam opened (exit on %(exit)s)")
                     % {"worker": exam.worker, "exit": exam.exit_date.isoformat()})

    def reminded(exam, days, recipients):
        if progress is not None:
            progress(_("%(worker)s: exit on %(exit)s, %(days)s-day reminder to %(count)s people")
                     % {"worker": exam.worker, "exit": exam.exit_date.isoformat(), "days": days,
                        "count": recipients})

    return open_exit_exams(today=today, progress=opened) + send_exit_exam_reminders(today=today, progress=reminded)


register("exit-exam-reminders", _exit_exam_reminders, "ohms_health", KNOWN_FLAGS["exit-exam-reminders"][1])
