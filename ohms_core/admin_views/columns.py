"""Listing columns shared by the add-ons' admin screens, rendered in Python.

Wagtail renders every table cell through a template: a page of 20 permits is 200 template
renders, and each row's "more options" dropdown is a nest of included templates (dropdown,
buttons, icons). At shift change that was a third of the permit list's CPU. The columns here
build the same HTML with ``format_html`` for the common cases (a value; a title linking to the
object with the Edit / Inspect / Delete dropdown; a badge) and fall back to Wagtail's
templates for anything else (a subclass with its own template, a button kind not listed).

``test_admin_cells_in_python_give_wagtails_markup_on_every_listing_of_the_demo`` (in
``ohms_core/tests/test_first_impressions.py``, where the demo is loaded) renders every scoped
listing both ways and requires the same HTML (whitespace aside): an upgrade of Wagtail that
changes its markup fails that test rather than drifting silently.

Use ``Column`` and ``TitleColumn`` from here in place of Wagtail's (same arguments);
``ScopedIndexView`` builds its string ``list_display`` entries with them.
"""
from __future__ import annotations

from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.ui import tables
from wagtail.admin.widgets.button import Button, ButtonWithDropdown

_ICONS: dict[tuple[str, str], str] = {}


def icon_html(name: str, classname: str = "icon") -> str:
    """Wagtail's ``{% icon %}`` without a title (its template, rendered once per icon)."""
    key = (name, classname)
    if key not in _ICONS:
        _ICONS[key] = format_html('<svg class="icon icon-{} {}" aria-hidden="true"><use href="#icon-{}"></use></svg>',
                                  name, classname, name)
    return _ICONS[key]


def _class_attr(classname) -> str:
    return format_html(' class="{}"', classname) if classname else ""


def _attrs_html(attrs: dict) -> str:
    """``wagtailadmin/shared/attrs.html``: ``True`` is a bare attribute, ``False`` is left out."""
    return mark_safe("".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items() if value is not False))


def _dropdown_item_html(button) -> str | None:
    if type(button) is not Button or not button.show or not button.url:
        return None
    icon = icon_html(button.icon_name) if button.icon_name else ""
    return format_html('<a href="{}" class="{}" {}>{}{}</a>', button.url, button.classname,
                       button.base_attrs_string, icon, button.label)


def _dropdown_html(button) -> str | None:
    """A listing row's icon-only "more options" dropdown of links, or ``None`` (not that kind)."""
    if type(button) is not ButtonWithDropdown or button.label or button.classname or not button.icon_name:
        return None
    items = [_dropdown_item_html(child) for child in sorted(button.dropdown_buttons)]
    if None in items:
        return None
    aria = format_html(' aria-label="{}"', button.aria_label) if button.aria_label else ""
    return format_html(
        '<div data-controller="w-dropdown" class="w-dropdown" {}>'
        '<button type="button" class="w-dropdown__toggle w-dropdown__toggle--icon" data-w-dropdown-target="toggle"{}>'
        '{}</button><div data-w-dropdown-target="content" class="w-dropdown__content" hidden>{}</div></div>',
        button.base_attrs_string, aria, icon_html(button.icon_name, "w-dropdown__toggle-icon"),
        mark_safe("".join(items)))


def buttons_html(buttons) -> str | None:
    """``wagtailadmin/shared/buttons.html`` for the dropdown kind above, else ``None``."""
    parts = []
    for button in buttons:
        if not button.show:
            continue
        html = _dropdown_html(button)
        if html is None:
            return None
        parts.append(format_html("<li>{}</li>", html))
    return mark_safe("".join(parts))


class Column(tables.Column):
    """Wagtail's ``Column``; its cell built in Python unless a subclass names its own template."""

    def render_cell_html(self, instance, parent_context):
        if self.cell_template_name != tables.Column.cell_template_name:
            return super().render_cell_html(instance, parent_context)
        value = self.get_cell_context_data(instance, parent_context)["value"]
        content = "" if value is None else render_value_in_context(value, parent_context)
        return format_html("<td{}>{}</td>", _class_attr(self.classname), content)


class TitleColumn(tables.TitleColumn):
    """Wagtail's ``TitleColumn`` (the link to the object and its row buttons), built in Python
    when its buttons are the usual dropdown of links."""

    def render_cell_html(self, instance, parent_context):
        if self.cell_template_name != tables.TitleColumn.cell_template_name:
            return super().render_cell_html(instance, parent_context)
        context = self.get_cell_context_data(instance, parent_context)
        buttons = context.get("buttons")
        actions = ""
        if buttons:
            rendered = buttons_html(buttons)
            if rendered is None:
                return super().render_cell_html(instance, parent_context)
            actions = format_html('<ul class="actions">{}</ul>', rendered)
        value = context["value"]
        title = render_value_in_context(value, parent_context)
        if context.get("title_id"):
            title = format_html('<span id="{}">{}</span>', context["title_id"], title)
        if context.get("link_url"):
            title = format_html("<a{}>{}</a>", _attrs_html(context["link_attrs"]), title)
        elif context.get("label_id"):
            title = format_html('<label for="{}">{}</label>', context["label_id"], title)
        classname = f"{self.classname} title" if self.classname else "title"
        return format_html('<td class="{}"><div class="title-wrapper">{}</div>{}</td>', classname, title, actions)


class BadgeColumn(Column):
    """A choice field shown as a coloured badge: ``ohms-badge--<prefix><stored value>`` (the
    prefix keeps one add-on's colours from clashing with another's, e.g. ``ptw-status-``)."""

    def __init__(self, name, prefix="", **kwargs):
        kwargs.setdefault("accessor", f"get_{name}_display")
        super().__init__(name, **kwargs)
        self.field_name = name
        self.prefix = prefix

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["modifier"] = f"{self.prefix}{getattr(instance, self.field_name, '')}"
        return context

    def render_cell_html(self, instance, parent_context):
        context = self.get_cell_context_data(instance, parent_context)
        value = context["value"]
        badge = format_html('<span class="ohms-badge ohms-badge--{}">{}</span>', context["modifier"],
                            render_value_in_context(value, parent_context)) if value else ""
        return format_html("<td{}>{}</td>", _class_attr(self.classname), badge)


__all__ = ["BadgeColumn", "Column", "TitleColumn", "buttons_html", "icon_html"]
