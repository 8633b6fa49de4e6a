"""Training modules and their quizzes.

A module's content is a core ``Document`` (a PDF, a slide deck) or a video link; its
``validity_months`` gives the certificate's expiry and ``pass_mark`` (percent) the score a
quiz must reach. The quiz's right answers live in ``questions`` and are never served to
someone who only takes the quiz (the API and the take-the-quiz screen strip them).
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class TrainingModule(BaseModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="fr",
                                help_text=_("The language of the content; the certificate is printed in it."))
    content_document = models.ForeignKey("ohms_core.Document", verbose_name=_("content document"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    video_url = models.URLField(_("video link"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A certificate of this module expires this many months after it is issued."))
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The quiz score (percent) needed to pass: a score equal to the mark passes."))
    #: SPEC 1.8: work on an asset of this category needs the module (optional, free text such as "electrical").
    required_for_asset_category = models.CharField(_("required for asset category"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def clean(self):
        if not self.content_document_id and not self.video_url:
            raise ValidationError({"video_url": _("Give the content: a document or a video link.")})
        if (self.content_document_id and self.organization_id
                and self.content_document.organization_id != self.organization_id):
            raise ValidationError({"content_document": _("Choose a document of this organization.")})


def validate_questions(value):
    """``[{"text": str, "choices": [str, ...] (two or more), "answer": index}]``, at least one."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give at least one question."), code="invalid")
    for number, question in enumerate(value, start=1):
        if not isinstance(question, dict):
            raise ValidationError(_("Question %(n)s: an object with text, choices and answer is expected."),
                                  params={"n": number}, code="invalid")
        text, choices, answer = question.get("text"), question.get("choices"), question.get("answer")
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(_("Question %(n)s: the text is missing."), params={"n": number}, code="invalid")
        if (not isinstance(choices, list) or len(choices) < 2
                or not all(isinstance(c, str) and c.strip() for c in choices)):
            raise ValidationError(_("Question %(n)s: give at least two choices (texts)."), params={"n": number},
                                  code="invalid")
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(choices):
            raise ValidationError(_("Question %(n)s: the answer must be the index of one of the choices."),
                                  params={"n": number}, code="invalid")


class TrainingQuiz(BaseModel):
    module = models.ForeignKey(TrainingModule, verbose_name=_("module"), on_delete=models.PROTECT,
                               related_name="quizzes")
    title = models.CharField(_("title"), max_length=200, blank=True)
    questions = models.JSONField(_("questions"), default=list, validators=[validate_questions],
                                 help_text=_('[{"text": ..., "choices": [...], "answer": <index of the right choice>}]'))
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Attempts a worker has before a coordinator must assign the module again."))

    class Meta:
        verbose_name = _("training quiz")
        verbose_name_plural = _("training quizzes")
        ordering = ["module__title", "created_at"]

    def __str__(self):
        return self.title or str(_("Quiz: %(module)s") % {"module": self.module})

    def clean(self):
        if self.module_id and self.organization_id and self.module.organization_id != self.organization_id:
            raise ValidationError({"module": _("Choose a module of this organization.")})

    def questions_for_taker(self) -> list[dict]:
        """The questions without their answers (what a worker taking the quiz sees)."""
        return [{"text": q.get("text", ""), "choices": list(q.get("choices", []))} for q in self.questions or []]
