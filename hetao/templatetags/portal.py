"""Template helpers of the portal pages: Bootstrap form fields and small formatting filters."""

from datetime import timedelta

from django import template

register = template.Library()

_CHECK_WIDGETS = {"checkbox", "radioselect", "checkboxselectmultiple"}


def _widget_class(field) -> str:
    kind = field.widget_type
    if kind in _CHECK_WIDGETS:
        return "form-check-input"
    if kind in {"select", "selectmultiple", "nullbooleanselect"}:
        return "form-select"
    return "form-control"


@register.simple_tag
def widget(field, **attrs):
    """Render a bound field's widget with Bootstrap classes and its error state."""
    classes = [field.field.widget.attrs.get("class", ""), _widget_class(field), attrs.pop("class", "")]
    if field.errors:
        classes.append("is-invalid")
    attrs["class"] = " ".join(c for c in classes if c)
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("includes/form_field.html")
def form_field(field):
    """A labelled field with its help text and errors, linked for screen readers."""
    kind = field.widget_type
    return {
        "field": field,
        "is_check": kind == "checkbox",
        "is_choice_list": kind in {"radioselect", "checkboxselectmultiple"},
    }


@register.filter
def total_minutes(value) -> int:
    """Whole minutes (rounded up) of a timedelta, e.g. for a lockout's remaining time."""
    if not isinstance(value, timedelta):
        return 0
    seconds = int(value.total_seconds())
    return max(0, -(-seconds // 60))


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (None removes one), for pagers and exports."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def hidden_field_errors(form) -> list[str]:
    """Errors of a form's hidden fields, which have no place of their own on the page, as "Label: message"."""
    if not hasattr(form, "hidden_fields"):
        return []
    return [f"{field.label}: {error}" for field in form.hidden_fields() for error in field.errors]
