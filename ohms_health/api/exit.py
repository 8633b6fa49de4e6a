"""/api/v1/health/exit-exams/ (SPEC 3.4): serializers and the viewset, thin over
``services.exit``.

Medical content (findings, disease assessment, the linked examination record) is in the
answer for medical officers and org admins only, and each of their reads is audited per
worker; compliance officers and safety managers see the state, dates and outcome.
"""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, expected_version
from ohms_core.api.workflow import TransitionsMixin
from ohms_core.exceptions import NotAllowedError
from ohms_core.files import file_response
from ohms_core.selectors import documents_visible

from ..models import DiseaseResult, ExitExamination, ExitExamStatus, FitnessOutcome
from ..services import audit_medical_reads
from ..services import exit as service
from ..services.medical import MEDICAL_READERS
from .audited import AuditedAnswersMixin

#: Dropped from the answer for roles that are not medical readers (DECISIONS 12).
MEDICAL_ONLY_FIELDS = ("findings", "disease_result", "disease_notes", "examination")
UPCOMING_DEFAULT_DAYS = 30
UPCOMING_MAX_DAYS = 366


class ExitExaminationSerializer(ScopedModelSerializer):
    employee_number = serializers.CharField(source="worker.employee_number", read_only=True)
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    days_left = serializers.SerializerMethodField()
    certificate_url = serializers.SerializerMethodField()

    class Meta:
        model = ExitExamination
        fields = ("id", "version", "worker", "employee_number", "exit_date", "days_left", "status", "status_label",
                  "scheduled_exam_at", "clinician", "findings", "fitness_outcome", "restrictions", "disease_result",
                  "disease_notes", "examination", "certificate", "certificate_reference", "certificate_issued_at",
                  "certificate_url", "cnss_reference", "follow_up_required", "follow_up_date",
                  "appointment",
                  "created_at", "updated_at")
        read_only_fields = (*BASE_READ_ONLY, "examination", "certificate", "certificate_reference",
                            "certificate_issued_at",
                            "appointment")
        validators = []  # one exam per worker is checked by the service (deleted ones included)
        extra_kwargs = {"exit_date": {"required": False}}  # defaults to the worker's exit date

    def get_fields(self):
        fields = super().get_fields()
        organization = self.context.get("organization")
        if organization is not None:
            fields["clinician"].queryset = service.clinicians_of(organization)
        if self.context.get("role") not in MEDICAL_READERS:
            for name in MEDICAL_ONLY_FIELDS:
                fields.pop(name, None)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["worker"].read_only = True  # an exit exam never moves to another worker
        return fields

    def validate(self, attrs):
        if self.instance is None and not attrs.get("exit_date"):
            worker = attrs.get("worker")
            if getattr(worker, "exit_date", None) is None:
                raise serializers.ValidationError({"exit_date": [
                    _("Give the exit date (the worker's record has none).")]})
        return attrs

    def get_days_left(self, obj) -> int:
        return (obj.exit_date - timezone.localdate()).days

    def get_certificate_url(self, obj) -> str | None:
        if not obj.certificate_id:
            return None
        return reverse("exitexamination-certificate", kwargs={"pk": obj.pk})


class ScheduleSerializer(serializers.Serializer):
    scheduled_exam_at = serializers.DateTimeField()
    clinician = serializers.PrimaryKeyRelatedField(queryset=ExitExamination._meta.get_field("clinician")
                                                   .related_model.objects.none())
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organization is not None:
            self.fields["clinician"].queryset = service.clinicians_of(organization)


class CompleteSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=20000)
    fitness_outcome = serializers.ChoiceField(choices=FitnessOutcome.choices)
    restrictions = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class AssessDiseaseSerializer(serializers.Serializer):
    disease_result = serializers.ChoiceField(choices=DiseaseResult.choices)
    disease_notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class IssueCertificateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=(("fr", "Français"), ("en", "English")), required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class FollowUpSerializer(serializers.Serializer):
    follow_up_date = serializers.DateField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ExitExaminationFilter(filters.FilterSet):
    exit_date_from = filters.DateFilter(field_name="exit_date", lookup_expr="gte")
    exit_date_to = filters.DateFilter(field_name="exit_date", lookup_expr="lte")
    status = filters.MultipleChoiceFilter(choices=ExitExamStatus.choices)

    class Meta:
        model = ExitExamination
        fields = ["status", "worker", "worker__enterprise", "fitness_outcome", "follow_up_required"]


