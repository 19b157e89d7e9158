from django import template

register = template.Library()


@register.filter
def get_item(row: dict, key: str):
    return row.get(key) if isinstance(row, dict) else None
