"""Object permissions for the council, by community.

A community worker manages the meetings of the communities their units govern (Unit.kind
community, `jurisdiction` = the meeting's Region). A resident belongs to `User.home_region`.
"""

from __future__ import annotations

import rules

from civic.models import Unit
from civic.roles import Role, is_city_admin, units_of


def worker_community_ids(user) -> set[int]:
    return {
        u.jurisdiction_id
        for u in units_of(user, [Role.COMMUNITY_WORKER])
        if u.kind == Unit.Kind.COMMUNITY and u.jurisdiction_id
    }


def street_region_paths(user) -> list[str]:
    """Street officials read (never write) the council records of communities under them."""
    return [
        u.jurisdiction.path
        for u in units_of(user, [Role.STREET_OFFICIAL])
        if u.jurisdiction_id is not None
    ]


def _community_id(obj) -> int | None:
    if obj is None:
        return None
    return getattr(obj, "community_id", None) or getattr(obj, "id", None)


@rules.predicate
def is_worker_of_community(user, obj) -> bool:
    """obj: a Meeting, a Proposal or a community Region."""
    cid = _community_id(obj)
    return cid is not None and cid in worker_community_ids(user)


@rules.predicate
def is_resident_of_community(user, obj) -> bool:
    cid = _community_id(obj)
    return (
        cid is not None and getattr(user, "is_authenticated", False) and user.home_region_id == cid
    )


@rules.predicate
def is_street_above(user, meeting) -> bool:
    if meeting is None:
        return False
    path = meeting.community.path
    return any(path.startswith(p) for p in street_region_paths(user))


@rules.predicate
def notice_is_public(user, meeting) -> bool:
    return meeting is not None and meeting.notice_published_at is not None


@rules.predicate
def minutes_are_public(user, meeting) -> bool:
    return meeting is not None and meeting.minutes_public


can_manage_meeting = is_city_admin | is_worker_of_community
can_view_meeting = (
    can_manage_meeting
    | is_street_above
    | (is_resident_of_community & (notice_is_public | minutes_are_public))
)
can_view_minutes = can_manage_meeting | (
    (is_street_above | is_resident_of_community) & minutes_are_public
)
# A proposal is made for one's own community (obj: the community Region).
can_propose = is_resident_of_community | is_worker_of_community
can_decide_proposal = is_city_admin | is_worker_of_community


@rules.predicate
def can_view_proposal(user, proposal) -> bool:
    return proposal is not None and (
        proposal.author_id == getattr(user, "id", None) or can_decide_proposal.test(user, proposal)
    )


rules.add_perm("council.manage_meeting", can_manage_meeting)
rules.add_perm("council.view_minutes", can_view_minutes)
rules.add_perm("council.decide_proposal", can_decide_proposal)
