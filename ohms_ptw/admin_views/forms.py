"""Admin forms of the PTW add-on: field shapes and widgets only (rules live in gates/services)."""
from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput

from ohms_core.admin_views.files import register_file_route
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.context import get_context
from ohms_core.models import Project, Worker
from ohms_core.scoping import active_members, scope_queryset, to_projects

from .. import gates
from ..models import IsolationPointLibrary, LotoLog, Permit, PermitPhoto, PermitType
from ..services.permits import EDITABLE_STATUSES
from ..states import Gas, PhotoType, RiskLevel, SignatureMeaning

# Admin file inputs link to these checked download routes, never to the storage path.
register_file_route(Permit, "isolation_certificate", "permit-isolation-certificate")
register_file_route(PermitPhoto, "file", "permitphoto-download")
register_file_route(LotoLog, "photo", "lotolog-download")

REQUIRED_WORDS = {"required", "obligatoire", "yes", "oui", "1", "true"}
OPTIONAL_WORDS = {"optional", "facultatif", "no", "non", "0", "false"}


# --- reusable fields ------------------------------------------------------------------
class LinesListField(forms.CharField):
    """A JSON list of texts edited as one item per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return [str(v).strip() for v in value if str(v).strip()]
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)


class KeyedItemsField(forms.CharField):
    """A JSON list of ``{"key", "label"[, "required"]}`` edited as ``key | label [| optional]``
    lines. A line with only a label gets a key made from it."""

    widget = forms.Textarea(attrs={"rows": 5})

    def __init__(self, *, with_required=False, **kwargs):
        self.with_required = with_required
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            lines = []
            for item in value:
                if not isinstance(item, dict):
                    lines.append(str(item))
                    continue
                parts = [str(item.get("key", "")), str(item.get("label", ""))]
                if self.with_required:
                    parts.append("required" if item.get("required", True) else "optional")
                lines.append(" | ".join(parts))
            return "\n".join(lines)
        return value

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return list(value)
        items, keys = [], set()
        for number, line in enumerate((value or "").splitlines(), start=1):
            parts = [p.strip() for p in line.split("|")]
            if not any(parts):
                continue
            required = True
            if self.with_required and len(parts) > 1 and parts[-1].lower() in REQUIRED_WORDS | OPTIONAL_WORDS:
                required = parts.pop().lower() in REQUIRED_WORDS
            if len(parts) == 1:
                key, label = slugify(parts[0]).replace("-", "_"), parts[0]
            elif len(parts) == 2:
                key, label = parts
            else:
                raise forms.ValidationError(_("Line %(n)s: use “key | label”.") % {"n": number})
            key = key or slugify(label).replace("-", "_")
            if not key or not label:
                raise forms.ValidationError(_("Line %(n)s: a key and a label are needed.") % {"n": number})
            if key in keys:
                raise forms.ValidationError(_("Line %(n)s: the key “%(k)s” is used twice.") % {"n": number, "k": key})
            keys.add(key)
            item = {"key": key, "label": label}
            if self.with_required:
                item["required"] = required
            items.append(item)
        return items

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)


LEVEL_CHOICES = RiskLevel.choices


class RiskGridWidget(forms.MultiWidget):
    """The 5x5 risk matrix: one select per (likelihood, severity) cell, coloured by level."""

    template_name = "ohms_ptw/widgets/risk_grid.html"

    def __init__(self, attrs=None):
        widgets = {f"{lk}_{sv}": forms.Select(choices=LEVEL_CHOICES, attrs={"class": "ptw-risk-select"})
                   for lk in range(1, 6) for sv in range(1, 6)}
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if isinstance(value, list) and len(value) == 5 and all(isinstance(r, list) and len(r) == 5 for r in value):
            return [cell for row in value for cell in row]
        return [None] * 25

    def get_context(self, name, value, attrs):
        # A saved grid is a list of 5 rows: MultiWidget only decompresses non-lists.
        if not (isinstance(value, (list, tuple)) and len(value) == 25):
            value = self.decompress(value)
        context = super().get_context(name, value, attrs)
        cells = context["widget"]["subwidgets"]
        # Rows from likelihood 5 (top) to 1, columns severity 1 to 5 (the usual drawing).
        context["rows"] = [{"likelihood": lk, "cells": cells[(lk - 1) * 5:lk * 5]} for lk in range(5, 0, -1)]
        context["severities"] = list(range(1, 6))
        context["levels"] = LEVEL_CHOICES
        return context


class RiskGridField(forms.MultiValueField):
    widget = RiskGridWidget

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        fields = [forms.ChoiceField(choices=LEVEL_CHOICES) for _ in range(25)]
        super().__init__(fields=fields, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        return [list(data_list[i * 5:(i + 1) * 5]) for i in range(5)]

    def has_changed(self, initial, data):
        return self.widget.decompress(initial) != [c for c in (data or [])]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name().strip()
        return f"{name} <{obj.email}>" if name and obj.email else (name or obj.email or obj.get_username())


def people_queryset():
    """People named on a permit: active members of the acting organization."""
    return active_members(get_context().organization).order_by("first_name", "last_name", "email")


def project_or_global(queryset):
    """Library rows: global ones (no project) and those of the user's projects (the
    model declares ``tenancy_org_wide_allowed``; ``ohms_core.scoping``)."""
    return to_projects(queryset)


def allowed_projects():
    return scope_queryset(Project.objects.filter(is_active=True), get_context())


# --- configuration forms --------------------------------------------------------------
class PermitTypeForm(ScopedAdminForm):
    mandatory_ppe = LinesListField(label=_("Mandatory PPE"), required=False,
                                   help_text=_("One item per line, e.g. “Hard hat”."))
    safety_checklist_items = KeyedItemsField(label=_("Safety checklist items"), required=False,
                                             help_text=_("One item per line: “key | label” (or just the label)."))
    required_gases = forms.MultipleChoiceField(label=_("Gases to test"), required=False, choices=Gas.choices,
                                               widget=forms.CheckboxSelectMultiple)
    required_training_modules = forms.MultipleChoiceField(
        label=_("Required training modules"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Every crew member must hold a valid certificate for each (needs the training add-on)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "required_training_modules" in self.fields:
            # The training add-on's modules, through core (absent-safe: no choices without it).
            from ohms_core import providers
            from ohms_core.context import get_context

            self.fields["required_training_modules"].choices = providers.competency_choices(get_context().organization)


class RiskMatrixForm(ScopedAdminForm):
    grid = RiskGridField(label=_("Risk grid"), help_text=_("Likelihood (rows) × severity (columns) → level."))


class CloseoutTemplateForm(ScopedAdminForm):
    items = KeyedItemsField(label=_("Checklist items"), with_required=True,
                            help_text=_("One item per line: “key | label | required” or “key | label | optional”."))


class IsolationPointForm(ScopedAdminForm):
    ppe_required = LinesListField(label=_("PPE required"), required=False, help_text=_("One item per line."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "project" in self.fields:
            self.fields["project"].queryset = allowed_projects()


class LotoProcedureForm(ScopedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "project" in self.fields:
            self.fields["project"].queryset = allowed_projects()
        if "points" in self.fields:
            self.fields["points"].queryset = project_or_global(self.fields["points"].queryset).order_by("point_code")


# --- the permit -----------------------------------------------------------------------
PEOPLE_FIELDS = ("issuer", "receiver", "verifier", "approver", "area_incharge", "department_head")


class PermitForm(ScopedAdminForm):
    """Create/edit a permit. ``permit_number`` and ``status`` are never fields: the number
    is allocated by ``permit_create`` and the status only moves through transitions."""

    ppe_requirements = LinesListField(label=_("PPE"), required=False, help_text=_("One item per line."))
    safety_checklist = forms.MultipleChoiceField(label=_("Safety checklist"), required=False,
                                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_queryset()
        for name in PEOPLE_FIELDS:
            if name in self.fields:
                old = self.fields[name]
                self.fields[name] = PersonChoiceField(queryset=people, required=False, label=old.label, help_text=old.help_text)
        if "project" in self.fields:
            self.fields["project"].queryset = allowed_projects()
        organization = get_context().organization
        adding = self.instance._state.adding
        if "permit_type" in self.fields:
            types = PermitType.objects.for_organization(organization)
            self.fields["permit_type"].queryset = types.filter(is_active=True) if adding else types
        if "risk_matrix" in self.fields:
            self.fields["risk_matrix"].help_text = _("Empty: the organization's default matrix. The risk level is calculated.")
        # Checklist items: the permit's type; on creation every active type's items.
        if adding:
            type_rows = PermitType.objects.for_organization(organization).filter(is_active=True)
        else:
            type_rows = [self.instance.permit_type]
        choices, seen = [], set()
        for permit_type in type_rows:
            for item in permit_type.safety_checklist_items or []:
                if isinstance(item, dict) and item.get("key") and item["key"] not in seen:
                    seen.add(item["key"])
                    choices.append((item["key"], item.get("label") or item["key"]))
        self.fields["safety_checklist"].choices = choices
        ticked = self.instance.safety_checklist or {}
        self.initial["safety_checklist"] = [key for key, done in ticked.items() if done is True]
        if not adding:
            mandatory = self.instance.permit_type.mandatory_ppe or []
            if mandatory:
                self.fields["ppe_requirements"].help_text = _("One item per line. Mandatory for this type: %(items)s.") % {
                    "items": ", ".join(mandatory)}
            if self.instance.status not in EDITABLE_STATUSES:
                for name in ("permit_type", "project", "planned_start_time", "planned_end_time"):
                    if name in self.fields:
                        self.fields[name].disabled = True
                        self.fields[name].help_text = _("Fixed once the workflow has started (use an extension for the end time).")

    def clean_safety_checklist(self):
        selected = set(self.cleaned_data.get("safety_checklist") or [])
        return {key: key in selected for key, _label in self.fields["safety_checklist"].choices}


# --- small action forms on the permit screen ------------------------------------------
class GasReadingForm(forms.Form):
    gas = forms.ChoiceField(label=_("Gas"), choices=Gas.choices)
    value = forms.DecimalField(label=_("Value"), max_digits=8, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False,
                           help_text=_("Empty: the unit of the type's gas limits."))
    tested_at = forms.DateTimeField(label=_("Tested at"), required=False, widget=AdminDateTimeInput,
                                    help_text=_("Empty: now."))
    instrument = forms.CharField(label=_("Instrument"), max_length=100, required=False)

    def clean_tested_at(self):
        return self.cleaned_data.get("tested_at") or timezone.now()


class AssignLibraryPointForm(forms.Form):
    library_point = forms.ModelChoiceField(label=_("Library point"), queryset=IsolationPointLibrary.objects.none())
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    def __init__(self, *args, points=None, **kwargs):
        super().__init__(*args, **kwargs)
        if points is not None:
            self.fields["library_point"].queryset = points


class CustomPointForm(forms.Form):
    custom_point_name = forms.CharField(label=_("Point name"), max_length=200)
    custom_point_details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class IsolateForm(forms.Form):
    lock_applied = forms.BooleanField(label=_("Lock applied"), required=False, initial=True)
    lock_count = forms.IntegerField(label=_("Lock count"), min_value=0, max_value=gates.MAX_LOCKS_PER_POINT, required=False)
    lock_ids = forms.CharField(label=_("Lock ids"), required=False, help_text=_("Separated by commas or spaces."))

    def clean_lock_ids(self):
        raw = self.cleaned_data.get("lock_ids") or ""
        return [part for part in raw.replace(",", " ").split() if part]


class VerifyPointForm(forms.Form):
    verification_notes = forms.CharField(label=_("Verification notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeisolatePointForm(forms.Form):
    deisolated_notes = forms.CharField(label=_("De-isolation notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SignForm(forms.Form):
    meaning = forms.ChoiceField(label=_("I sign as"), choices=SignatureMeaning.choices)
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput(render_value=False), strip=False)


class ExtendForm(forms.Form):
    new_end_time = forms.DateTimeField(label=_("New end time"), widget=AdminDateTimeInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class WorkerAddForm(forms.Form):
    worker = forms.ModelChoiceField(label=_("Worker"), queryset=Worker.objects.none())
    role = forms.CharField(label=_("Role on the job"), max_length=100, required=False)
    briefed = forms.BooleanField(label=_("Toolbox talk done"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = (Worker.objects.for_organization(get_context().organization)
                                          .filter(is_active=True).select_related("contact").order_by("employee_number"))
        self.fields["worker"].label_from_instance = lambda w: f"{w.employee_number} — {w.contact}"


class PhotoForm(forms.Form):
    file = forms.ImageField(label=_("Photo"))
    photo_type = forms.ChoiceField(label=_("Type"), choices=PhotoType.choices, initial=PhotoType.DURING)
    caption = forms.CharField(label=_("Caption"), max_length=255, required=False)


class HazardForm(forms.Form):
    hazard = forms.CharField(label=_("Hazard"), max_length=255)
    control_measures = forms.CharField(label=_("Control measures"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM)


class InitiateWorkflowForm(forms.Form):
    verifier = PersonChoiceField(label=_("Verifier"), queryset=get_user_model().objects.none(), required=False)
    approver = PersonChoiceField(label=_("Approver"), queryset=get_user_model().objects.none(), required=False)
    comment = forms.CharField(label=_("Comment"), required=False)

    def __init__(self, *args, permit=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_queryset()
        for name in ("verifier", "approver"):
            self.fields[name].queryset = people
            if permit is not None and getattr(permit, f"{name}_id"):
                self.fields[name].initial = getattr(permit, f"{name}_id")
