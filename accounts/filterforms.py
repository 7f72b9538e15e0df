"""The form behind the filter bar of long lists, drawn without the template engine's per-option
cost.

Django draws a `<select>` by including one template per `<option>` (and one more for its
attributes): on the issue list's filter bar, with its units, categories and streets, that
was most of the page's time (bench/REMARKS.md). Here selects and inputs are written in Python with
the same markup and escaping; every other widget goes through the templates as usual. Model
choices are read once as (id, name) rows instead of through a server-side cursor of whole
objects each time the field is drawn.
"""

from html import escape

import django_filters
from django import forms
from django.forms.renderers import get_default_renderer
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe

INPUT_TEMPLATES = {f"django/forms/widgets/{name}.html" for name in (
    "input", "text", "number", "date", "datetime", "email", "search", "tel", "url", "time",
    "hidden")}
SELECT_TEMPLATE = "django/forms/widgets/select.html"


def _esc(value):
    """Django's `conditional_escape` without its lazy-string wrapper, which cost more than
    the escaping itself for the few hundred options of a filter bar: safe strings as they
    are, everything else through `html.escape` (what Django's `escape` calls)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs):
    out = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        if value is True:
            out.append(f" {_esc(name)}")
        else:
            out.append(f' {_esc(name)}="{_esc(str(value))}"')
    return "".join(out)


def _input(widget):
    value = widget["value"]
    shown = "" if value is None else f' value="{_esc(str(value))}"'
    return mark_safe(f'<input type="{_esc(widget["type"])}" '
                     f'name="{_esc(widget["name"])}"{shown}'
                     f'{_attrs(widget["attrs"])}>')


def _select(widget):
    parts = [f'<select name="{_esc(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{_esc(group_name)}">')
        for option in options:
            parts.append(f'<option value="{_esc(str(option["value"]))}"'
                         f'{_attrs(option["attrs"])}>{_esc(option["label"])}'
                         "</option>")
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))


class FastWidgetRenderer:
    """The project's form renderer, with selects and plain inputs written directly."""

    def __init__(self, base=None):
        self.base = base or get_default_renderer()

    def __getattr__(self, name):
        if name == "base":  # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.base, name)

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            return _select(context["widget"])
        if template_name in INPUT_TEMPLATES:
            return _input(context["widget"])
        return self.base.render(template_name, context, request=request)


class FilterForm(forms.Form):
    """Base form of list filter sets (`Meta.form`)."""

    # A yes/no filter left alone filters nothing: it reads 全部 (Django's says 未知).
    YES_NO_ALL = (("unknown", "全部"), ("true", "是"), ("false", "否"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("renderer", FastWidgetRenderer())
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.NullBooleanSelect):
                field.widget.choices = self.YES_NO_ALL
            if isinstance(field, forms.ModelChoiceField) and not isinstance(
                    field, forms.ModelMultipleChoiceField):
                # ModelChoiceField returns `_choices` when set (validation still uses the
                # queryset); the choices setter of django-filter would wrap them again.
                field._choices = field.widget.choices = LazyModelChoices(field)


class LazyModelChoices(BaseChoiceIterator):
    """Read when the field is drawn (never for the API, which only validates), then kept."""

    def __init__(self, field):
        self.field = field
        self.rows = None

    def __iter__(self):
        if self.rows is None:
            self.rows = model_choices(self.field)
        return iter(self.rows)


def model_choices(field):
    """The field's choices as (id, label) read in one plain query, in the queryset's order:
    only id and name when the model's label is its name."""
    queryset = field.queryset
    choices = [("", field.empty_label)] if field.empty_label is not None else []
    if getattr(field, "null_label", None) is not None:
        choices.append((field.null_value, field.null_label))
    if _label_is_name(field):
        return choices + list(queryset.values_list("pk", "name"))
    return choices + [(obj.pk, field.label_from_instance(obj)) for obj in queryset]


def _label_is_name(field):
    model = field.queryset.model
    code = getattr(model.__str__, "__code__", None)
    return (type(field).label_from_instance is forms.ModelChoiceField.label_from_instance
            and code is not None and code.co_names == ("name",))


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering choices in Chinese: "发现时间（倒序）", not "(descending)",
    which django-filter leaves untranslated."""

    descending_fmt = "%s（倒序）"

    def __init__(self, *args, **kwargs):
        # Not the lists' 全部 (FILTERS_EMPTY_CHOICE_LABEL): an order left alone is the list's own.
        kwargs.setdefault("empty_label", "默认排序")
        super().__init__(*args, **kwargs)
