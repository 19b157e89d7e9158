from django.conf import settings

from .roles import primary_role, roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "civic_role": "anonymous",
            "civic_roles": set(),
            "HOTLINE_NAME": settings.HOTLINE_NAME,
        }
    return {
        "civic_role": primary_role(user),
        "civic_roles": roles_of(user),
        "HOTLINE_NAME": settings.HOTLINE_NAME,
    }
