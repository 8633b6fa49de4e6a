"""Views of /api/v1/training/: thin, each write calls a service.

- ``modules``, ``quizzes``: CRUD for coordinators, read for every member (quiz answers
  hidden from who may not manage quizzes); ``quizzes/{id}/submit/`` scores the caller's
  own attempt (core ``Worker.user``).
- ``progress``: list/retrieve (a worker sees their own), create = assign, ``assign/`` in
  bulk, transitions (start, retake, reassign).
- ``certificates``: read (a worker sees their own), ``{id}/download/`` (PDF), soft delete
  (withdraw) by coordinators; ``certificates/verify/?code=`` is public (name, module, dates).
"""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ohms_core import permissions as policy
from ohms_core.api.views import ScopedModelViewSet
from ohms_core.api.workflow import TransitionsMixin
from ohms_core.models import Worker

from .. import selectors, services
from ..exports import certificate_filename, certificate_pdf
from ..models import (
    Certificate,
    SiteVisitorInduction,
    TrainingModule,
    TrainingProgress,
    TrainingQuiz,
    VisitorInductionAttempt,
)
from .serializers import (
    CertificateSerializer,
    ProgressAssignSerializer,
    QuizResultSerializer,
    QuizSubmitSerializer,
    SiteVisitorInductionSerializer,
    TrainingModuleSerializer,
    TrainingProgressSerializer,
    TrainingQuizSerializer,
    VisitorInductionAttemptSerializer,
)


def may_manage_quizzes(user, role) -> bool:
    return policy.check(user=user, role=role, resource="trainingquiz", action=policy.CHANGE).allowed


def own_worker(user, organization):
    """The caller's own worker record in the acting organization (None when not linked)."""
    if user is None or not user.is_authenticated or organization is None:
        return None
    return Worker.objects.filter(user=user, organization=organization, is_active=True).first()


class TrainingModuleViewSet(ScopedModelViewSet):
    resource, model = "trainingmodule", TrainingModule
    serializer_class = TrainingModuleSerializer
    filterset_fields = ["language", "is_active"]
    search_fields = ["title", "description"]
    ordering_fields = ["title", "created_at"]


