from civic import roles


def can_see_router_feedback(user) -> bool:
    """The hotline centre, leaders (viewers) and city administrators."""
    return bool(
        user.is_authenticated
        and (roles.is_centre_staff(user) or roles.is_viewer(user) or roles.is_city_admin(user))
    )
