"""SPEC 2.8: organizations that existed before the add-on shipped its default notification
rules get them once (new organizations get them from the manifest's organization_setup).

Historical models and a frozen copy of the table: this migration must not change when
``services.onboarding`` does. An event type that already has a rule (demo data, an admin's
own) is left alone.
"""
from django.db import migrations

RULES = (
    ("ptw.permit.submitted", [], "created_by"),
    ("ptw.permit.workflow_initiated", [], "created_by,verifier"),
    ("ptw.permit.verifier_assigned", [], "verifier"),
    ("ptw.permit.verified", [], "approver,created_by"),
    ("ptw.permit.approver_assigned", [], "approver"),
    ("ptw.permit.approved", [], "created_by,verifier,issuer,area_incharge"),
    ("ptw.permit.rejected", [], "created_by,verifier"),
    ("ptw.permit.activated", [], "created_by,issuer,area_incharge"),
    ("ptw.permit.closeout_required", [], "issuer,area_incharge,created_by"),
    ("ptw.permit.closeout_completed", [], "issuer,area_incharge,created_by"),
    ("ptw.permit.completed", [], "created_by,issuer,area_incharge"),
    ("ptw.permit.isolation_pending", [], "issuer,area_incharge"),
    ("ptw.permit.suspended", ["safety_manager"], "issuer,area_incharge,created_by"),
    ("ptw.permit.resumed", [], "issuer,area_incharge,created_by"),
    ("ptw.permit.expired", ["safety_manager"], "created_by,issuer,area_incharge"),
    ("ptw.permit.expiring_soon", [], "created_by,issuer,area_incharge"),
    ("ptw.permit.extension_requested", [], "approver"),
    ("ptw.permit.extended", [], "created_by,issuer,area_incharge"),
    ("ptw.permit.extension_rejected", [], "created_by"),
)


def add_default_rules(apps, schema_editor):
    Organization = apps.get_model("ohms_core", "Organization")
    NotificationRule = apps.get_model("ohms_core", "NotificationRule")
    for organization in Organization.objects.all():
        existing = set(NotificationRule.objects.filter(organization=organization).values_list("event_type", flat=True))
        NotificationRule.objects.bulk_create([
            NotificationRule(organization=organization, event_type=event_type, roles=roles, assignee_fields=fields,
                             in_app=True, email=True)
            for event_type, roles, fields in RULES if event_type not in existing])


class Migration(migrations.Migration):

    dependencies = [
        ("ohms_core", "0007_membership_invitation"),
        ("ohms_ptw", "0004_escalation_rule"),
    ]

    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