class TrainingQuizViewSet(ScopedModelViewSet):
    resource, model = "trainingquiz", TrainingQuiz
    serializer_class = TrainingQuizSerializer
    filterset_fields = ["module"]
    action_policy = {"restore": "delete", "submit": "view"}

    def get_queryset(self):
        return super().get_queryset().select_related("module")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_answers"] = may_manage_quizzes(self.request.user, self.role)
        return context

    @extend_schema(request=QuizSubmitSerializer, responses=QuizResultSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit your answers (one choice index per question): scored on the server; a pass
        issues the certificate. Acts for your own worker record."""
        quiz = self.get_object()
        payload = QuizSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        worker = own_worker(request.user, self.organization)
        if worker is None:
            raise serializers.ValidationError(
                {"worker": [_("Your account is not linked to a worker record of this organization.")]})
        result = services.quiz_submit(quiz=quiz, worker=worker, answers=payload.validated_data["answers"],
                                      user=request.user)
        return Response(QuizResultSerializer(result).data, status=status.HTTP_200_OK)


class OwnRowsMixin:
    """A member with the worker role reads only their own rows (``selectors.own_rows_only``)."""

    def scope_queryset(self, queryset):
        return selectors.own_rows_only(super().scope_queryset(queryset), role=self.role, user=self.request.user)


class TrainingProgressViewSet(OwnRowsMixin, TransitionsMixin, ScopedModelViewSet):
    resource, model = "trainingprogress", TrainingProgress
    serializer_class = TrainingProgressSerializer
    filterset_fields = ["status", "module", "worker"]
    search_fields = ["worker__employee_number", "worker__contact__last_name", "module__title"]
    ordering_fields = ["created_at", "status", "due_date"]
    action_policy = {"restore": "delete", "assign": "add"}

    def get_queryset(self):
        return super().get_queryset().select_related("worker__contact", "module")

    def create_object(self, data):
        progress, _created = services.progress_assign(
            organization=self.organization, module=data["module"], worker=data["worker"], user=self.request.user,
            due_date=data.get("due_date"))
        return progress

    @extend_schema(request=ProgressAssignSerializer)
    @action(detail=False, methods=["post"])
    def assign(self, request):
        """Assign a module to many workers: listed, or by enterprise, site, job title or permit type."""
        payload = ProgressAssignSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        workers = list(data.get("workers") or [])
        if any(data.get(k) for k in ("enterprise", "site", "job_title", "permit_type")):
            workers += list(selectors.workers_for_assignment(
                organization=self.organization, enterprise=data.get("enterprise"), site=data.get("site"),
                job_title=data.get("job_title", ""), permit_type=data.get("permit_type")))
        unique = list({w.pk: w for w in workers}.values())
        result = services.progress_bulk_assign(organization=self.organization, module=data["module"], workers=unique,
                                               user=request.user, due_date=data.get("due_date"))
        return Response({
            "assigned": len(result["assigned"]), "unchanged": len(result["unchanged"]),
            "progress": [str(p.pk) for p in result["assigned"] + result["unchanged"]],
        }, status=status.HTTP_200_OK)


class CertificateViewSet(OwnRowsMixin, ScopedModelViewSet):
    resource, model = "certificate", Certificate
    serializer_class = CertificateSerializer
    http_method_names = ["get", "delete", "post", "head", "options"]
    filterset_fields = ["worker", "module"]
    ordering_fields = ["issued_at", "expires_at"]
    action_policy = {"restore": "delete", "download": "view"}

    def get_queryset(self):
        return super().get_queryset().select_related("worker__contact", "module")

    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("POST", detail=_("Certificates are issued when a worker passes the quiz."))

    @extend_schema(parameters=[OpenApiParameter("lang", str, description="en or fr (default: the module's)")],
                   responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The certificate PDF (French or English), with the QR code of the verification page."""
        certificate = self.get_object()
        response = HttpResponse(certificate_pdf(certificate, language=request.query_params.get("lang")),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate_filename(certificate)}"'
        response["Cache-Control"] = "private, no-store"
        return response


class SiteVisitorInductionViewSet(ScopedModelViewSet):
    """Which sites require visitors to pass an induction quiz before check-in."""

    resource, model = "sitevisitorinduction", SiteVisitorInduction
    serializer_class = SiteVisitorInductionSerializer
    filterset_fields = ["site", "module", "is_active"]

    def get_queryset(self):
        return super().get_queryset().select_related("site", "module")


class VisitorInductionAttemptViewSet(ScopedModelViewSet):
    """Visitors' quiz attempts (read-only: the public quiz page writes them); filter by ``invite_id``."""

    resource, model = "visitorinductionattempt", VisitorInductionAttempt
    serializer_class = VisitorInductionAttemptSerializer
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["invite_id", "requirement", "passed"]
    ordering_fields = ["created_at", "score"]

    def get_queryset(self):
        return super().get_queryset().select_related("quiz__module", "requirement")


def verification(code: str) -> dict | None:
    """What anyone may learn from a verification code: name, module, dates, valid or expired."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        return None
    certificate = Certificate.objects.filter(code=code).select_related("worker__contact", "module").first()
    if certificate is None:
        return None
    valid = certificate.is_valid()
    return {"valid": valid, "status": "valid" if valid else "expired",
            "worker": certificate.worker.contact.full_name, "module": certificate.module.title,
            "issued_at": certificate.issued_at, "expires_at": certificate.expires_at}


class CertificateVerifyView(APIView):
    """``GET certificates/verify/?code=``: public (no login), says valid or expired with the
    worker's name, the module and the dates only. Unknown code: 404."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[OpenApiParameter("code", str, required=True)],
                   responses=inline_serializer("CertificateVerification", fields={
                       "valid": serializers.BooleanField(), "status": serializers.CharField(),
                       "worker": serializers.CharField(), "module": serializers.CharField(),
                       "issued_at": serializers.DateTimeField(), "expires_at": serializers.DateTimeField()}))
    def get(self, request):
        answer = verification(request.query_params.get("code", ""))
        if answer is None:
            raise exceptions.NotFound(_("No certificate has this verification code."))
        return Response(answer)


def certificate_verify_page(request):
    """The public HTML page the certificate's QR code opens."""
    answer = verification(request.GET.get("code", ""))
    response = render(request, "ohms_training/certificate_verify.html", {"answer": answer},
                      status=200 if answer else 404)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
