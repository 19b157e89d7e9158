"""Who may do what with themes and proactive suggestions (object-level, never is_staff)."""

from civic import roles
from civic.roles import HANDLING_ROLES, Role


def is_centre(user) -> bool:
    """The hotline centre: operators and dispatchers (and the city administrator)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or roles.is_centre_staff(user))
    )


def can_manage_themes(user) -> bool:
    """Promote a hot topic, edit, activate and close a theme: dispatchers and administrators."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or roles.has_role(user, Role.DISPATCHER))
    )


def theme_unit_ids(theme) -> set[int]:
    return {theme.lead_unit_id, *theme.co_units.values_list("id", flat=True)}


def can_mark_milestone(user, theme) -> bool:
    if can_manage_themes(user):
        return True
    return bool(roles.unit_ids_of(user, HANDLING_ROLES) & theme_unit_ids(theme))


def can_decide_suggestion(user, suggestion) -> bool:
    """A dispatcher, or a handler of the suggested unit."""
    if can_manage_themes(user):
        return True
    return (
        suggestion.suggested_unit_id is not None
        and suggestion.suggested_unit_id in roles.unit_ids_of(user, HANDLING_ROLES)
    )
