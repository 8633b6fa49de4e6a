"""The visitor induction: a site may require visitors to pass a short quiz before check-in.

Visitors are not workers (no ``Worker`` row, no account): their attempts are keyed by the
visitors add-on's invitation id, a plain UUID and not a foreign key, because this add-on
never imports the visitors add-on (they talk through ``ohms_core.providers`` only, each
absent-safe). The visitor's name and ID number are copied onto the attempt so that a pass
keeps counting on the visitor's next visits while the module's validity lasts.
"""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class SiteVisitorInduction(BaseModel):
    """The site's requirement: visitors pass ``module``'s quiz (or that of its translation)
    before the gate lets them in."""

    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    module = models.ForeignKey("ohms_training.TrainingModule", verbose_name=_("module"), on_delete=models.PROTECT,
                               related_name="site_inductions",
                               help_text=_("A module with a quiz: its pass mark, attempts and validity apply."))
    translated_module = models.ForeignKey(
        "ohms_training.TrainingModule", verbose_name=_("same module in another language"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("Optional: the visitor takes the quiz in their language; passing either counts."))
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Untick to stop asking visitors of the site for the induction."))

    class Meta:
        verbose_name = _("site visitor induction")
        verbose_name_plural = _("site visitor inductions")
        ordering = ["site__name"]
        constraints = [models.UniqueConstraint(fields=["site"], condition=Q(is_deleted=False),
                                               name="training_site_induction_one_per_site",
                                               violation_error_message=_("This site already requires an induction."))]

    def __str__(self):
        return f"{self.site} — {self.module}"

    @property
    def label(self):
        return str(self)

    def modules(self) -> list:
        return [m for m in (self.module, self.translated_module) if m is not None]

    def clean(self):
        errors = {}
        for name in ("site", "module", "translated_module"):
            value = getattr(self, name, None) if getattr(self, f"{name}_id") else None
            if value is not None and self.organization_id and value.organization_id != self.organization_id:
                errors[name] = _("Choose one of this organization.")
        if self.module_id and "module" not in errors and not self.module.quizzes.exists():
            errors["module"] = _("This module has no quiz: add one first.")
        if self.translated_module_id and "translated_module" not in errors:
            if self.translated_module_id == self.module_id:
                errors["translated_module"] = _("Choose another module than the first one.")
            elif not self.translated_module.quizzes.exists():
                errors["translated_module"] = _("This module has no quiz: add one first.")
        if errors:
            raise ValidationError(errors)


class VisitorInductionAttempt(BaseModel):
    """One quiz submitted by a visitor (append-only, written by ``services.visitor_quiz_submit``)."""

    #: The visitors add-on's invitation (``VisitorInvite.pk``): a UUID, deliberately no foreign key.
    invite_id = models.UUIDField(_("invitation"), db_index=True)
    requirement = models.ForeignKey(SiteVisitorInduction, verbose_name=_("site induction"),
                                    on_delete=models.PROTECT, related_name="attempts")
    quiz = models.ForeignKey("ohms_training.TrainingQuiz", verbose_name=_("quiz"), on_delete=models.PROTECT,
                             related_name="visitor_attempts")
    visitor_name = models.CharField(_("visitor name"), max_length=200)
    visitor_id_number = models.CharField(_("ID number"), max_length=60, blank=True, db_index=True)
    answers = models.JSONField(_("answers"), default=list)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("passed"), default=False)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True,
                                       help_text=_("A pass counts for later visits of the same person until then."))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("visitor induction attempt")
        verbose_name_plural = _("visitor induction attempts")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.visitor_name} — {self.quiz} — {self.score}%"

    @property
    def label(self):
        return str(self)
