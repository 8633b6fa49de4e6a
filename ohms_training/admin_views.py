"""Admin screens beyond the model viewsets: the training matrix (with its Excel export), the
bulk assignment form, "My training" and the worker-facing take-the-quiz page, and the
certificate PDF download. Each checks the role policy and reads through core scoping."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ohms_core import permissions as policy
from ohms_core.context import get_context
from ohms_core.exceptions import OhmsError
from ohms_core.models import Enterprise, Site, Worker
from ohms_core.scoping import scope_choices, scope_queryset

from . import selectors, services
from .exports import certificate_filename, certificate_pdf
from .models import Certificate, TrainingModule, TrainingProgress, TrainingQuiz
from .states import CertificateState, ProgressStatus


def require(resource: str, action: str = "view"):
    ctx = get_context()
    if not policy.check(user=ctx.user, role=ctx.role, resource=resource, action=action):
        raise PermissionDenied


def _scoped(model):
    return scope_queryset(model.objects.all(), get_context())


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(" ".join(str(m) for m in msgs) for msgs in exc.message_dict.values()) \
            if hasattr(exc, "error_dict") else " ".join(str(m) for m in exc.messages)
    errors = getattr(exc, "errors", None) or {}
    reasons = [r.get("message", "") for r in errors.get("reasons", [])] if isinstance(errors, dict) else []
    return " ".join([exc.message, *reasons]).strip()


# --- matrix -------------------------------------------------------------------------------
class MatrixFilterForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=200)
    module = forms.ModelMultipleChoiceField(label=_("Modules"), queryset=TrainingModule.objects.none(),
                                            required=False, widget=forms.CheckboxSelectMultiple)
    state = forms.ChoiceField(label=_("Show workers with"), required=False,
                              choices=[("", _("Any state")), *CertificateState.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ctx = get_context()
        self.fields["enterprise"].queryset = scope_choices(Enterprise.objects.all(), ctx)
        self.fields["site"].queryset = scope_choices(Site.objects.all(), ctx)
        self.fields["module"].queryset = scope_choices(TrainingModule.objects.filter(is_active=True), ctx)


MATRIX_LIMIT = 500


def _matrix(request):
    form = MatrixFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    workers = scope_queryset(Worker.objects.filter(is_active=True), get_context())
    if data.get("enterprise"):
        workers = workers.filter(enterprise=data["enterprise"])
    if data.get("site"):
        workers = workers.filter(site=data["site"])
    if data.get("job_title"):
        workers = workers.filter(job_title__iexact=data["job_title"].strip())
    modules = _scoped(TrainingModule).filter(is_active=True).order_by("title")
    if data.get("module"):
        modules = modules.filter(pk__in=[m.pk for m in data["module"]])
    modules = list(modules)
    workers = workers.select_related("contact", "enterprise").order_by("employee_number")[:MATRIX_LIMIT]
    rows = selectors.training_matrix(workers=workers, modules=modules)
    if data.get("state"):
        rows = [row for row in rows if any(cell["state"] == data["state"] for cell in row["cells"])]
    return form, rows, modules


def training_matrix(request):
    """Workers x modules: valid, expiring (30 days), expired, missing; ``?format=xlsx`` exports it."""
    require("trainingprogress", "add")  # coordinators: the matrix shows every worker's certificates
    form, rows, modules = _matrix(request)
    if request.GET.get("format") == "xlsx":
        return _matrix_xlsx(rows, modules)
    query = request.GET.copy()
    query["format"] = "xlsx"
    return TemplateResponse(request, "ohms_training/matrix.html", {
        "form": form, "rows": rows, "modules": modules, "export_query": query.urlencode(),
        "states": CertificateState.choices, "limit": MATRIX_LIMIT,
    })


def _matrix_xlsx(rows, modules):
    """The matrix as a streamed Excel workbook (write-only openpyxl, one row at a time)."""
    import tempfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    fills = {CertificateState.VALID: "C6EFCE", CertificateState.EXPIRING: "FFEB9C",
             CertificateState.EXPIRED: "FFC7CE", CertificateState.MISSING: "E7E6E6"}
    labels = dict(CertificateState.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Training matrix")[:31])
    header = [gettext("Employee number"), gettext("Worker"), gettext("Enterprise"), gettext("Job title"),
              *[m.title for m in modules]]
    cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=str(value))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        worker = row["worker"]
        line = [WriteOnlyCell(sheet, value=_text(v)) for v in (
            worker.employee_number, worker.contact.full_name, str(worker.enterprise), worker.job_title)]
        for cell_data in row["cells"]:
            text = str(labels[cell_data["state"]])
            if cell_data["expires_at"]:
                text += f" ({cell_data['expires_at'].date().isoformat()})"
            cell = WriteOnlyCell(sheet, value=text)
            cell.fill = PatternFill("solid", fgColor=fills[cell_data["state"]])
            line.append(cell)
        sheet.append(line)
    target = tempfile.SpooledTemporaryFile(max_size=5 * 1024 * 1024)
    workbook.save(target)
    target.seek(0)
    response = StreamingHttpResponse(iter(lambda: target.read(64 * 1024), b""),
                                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="training-matrix.xlsx"'
    return response


def _text(value):
    """Text that a spreadsheet would run as a formula is kept as text."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


