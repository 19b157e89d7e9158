"""Roles and object-level predicates (django-rules).

A role is never `is_staff`: it is a Membership (user × unit × role). Predicates here answer
"may this user act as X", and app-level rules (cases/rules.py, council/rules.py) combine them
with the object at hand (the case's assigned units, the meeting's community).
"""

from __future__ import annotations

from collections.abc import Iterable

import rules

from .models import Membership, Unit, User

Role = Membership.Role

# The roles that work inside the hotline centre.
CENTRE_ROLES = (Role.OPERATOR, Role.DISPATCHER)
# The roles that handle cases for a unit.
HANDLING_ROLES = (Role.HANDLER, Role.STREET_OFFICIAL, Role.COMMUNITY_WORKER)


def _memberships(user: User) -> list[Membership]:
    """Active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_civic_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, active=True, unit__active=True).select_related(
                "unit"
            )
        )
        user._civic_memberships = cached
    return cached


def roles_of(user: User) -> set[str]:
    return {m.role for m in _memberships(user)}


def units_of(user: User, roles: Iterable[str] | None = None) -> list[Unit]:
    wanted = set(roles) if roles is not None else None
    seen: dict[int, Unit] = {}
    for m in _memberships(user):
        if wanted is None or m.role in wanted:
            seen.setdefault(m.unit_id, m.unit)
    return list(seen.values())


def unit_ids_of(user: User, roles: Iterable[str] | None = None) -> set[int]:
    return {u.id for u in units_of(user, roles)}


def has_role(user: User, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def forget_memberships(user: User) -> None:
    """Drop the per-request cache after memberships change."""
    if hasattr(user, "_civic_memberships"):
        del user._civic_memberships


def primary_role(user: User) -> str:
    """The role whose navigation the user sees first. Residents have no membership."""
    order = [
        Role.DISPATCHER,
        Role.OPERATOR,
        Role.STREET_OFFICIAL,
        Role.HANDLER,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.VIEWER,
    ]
    mine = roles_of(user)
    for role in order:
        if role in mine:
            return role
    return "resident"


@rules.predicate
def is_operator(user) -> bool:
    return has_role(user, Role.OPERATOR)


@rules.predicate
def is_dispatcher(user) -> bool:
    return has_role(user, Role.DISPATCHER)


@rules.predicate
def is_centre_staff(user) -> bool:
    return has_role(user, *CENTRE_ROLES)


@rules.predicate
def is_handler(user) -> bool:
    return has_role(user, *HANDLING_ROLES)


@rules.predicate
def is_street_official(user) -> bool:
    return has_role(user, Role.STREET_OFFICIAL)


@rules.predicate
def is_community_worker(user) -> bool:
    return has_role(user, Role.COMMUNITY_WORKER)


@rules.predicate
def is_viewer(user) -> bool:
    return has_role(user, Role.VIEWER)


@rules.predicate
def is_city_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


@rules.predicate
def is_member_of_unit(user, unit) -> bool:
    return unit is not None and unit.id in unit_ids_of(user)


rules.add_perm("civic.view_structure", rules.is_authenticated)
rules.add_perm("civic.manage_structure", is_city_admin)
