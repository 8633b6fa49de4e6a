"""Input and output serializers of /api/v1/training/ (the contract pinned in issue 11)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.models import Enterprise, Site, Worker
from ohms_core.scoping import scope_choices

from ..models import (
    Certificate,
    SiteVisitorInduction,
    TrainingModule,
    TrainingProgress,
    TrainingQuiz,
    VisitorInductionAttempt,
)
from ..selectors import certificate_state

TIMESTAMPS = ("created_at", "updated_at")


class TrainingModuleSerializer(ScopedModelSerializer):
    class Meta:
        model = TrainingModule
        fields = ("id", "version", "title", "description", "language", "pass_mark", "validity_months",
                  "content_document", "video_url", "required_for_asset_category", "is_active", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class TrainingQuizSerializer(ScopedModelSerializer):
    """``questions`` with their ``answer`` for those who may manage quizzes; without it for
    everyone else (``context["show_answers"]``, set by the view from the role policy)."""

    module_title = serializers.CharField(source="module.title", read_only=True)
    pass_mark = serializers.IntegerField(source="module.pass_mark", read_only=True)

    class Meta:
        model = TrainingQuiz
        fields = ("id", "version", "module", "module_title", "title", "questions", "max_attempts", "pass_mark",
                  *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_answers"):
            data["questions"] = instance.questions_for_taker()
        return data


class QuizSubmitSerializer(serializers.Serializer):
    answers = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=1000), max_length=500,
                                    help_text=_("One choice index per question, in order."))


class QuizResultSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    passed = serializers.BooleanField()
    progress = serializers.UUIDField(source="progress.pk")
    certificate = serializers.SerializerMethodField()

    def get_certificate(self, result) -> str | None:
        certificate = result.get("certificate")
        return str(certificate.pk) if certificate is not None else None


class TrainingProgressSerializer(ScopedModelSerializer):
    status = serializers.CharField(read_only=True)
    worker_name = serializers.CharField(source="worker.contact.full_name", read_only=True)
    employee_number = serializers.CharField(source="worker.employee_number", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)

    class Meta:
        model = TrainingProgress
        fields = ("id", "version", "worker", "worker_name", "employee_number", "module", "module_title", "status",
                  "score", "attempts", "due_date", "started_at", "completed_at", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "score", "attempts", "started_at", "completed_at")

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("worker", "module"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: [_("Assign the module to the other worker instead.")]})
        return attrs


class ProgressAssignSerializer(serializers.Serializer):
    """Bulk assignment: a module to the listed workers and/or every active worker matching an
    enterprise, a site, a job title or a permit type (crews of that type's permits)."""

    module = serializers.PrimaryKeyRelatedField(queryset=TrainingModule.objects.all())
    workers = serializers.PrimaryKeyRelatedField(queryset=Worker.objects.all(), many=True, required=False)
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False)
    job_title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    permit_type = serializers.UUIDField(required=False)
    due_date = serializers.DateField(required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        organization = self.context.get("organization")
        for name in ("module", "enterprise", "site"):
            fields[name].queryset = scope_choices(fields[name].queryset, organization=organization)
        fields["workers"].child_relation.queryset = scope_choices(Worker.objects.all(), organization=organization)
        return fields

    def validate_permit_type(self, value):
        from django.apps import apps

        if not apps.is_installed("ohms_ptw"):
            raise serializers.ValidationError(_("The permit-to-work add-on is not installed."))
        PermitType = apps.get_model("ohms_ptw", "PermitType")
        permit_type = scope_choices(PermitType.objects.all(), organization=self.context.get("organization")).filter(
            pk=value).first()
        if permit_type is None:
            raise serializers.ValidationError(_("Unknown permit type."))
        return permit_type

    def validate(self, attrs):
        if not (attrs.get("workers") or attrs.get("enterprise") or attrs.get("site") or attrs.get("job_title")
                or attrs.get("permit_type")):
            raise serializers.ValidationError(
                {"workers": [_("Name the workers, or an enterprise, a site, a job title or a permit type.")]})
        return attrs


class CertificateSerializer(ScopedModelSerializer):
    worker_name = serializers.CharField(source="worker.contact.full_name", read_only=True)
    employee_number = serializers.CharField(source="worker.employee_number", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ("id", "version", "worker", "worker_name", "employee_number", "module", "module_title", "progress",
                  "score", "issued_at", "expires_at", "state", "code", *TIMESTAMPS)
        read_only_fields = fields

    def get_state(self, certificate) -> str:
        return str(certificate_state(certificate.expires_at))


class SiteVisitorInductionSerializer(ScopedModelSerializer):
    """A site's visitor induction (the module's quiz must be passed before check-in)."""

    site_name = serializers.CharField(source="site.name", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)

    class Meta:
        model = SiteVisitorInduction
        fields = ("id", "version", "site", "site_name", "module", "module_title", "translated_module", "is_active",
                  *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class VisitorInductionAttemptSerializer(ScopedModelSerializer):
    site = serializers.UUIDField(source="requirement.site_id", read_only=True)
    module = serializers.UUIDField(source="quiz.module_id", read_only=True)
    module_title = serializers.CharField(source="quiz.module.title", read_only=True)

    class Meta:
        model = VisitorInductionAttempt
        fields = ("id", "invite_id", "requirement", "site", "quiz", "module", "module_title", "visitor_name",
                  "visitor_id_number", "answers", "score", "passed", "valid_until", "created_at")
        read_only_fields = fields
