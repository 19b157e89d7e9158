from django.conf import settings

from .roles import primary_role, roles_of


def navigation(request):
    """Role-based navigation and site-wide values. One cheap query for the unread badge."""
    user = getattr(request, "user", None)
    common = {"HOTLINE_NAME": settings.HOTLINE_NAME, "MAP_TILE_URL": settings.MAP_TILE_URL}
    if user is None or not user.is_authenticated:
        return {"civic_role": "anonymous", "civic_roles": set(), **common}
    return {
        "civic_role": primary_role(user),
        "civic_roles": roles_of(user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        **common,
    }
