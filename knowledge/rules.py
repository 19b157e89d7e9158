"""Who may do what with knowledge articles (one place, used by services, views and the API)."""

from __future__ import annotations

from civic import roles


def is_editor(user) -> bool:
    """Members of a unit with a handling role, and the centre."""
    return roles.is_handler(user) or roles.is_centre_staff(user)


def can_edit_for_unit(user, unit) -> bool:
    if unit is None or not getattr(user, "is_authenticated", False):
        return False
    if roles.is_centre_staff(user):
        return True
    return unit.id in roles.unit_ids_of(user, roles.HANDLING_ROLES)


def can_edit_article(user, article) -> bool:
    return can_edit_for_unit(user, article.unit)


def can_submit_article(user, article) -> bool:
    return can_edit_for_unit(user, article.unit)


def can_review_article(user, article=None) -> bool:
    return roles.is_centre_staff(user)


def can_see_staff_pages(user) -> bool:
    """The knowledge base's inside: the centre, units' editors and leaders (viewers)."""
    return is_editor(user) or roles.is_viewer(user)


def can_see_article(user, article) -> bool:
    """Published articles to every staff member; others to their unit and the centre."""
    if article.status == "published":
        return can_see_staff_pages(user)
    return roles.is_centre_staff(user) or roles.is_viewer(user) or can_edit_article(user, article)
