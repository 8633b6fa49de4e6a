"""Serializers of the core resources (thin: shape and types; rules live in services)."""
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework import serializers

from ..models import (
    ApiToken,
    AuditLog,
    Contact,
    Document,
    Enterprise,
    Membership,
    Organization,
    Project,
    Site,
    Worker,
)
from ..roles import Role
from ..services.audit import changes_for_reader
from .serializers import BASE_READ_ONLY, ScopedModelSerializer

COMMON = ("id", "version", "created_at", "updated_at")


class OrganizationSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Organization
        fields = (*COMMON, "name", "code", "country", "is_active")
        read_only_fields = ("id", "created_at", "updated_at")


class SiteSerializer(ScopedModelSerializer):
    class Meta:
        model = Site
        fields = (*COMMON, "name", "code", "province", "address", "is_active")
        read_only_fields = BASE_READ_ONLY


class EnterpriseSerializer(ScopedModelSerializer):
    class Meta:
        model = Enterprise
        fields = (*COMMON, "name", "code", "cnss_employer_number", "is_contractor", "address", "is_active")
        read_only_fields = BASE_READ_ONLY


class ProjectSerializer(ScopedModelSerializer):
    class Meta:
        model = Project
        fields = (*COMMON, "name", "code", "site", "enterprise", "description", "is_active")
        read_only_fields = BASE_READ_ONLY


class MembershipSerializer(ScopedModelSerializer):
    user = serializers.PrimaryKeyRelatedField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    user_email = serializers.EmailField(write_only=True, required=False, help_text="Creates the user if needed.")
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = (*COMMON, "user", "email", "user_email", "role", "projects", "is_active", "invitation")
        read_only_fields = BASE_READ_ONLY

    def validate(self, attrs):
        if self.instance is None and not attrs.get("user_email"):
            raise serializers.ValidationError({"user_email": ["This field is required."]})
        return attrs


class ContactSerializer(ScopedModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Contact
        fields = (
            *COMMON, "contact_type", "first_name", "last_name", "full_name", "email", "phone",
            "address_line1", "address_line2", "city", "province", "postal_code", "country",
            "medical_record_number", "insurance_provider", "insurance_number", "language",
            "preferred_method", "emergency_contact_name", "emergency_contact_phone",
            "consent_given", "consent_date", "retention_until",
        )
        read_only_fields = BASE_READ_ONLY


class WorkerSerializer(ScopedModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False)
    full_name = serializers.CharField(source="contact.full_name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True, allow_null=True)
    first_name = serializers.CharField(write_only=True, required=False, max_length=100)
    last_name = serializers.CharField(write_only=True, required=False, max_length=100)
    email = serializers.EmailField(write_only=True, required=False, allow_blank=True)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False, allow_null=True)

    class Meta:
        model = Worker
        fields = (
            *COMMON, "contact", "full_name", "first_name", "last_name", "email", "phone",
            "enterprise", "enterprise_name", "employee_number", "date_of_birth", "hire_date",
            "exit_date", "job_title", "exposure_group", "is_active", "user",
            "site", "site_name",
        )
        read_only_fields = BASE_READ_ONLY

    def get_fields(self):
        fields = super().get_fields()
        organization = self.context.get("organization")
        # A worker's user account must be a member of the same organization.
        fields["user"].queryset = (
            get_user_model().objects.filter(ohms_memberships__organization=organization, ohms_memberships__is_deleted=False)
            if organization else get_user_model().objects.none()
        )
        return fields


class DocumentSerializer(ScopedModelSerializer):
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    approved_by = serializers.PrimaryKeyRelatedField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = (
            *COMMON, "title", "document_type", "file", "file_size", "mime_type", "checksum", "parent",
            "revision", "is_current", "privacy_level", "encrypted", "access_logging_required",
            "approval_status", "approved_by", "approved_at", "retention_until", "contact", "worker",
            "description", "created_by", "download_url",
        )
        read_only_fields = (*BASE_READ_ONLY, "file_size", "mime_type", "checksum", "parent", "revision",
                            "is_current", "approval_status", "approved_by", "approved_at")
        extra_kwargs = {"file": {"write_only": True}}

    def get_download_url(self, obj) -> str:
        path = reverse("document-download", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DocumentRevisionSerializer(serializers.Serializer):
    file = serializers.FileField()


class DocumentApprovalSerializer(serializers.Serializer):
    approval_status = serializers.ChoiceField(choices=["approved", "rejected", "draft"])


class AuditLogSerializer(serializers.ModelSerializer):
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditLog
        fields = (
            "id", "timestamp", "user", "username", "action", "content_type", "object_id", "object_repr",
            "changes", "ip_address", "user_agent", "risk_level", "success", "error_message",
        )
        read_only_fields = fields

    def get_content_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type_id else None

    def to_representation(self, instance):
        """Values a model keeps from non-medical readers are redacted (``changes_for_reader``)."""
        data = super().to_representation(instance)
        data["changes"] = changes_for_reader(instance, getattr(self.context.get("view"), "role", ""))
        return data


class ApiTokenSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="Defaults to your membership role.")
    token = serializers.SerializerMethodField(help_text="The secret: returned once, on creation only.")

    class Meta:
        model = ApiToken
        fields = ("id", "name", "role", "user", "key_prefix", "created_at", "last_used_at", "expires_at", "revoked_at", "token")
        read_only_fields = ("id", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")

    def get_token(self, obj) -> str | None:
        return self.context.get("raw_token")
