"""PTW serializers: shapes and types only; rules live in gates and services."""
from django.contrib.auth import get_user_model
from rest_framework import serializers

from ohms_core.api.files import ProtectedFileField
from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.models import Worker
from ohms_core.scoping import active_members

from .. import gates, permit_list
from ..models import (
    CloseoutChecklistTemplate,
    DigitalSignature,
    GasReading,
    IsolationPointLibrary,
    LotoLog,
    LotoProcedure,
    Permit,
    PermitAudit,
    PermitCloseout,
    PermitExtension,
    PermitHazard,
    PermitIsolationPoint,
    PermitPhoto,
    PermitType,
    PermitWorker,
    RiskMatrix,
)
from ..selectors import scope_to_projects
from ..states import Gas, SignatureMeaning

COMMON = ("id", "version", "created_at", "updated_at")
PEOPLE = ("issuer", "receiver", "verifier", "approver", "area_incharge", "department_head")


members_of = active_members  # users who may be named on a permit (ohms_core.scoping)


class PermitTypeSerializer(ScopedModelSerializer):
    class Meta:
        model = PermitType
        fields = (*COMMON, "name", "code", "category", "description", "requires_gas_testing", "requires_isolation",
                  "requires_structured_isolation", "requires_deisolation_on_closeout", "max_validity_hours",
                  "max_extensions", "mandatory_ppe", "safety_checklist_items", "required_gases", "gas_limits",
                  "gas_reading_validity_minutes", "location_overlap_policy", "allow_verifier_as_approver", "is_active",
                  "required_training_modules")
        read_only_fields = BASE_READ_ONLY


class RiskMatrixSerializer(ScopedModelSerializer):
    class Meta:
        model = RiskMatrix
        fields = (*COMMON, "name", "grid", "is_default", "is_active")
        read_only_fields = BASE_READ_ONLY


class CloseoutTemplateSerializer(ScopedModelSerializer):
    class Meta:
        model = CloseoutChecklistTemplate
        fields = (*COMMON, "permit_type", "name", "risk_level", "items", "is_active")
        read_only_fields = BASE_READ_ONLY


class IsolationPointLibrarySerializer(ScopedModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = IsolationPointLibrary
        fields = (*COMMON, "label", "project", "site", "asset_tag", "point_code", "point_type", "energy_type", "location",
                  "description", "isolation_method", "verification_method", "requires_lock", "default_lock_count",
                  "ppe_required", "is_active")
        read_only_fields = BASE_READ_ONLY


class LotoProcedureSerializer(ScopedModelSerializer):
    class Meta:
        model = LotoProcedure
        fields = (*COMMON, "asset_tag", "name", "project", "steps", "points", "is_active")
        read_only_fields = BASE_READ_ONLY


class PermitSerializer(ScopedModelSerializer):
    permit_number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    risk_level = serializers.CharField(read_only=True)
    risk_score = serializers.IntegerField(read_only=True)
    isolation_summary = serializers.SerializerMethodField()
    #: The access-checked download URL, never the storage path (null when none is attached).
    isolation_certificate = ProtectedFileField(url_name="permit-isolation-certificate", read_only=True)
    ppe_requirements = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    safety_checklist = serializers.DictField(child=serializers.BooleanField(), required=False)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Permit
        fields = (*COMMON, "permit_number", "status", "title", "description", "permit_type", "project", "location",
                  "priority", "likelihood", "severity", "risk_matrix", "risk_score", "risk_level", "risk_assessment",
                  "control_measures", "planned_start_time", "planned_end_time", "actual_start_time", "actual_end_time",
                  "submitted_at", "verified_at", "approved_at", "completed_at", *PEOPLE, "requires_isolation",
                  "isolation_details", "ppe_requirements", "safety_checklist", "extension_count", "suspension_reason",
                  "offline_id", "isolation_summary", "isolation_certificate", "created_by")
        read_only_fields = (*BASE_READ_ONLY, "actual_start_time", "actual_end_time", "submitted_at", "verified_at",
                            "approved_at", "completed_at", "extension_count", "suspension_reason")

    def get_fields(self):
        fields = super().get_fields()
        if not self.reads_input:
            return fields
        organization = self.context.get("organization")
        users = members_of(organization)
        for name in PEOPLE:
            fields[name] = serializers.PrimaryKeyRelatedField(queryset=users, required=False, allow_null=True)
        fields["project"].queryset = scope_to_projects(fields["project"].queryset, "pk")
        return fields

    def get_isolation_summary(self, obj) -> dict:
        annotated = permit_list.annotated_isolation_summary(obj)  # the list's counts (one query per page)
        return annotated if annotated is not None else gates.isolation_summary(obj)


class WorkflowInitiateSerializer(serializers.Serializer):
    verifier = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none(), required=False)
    approver = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none(), required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = members_of(self.context.get("organization"))
        self.fields["verifier"].queryset = users
        self.fields["approver"].queryset = users


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    version = serializers.IntegerField(required=False, min_value=1)


class UpdateStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    version = serializers.IntegerField(required=False, min_value=1)


class ExtendSerializer(serializers.Serializer):
    new_end_time = serializers.DateTimeField()
    reason = serializers.CharField()


class ExtensionDecisionSerializer(serializers.Serializer):
    extension = serializers.UUIDField()
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SignSerializer(serializers.Serializer):
    meaning = serializers.ChoiceField(choices=SignatureMeaning.choices)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    signature_data = serializers.CharField(required=False, allow_blank=True, default="")


class CloseoutUpdateSerializer(serializers.Serializer):
    checklist = serializers.DictField(required=False)
    remarks = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class PermitCloseoutSerializer(serializers.ModelSerializer):
    """The one output shape of a permit's closeout (GET, update and complete)."""

    template_exists = serializers.SerializerMethodField()
    missing_items = serializers.SerializerMethodField()
    is_complete = serializers.SerializerMethodField()
    template_items = serializers.SerializerMethodField()

    class Meta:
        model = PermitCloseout
        fields = ("id", "version", "permit", "template", "checklist", "completed", "completed_at", "completed_by",
                  "remarks", "template_exists", "missing_items", "is_complete", "template_items")
        read_only_fields = fields

    def get_template_exists(self, obj) -> bool:
        return True

    def get_missing_items(self, obj) -> list[str]:
        return obj.get_missing_required_items()

    def get_is_complete(self, obj) -> bool:
        return obj.is_complete()

    def get_template_items(self, obj) -> list:
        return obj.template.items


class AssignIsolationSerializer(serializers.Serializer):
    library_point_id = serializers.UUIDField(required=False, allow_null=True)
    custom_point_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    custom_point_details = serializers.CharField(required=False, allow_blank=True)
    required = serializers.BooleanField(required=False, default=True)
    order = serializers.IntegerField(required=False, default=0, min_value=0)
    loto_procedure_id = serializers.UUIDField(required=False, allow_null=True)  # its steps are copied onto the point
    isolation_steps = serializers.CharField(required=False, allow_blank=True, max_length=20000)  # overrides the copy


class UpdateIsolationSerializer(serializers.Serializer):
    permit_isolation_point_id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["isolate", "verify", "deisolate"])
    lock_applied = serializers.BooleanField(required=False, default=True)
    lock_count = serializers.IntegerField(required=False, min_value=0, max_value=gates.MAX_LOCKS_PER_POINT, allow_null=True,
                                          default=None)
    lock_ids = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list,
                                     max_length=gates.MAX_LOCKS_PER_POINT)
    verification_notes = serializers.CharField(required=False, allow_blank=True, default="")
    deisolated_notes = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)


class PermitIsolationPointSerializer(serializers.ModelSerializer):
    point_code = serializers.CharField(source="point.point_code", read_only=True, default=None)
    energy_type = serializers.CharField(source="point.energy_type", read_only=True, default=None)
    point_type = serializers.CharField(source="point.point_type", read_only=True, default=None)
    location = serializers.CharField(source="point.location", read_only=True, default=None)
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = PermitIsolationPoint
        fields = ("id", "version", "permit", "point", "name", "point_code", "energy_type", "point_type", "location",
                  "custom_point_name", "custom_point_details", "status", "required", "lock_applied", "lock_count",
                  "lock_ids", "isolated_by", "isolated_at", "verified_by", "verified_at", "verification_notes",
                  "deisolated_by", "deisolated_at", "deisolated_notes", "order", "loto_procedure", "isolation_steps")
        read_only_fields = fields


