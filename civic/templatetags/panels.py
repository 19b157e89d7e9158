from django import template
from django.utils.safestring import mark_safe

from civic.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, place: str, **kwargs):
    """{% panels "console" form=form %}: the panels apps registered for this place."""
    request = context.get("request")
    if request is None:
        return ""
    # Each panel's template escapes its own values (render_to_string with autoescape).
    return mark_safe(render_panels(place, request, **kwargs))