# --- bulk assignment ------------------------------------------------------------------------
class BulkAssignForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=TrainingModule.objects.none())
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=200)
    permit_type = forms.ModelChoiceField(label=_("Workers on permits of type"), queryset=Worker.objects.none(),
                                         required=False)
    workers = forms.ModelMultipleChoiceField(label=_("Workers"), queryset=Worker.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from django.apps import apps

        super().__init__(*args, **kwargs)
        ctx = get_context()
        self.fields["module"].queryset = scope_choices(TrainingModule.objects.filter(is_active=True), ctx)
        self.fields["enterprise"].queryset = scope_choices(Enterprise.objects.all(), ctx)
        self.fields["site"].queryset = scope_choices(Site.objects.all(), ctx)
        self.fields["workers"].queryset = scope_choices(Worker.objects.filter(is_active=True), ctx)
        if apps.is_installed("ohms_ptw"):
            self.fields["permit_type"].queryset = scope_choices(apps.get_model("ohms_ptw", "PermitType").objects.all(),
                                                                ctx)
        else:
            del self.fields["permit_type"]

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(k) for k in ("workers", "enterprise", "site", "job_title", "permit_type")):
            raise ValidationError(_("Choose workers, or an enterprise, a site, a job title or a permit type."))
        return cleaned


def bulk_assign(request):
    require("trainingprogress", "add")
    form = BulkAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        workers = list(data.get("workers") or [])
        if any(data.get(k) for k in ("enterprise", "site", "job_title", "permit_type")):
            workers += list(selectors.workers_for_assignment(
                organization=get_context().organization, enterprise=data.get("enterprise"), site=data.get("site"),
                job_title=data.get("job_title", ""), permit_type=data.get("permit_type")))
        unique = list({w.pk: w for w in workers}.values())
        result = services.progress_bulk_assign(organization=get_context().organization, module=data["module"],
                                               workers=unique, user=request.user, due_date=data.get("due_date"))
        messages.success(request, gettext("%(module)s: assigned to %(n)s workers, %(m)s already had it.") % {
            "module": data["module"], "n": len(result["assigned"]), "m": len(result["unchanged"])})
        return redirect("training_progress:index")
    return TemplateResponse(request, "ohms_training/bulk_assign.html", {"form": form})


# --- the worker's own training and the quiz -----------------------------------------------
def my_training(request):
    """The modules assigned to the member's own worker record, with their quiz and certificate."""
    worker = Worker.objects.filter(user=request.user, organization=get_context().organization).first()
    progress = []
    if worker is not None:
        progress = list(TrainingProgress.objects.filter(worker=worker).select_related("module")
                        .prefetch_related("module__quizzes").order_by("status", "module__title"))
    certificates = {c.module_id: c for c in Certificate.objects.filter(worker=worker).order_by("issued_at")} \
        if worker is not None else {}
    return TemplateResponse(request, "ohms_training/my_training.html", {
        "worker": worker, "progress": progress, "certificates": certificates,
    })


def take_quiz(request, quiz_pk):
    """Questions without their answers; the submission is scored on the server (``quiz_submit``)."""
    quiz = _scoped(TrainingQuiz).select_related("module").filter(pk=quiz_pk).first()
    if quiz is None:
        raise Http404
    worker = Worker.objects.filter(user=request.user, organization=get_context().organization).first()
    progress = TrainingProgress.objects.filter(worker=worker, module=quiz.module).first() if worker else None
    questions = quiz.questions_for_taker()
    result = error = None
    if request.method == "POST":
        if progress is None:
            raise PermissionDenied
        try:
            answers = [int(request.POST.get(f"q{i}", "-1")) for i in range(len(questions))]
        except ValueError:
            answers = [-1] * len(questions)
        if any(a < 0 for a in answers):
            error = gettext("Answer every question.")
        else:
            try:
                result = services.quiz_submit(quiz=quiz, worker=worker, answers=answers, user=request.user)
            except (OhmsError, ValidationError) as exc:
                error = _error_text(exc)
    return TemplateResponse(request, "ohms_training/take_quiz.html", {
        "quiz": quiz, "module": quiz.module, "questions": questions, "progress": progress, "worker": worker,
        "result": result, "error": error, "passed_status": ProgressStatus.PASSED,
    })


def certificate_download(request, pk):
    """The certificate PDF from the admin (a worker: their own certificates only)."""
    require("certificate")
    queryset = selectors.own_rows_only(_scoped(Certificate).select_related("worker__contact", "module", "organization"))
    certificate = queryset.filter(pk=pk).first()
    if certificate is None:
        raise Http404
    response = HttpResponse(certificate_pdf(certificate, language=request.GET.get("lang")),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(certificate)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def certificate_download_url(certificate) -> str:
    return reverse("ohms_training_certificate_download", args=[certificate.pk])