class ExitExaminationViewSet(AuditedAnswersMixin, TransitionsMixin, ScopedModelViewSet):
    """Exit exams: CRUD, one action per step (data and transition in one call), the
    certificate download and the two work lists."""

    resource, model = "exitexamination", ExitExamination
    serializer_class = ExitExaminationSerializer
    filterset_class = ExitExaminationFilter
    search_fields = ["worker__employee_number", "worker__contact__first_name", "worker__contact__last_name",
                     "certificate_reference"]
    ordering_fields = ["exit_date", "scheduled_exam_at", "status", "created_at"]
    ordering = ["exit_date"]
    action_policy = {"restore": "delete", "schedule": "change", "complete": "change", "assess_disease": "change",
                     "issue_certificate": "change", "schedule_follow_up": "change", "certificate": "view",
                     "pending_exams": "view", "upcoming_exits": "view"}

    def get_queryset(self):
        return super().get_queryset().select_related("worker", "worker__contact")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["role"] = self.role
        return context

    @property
    def _medical(self) -> bool:
        return self.role in MEDICAL_READERS or getattr(self.request.user, "is_superuser", False)

    def _audit(self, rows):
        if self._medical and rows:
            audit_medical_reads(workers=[row.worker for row in rows], user=self.request.user,
                                organization=self.organization, record="exit_examination")

    def _respond_list(self, queryset):
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self._audit(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def list(self, request, *args, **kwargs):
        return self._respond_list(self.filter_queryset(self.get_queryset()))

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self._audit([instance])
        return Response(self.get_serializer(instance).data)

    def _call(self, func, **kwargs):
        try:
            return func(user=self.request.user, **kwargs)
        except NotAllowedError as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc

    def perform_create(self, serializer):
        serializer.instance = self._call(service.exit_exam_create, organization=self.organization, role=self.role,
                                         data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data.pop("worker", None)
        serializer.instance = self._call(service.exit_exam_update, instance=serializer.instance, data=data,
                                         role=self.role, expected_version=expected_version(self.request))

    def _step(self, request, name, payload_class, **payload_kwargs):
        exam = self.get_object()
        payload = payload_class(data=request.data, **payload_kwargs)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        comment = data.pop("comment", "")
        language = data.pop("language", None)
        exam = self._call(service.exit_exam_transition, instance=exam, name=name, comment=comment, data=data,
                          language=language, expected_version=expected_version(request))
        self._audit([exam])
        return Response(self.get_serializer(exam).data)

    @extend_schema(request=ScheduleSerializer, responses=ExitExaminationSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        """Set the exam date and clinician: pending -> exam_scheduled."""
        return self._step(request, "schedule", ScheduleSerializer, organization=self.organization)

    @extend_schema(request=CompleteSerializer, responses=ExitExaminationSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record findings and the fitness outcome (writes the exit MedicalExamination)."""
        return self._step(request, "complete", CompleteSerializer)

    @extend_schema(request=AssessDiseaseSerializer, responses=ExitExaminationSerializer)
    @action(detail=True, methods=["post"], url_path="assess-disease")
    def assess_disease(self, request, pk=None):
        """Record the occupational-disease check: exam_complete -> disease_assessment."""
        return self._step(request, "assess_disease", AssessDiseaseSerializer)

    @extend_schema(request=IssueCertificateSerializer, responses=ExitExaminationSerializer)
    @action(detail=True, methods=["post"], url_path="issue-certificate")
    def issue_certificate(self, request, pk=None):
        """Generate the certificate PDF (optional ``language`` fr/en); refused (400) unless fit."""
        return self._step(request, "issue_certificate", IssueCertificateSerializer)

    @extend_schema(request=FollowUpSerializer, responses=ExitExaminationSerializer)
    @action(detail=True, methods=["post"], url_path="schedule-follow-up")
    def schedule_follow_up(self, request, pk=None):
        """Post-employment follow-up (from certificate_issued or cnss_reported)."""
        return self._step(request, "schedule_follow_up", FollowUpSerializer)

    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        """Download the certificate PDF (404 when none, or when your role may not read it)."""
        exam = self.get_object()
        if not exam.certificate_id:
            raise exceptions.NotFound(_("No certificate has been issued yet."))
        from ohms_core.models import Document
        from ohms_core.services.documents import document_log_access

        document = documents_visible(Document.objects.filter(pk=exam.certificate_id), user=request.user,
                                     role=self.role).first()
        if document is None or not document.file:
            raise exceptions.NotFound()
        document_log_access(document=document, user=request.user, download=True)
        return file_response(document.file, filename=f"{exam.certificate_reference or 'certificate'}.pdf",
                             checksum=document.checksum)

    @action(detail=False, methods=["get"], url_path="pending-exams")
    def pending_exams(self, request):
        """Exams still to be done (pending or scheduled), soonest exit first."""
        return self._respond_list(service.pending_exams(self.filter_queryset(self.get_queryset())))

    @action(detail=False, methods=["get"], url_path="upcoming-exits")
    def upcoming_exits(self, request):
        """Workers leaving in the next ``?days=`` days (default 30, at most 366)."""
        raw = request.query_params.get("days", UPCOMING_DEFAULT_DAYS)
        try:
            days = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"days": [_("A whole number of days is required.")]}) from None
        if not 0 <= days <= UPCOMING_MAX_DAYS:
            raise exceptions.ValidationError({"days": [_("Between 0 and %(max)s days.") % {"max": UPCOMING_MAX_DAYS}]})
        queryset = self.filter_queryset(self.get_queryset())
        return self._respond_list(service.upcoming_exits(queryset, days=days))