class PermitChildSerializer(ScopedModelSerializer):
    """Children name their permit; the permit must be visible to the caller (org + projects)."""

    def get_fields(self):
        fields = super().get_fields()
        if "permit" in fields and hasattr(fields["permit"], "queryset"):
            fields["permit"].queryset = scope_to_projects(fields["permit"].queryset, "project")
        return fields


class GasReadingSerializer(PermitChildSerializer):
    gas = serializers.ChoiceField(choices=Gas.choices)

    class Meta:
        model = GasReading
        fields = (*COMMON, "permit", "gas", "value", "unit", "safe", "tested_by", "tested_at", "instrument", "offline_id",
                  "device_id")
        read_only_fields = (*BASE_READ_ONLY, "safe", "tested_by")
        validators = []  # a retried offline id is answered by the service (200 or 409), not refused as "not unique"


class PermitHazardSerializer(PermitChildSerializer):
    class Meta:
        model = PermitHazard
        fields = (*COMMON, "permit", "hazard", "control_measures", "risk_level")
        read_only_fields = BASE_READ_ONLY


class PermitWorkerSerializer(PermitChildSerializer):
    worker = serializers.PrimaryKeyRelatedField(queryset=Worker.objects.all())
    worker_name = serializers.CharField(source="worker.contact.full_name", read_only=True)

    class Meta:
        model = PermitWorker
        fields = (*COMMON, "permit", "worker", "worker_name", "role", "briefed")
        read_only_fields = BASE_READ_ONLY


class PermitPhotoSerializer(PermitChildSerializer):
    file = ProtectedFileField(url_name="permitphoto-download")

    class Meta:
        model = PermitPhoto
        fields = (*COMMON, "permit", "photo_type", "file", "caption", "taken_by", "taken_at", "content_hash", "offline_id",
                  "device_id")
        read_only_fields = (*BASE_READ_ONLY, "taken_by", "content_hash")
        validators = []  # a retried offline id is answered by the service (200 or 409), not refused as "not unique"


class PermitAuditSerializer(serializers.ModelSerializer):
    comment = serializers.CharField(source="comments", read_only=True)  # "comment" everywhere in the API

    class Meta:
        model = PermitAudit
        fields = ("id", "permit", "action", "user", "timestamp", "comment", "data")
        read_only_fields = fields


class LotoLogSerializer(serializers.ModelSerializer):
    photo = ProtectedFileField(url_name="lotolog-download", read_only=True)  # checked download URL, or null

    class Meta:
        model = LotoLog
        fields = ("id", "permit", "isolation_point", "asset_tag", "action", "lock_ids", "photo", "photo_hash", "user",
                  "timestamp")
        read_only_fields = fields


class PermitExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PermitExtension
        fields = ("id", "permit", "previous_end_time", "new_end_time", "reason", "status", "requested_by", "decided_by",
                  "decided_at", "decision_comment")
        read_only_fields = fields


class DigitalSignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = DigitalSignature
        fields = ("id", "permit", "signatory", "meaning", "signed_at", "permit_version", "content_hash")
        read_only_fields = fields


class WorkflowTaskSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    step_type = serializers.CharField()
    status = serializers.CharField()
    assigned_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    age_hours = serializers.SerializerMethodField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    permit = serializers.SerializerMethodField()

    def get_overdue(self, obj) -> bool:
        from django.utils import timezone

        return bool(obj.due_at and obj.due_at < timezone.now())

    def get_age_hours(self, obj) -> float:
        from django.utils import timezone

        return round((timezone.now() - obj.assigned_at).total_seconds() / 3600, 1)

    def get_permit(self, obj) -> dict:
        permit = obj.workflow.permit
        return {"id": str(permit.pk), "permit_number": permit.permit_number, "title": permit.title, "status": permit.status,
                "project": permit.project.name, "risk_level": permit.risk_level, "location": permit.location,
                "planned_end_time": permit.planned_end_time}
