from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ errors|get_item:"q12" }}: a dict lookup with a computed key."""
    return (mapping or {}).get(key) or []


@register.filter
def get_value(post, key):
    return post.get(key, "") if post else ""


@register.filter
def get_list(post, key):
    return post.getlist(key) if hasattr(post, "getlist") else []


@register.filter
def rate(value):
    """A rate for display: "86.2%" or "—" when there is no data."""
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def qkey(pk):
    """The form field name of a question: "q12"."""
    return f"q{pk}"
