"""Demo declarations (run by ``ohms_demo`` through the manifest's ``demo_command``; idempotent).

Written through the services, as the real flow would: the CNSS and DRC declarations of the
demo's serious incidents and occupational diseases (the generators the event subscriber
and the 02:00 job run, over the last 180 days), one monthly statistics declaration, one
declaration filed and acknowledged by the authority with actions to follow up, and the
statutory clocks run once so the compliance officer's bell holds the overdue ones (the
demo's incidents are days old, so the fatal one's 24 hours are long gone).
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import Enterprise
from ohms_core.roles import Role

from ..models import CNSSReport, DRCReport
from ..services import clocks
from ..services import reports as services


def load(*, organization, user, rng) -> str:
    """As the compliance officer (the declarant), falling back to the demo admin."""
    officer = get_user_model().objects.filter(username="conformite@ohms.demo").first() or user
    with acting_as(organization=organization, user=officer, role=Role.COMPLIANCE_OFFICER, reason="demo data"):
        return _load(organization=organization, user=officer)


def _load(*, organization, user) -> str:
    created = services.generate_drc_reports(days=180) + services.generate_cnss_reports(days=180)
    enterprise = Enterprise.objects.filter(organization=organization).order_by("code").first()
    monthly = None
    if enterprise is not None:
        last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
        monthly, new = services.cnss_generate_monthly(organization=organization, enterprise=enterprise,
                                                      year=last_month.year, month=last_month.month, user=user)
        created += int(new)
    _file_one(organization, user)
    notified = clocks.clocks_check().notified
    drc = DRCReport.objects.filter(organization=organization).count()
    cnss = CNSSReport.objects.filter(organization=organization).count()
    return (f"Regulatory demo: {drc} DRC reports, {cnss} CNSS declarations ({created} new, monthly "
            f"{monthly.reference_number if monthly else '—'}), {notified} deadline alerts.")


def _file_one(organization, user) -> None:
    """The severe incident's DRC report: filed, acknowledged, with the inspector's requests."""
    report = DRCReport.objects.filter(organization=organization, report_type="severe_incident",
                                      status="draft").order_by("deadline_at").first()
    if report is None or DRCReport.objects.filter(organization=organization, status="acknowledged").exists():
        return
    for name, data in (("mark_ready", {}), ("submit", {}), ("acknowledge", {
            "authority_reference": "IGT/KOL/2026/0147",
            "authority_response": "Déclaration reçue. Visite d'inspection du broyeur 2 programmée."})):
        report = services.report_transition(instance=report, name=name, user=user, data=data,
                                            comment="Démo" if name != "submit" else "Déposée à l'inspection")
    from ohms_core.services.records import record_update

    record_update(instance=report, user=user, data={
        "required_actions": "Installer un carter de protection sur le convoyeur et transmettre le rapport "
                            "d'enquête.", "follow_up_deadline": timezone.localdate() + timedelta(days=14)})
