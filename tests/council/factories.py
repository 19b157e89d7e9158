"""Council test state, built through the services (never hand-made rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from civic.models import Membership, Region, Unit, User
from council import services
from council.models import Meeting, Party
from tests.factories import RegionFactory, UnitFactory, UserFactory, member, region_chain


@dataclass
class CouncilWorld:
    community: Region
    other_community: Region
    street: Region
    worker: User
    other_worker: User
    street_official: User
    resident: User
    other_resident: User
    admin: User


def council_world() -> CouncilWorld:
    chain = region_chain()
    other = RegionFactory(level=Region.Level.COMMUNITY, parent=chain["street"], name="东厂社区")
    unit = UnitFactory(
        kind=Unit.Kind.COMMUNITY, jurisdiction=chain["community"], name="多福巷社区居委会"
    )
    other_unit = UnitFactory(kind=Unit.Kind.COMMUNITY, jurisdiction=other, name="东厂社区居委会")
    street_unit = UnitFactory(
        kind=Unit.Kind.STREET, jurisdiction=chain["street"], name="东华门街道办事处"
    )
    return CouncilWorld(
        community=chain["community"],
        other_community=other,
        street=chain["street"],
        worker=member(Membership.Role.COMMUNITY_WORKER, unit, username="worker"),
        other_worker=member(Membership.Role.COMMUNITY_WORKER, other_unit, username="otherworker"),
        street_official=member(Membership.Role.STREET_OFFICIAL, street_unit, username="street"),
        resident=UserFactory(username="resident", home_region=chain["community"]),
        other_resident=UserFactory(username="otherresident", home_region=other),
        admin=UserFactory(username="admin", is_superuser=True, is_staff=True),
    )


def planned_meeting(w: CouncilWorld, *, notice: bool = True, **kwargs) -> Meeting:
    meeting = services.meeting_plan(
        actor=w.worker,
        community=kwargs.pop("community", w.community),
        title=kwargs.pop("title", "楼道堆物清理议事"),
        # Half an hour ahead: a meeting about to take place, which starts without the
        # early-start confirmation (services.HOLD_EARLY_MARGIN); pass starts_at for others.
        starts_at=kwargs.pop("starts_at", timezone.now() + timedelta(minutes=30)),
        place=kwargs.pop("place", "多福巷5号院"),
        format=kwargs.pop("format", Meeting.Format.COURTYARD),
        notice=kwargs.pop("notice_text", "请各方代表准时参加。"),
    )
    if notice:
        services.meeting_publish_notice(actor=w.worker, meeting=meeting)
    return meeting


FIVE_PARTIES = [
    (Party.RESIDENTS_COMMITTEE, "王主任"),
    (Party.OWNERS_COMMITTEE, "李主任"),
    (Party.RESIDENTS, "张大爷"),
    (Party.PROPERTY_COMPANY, "赵经理"),
    (Party.LOCAL_UNITS, "刘校长"),
]


def held_meeting(w: CouncilWorld, *, invited: int = 5, attending: int = 5, **kwargs) -> Meeting:
    """A held meeting with `invited` participants, the first `attending` of them present."""
    meeting = planned_meeting(w, **kwargs)
    people = []
    for i in range(invited):
        party, name = FIVE_PARTIES[i % 5]
        people.append(
            services.participant_invite(
                actor=w.worker, meeting=meeting, party=party, name=f"{name}{i}"
            )
        )
    services.meeting_hold(actor=w.worker, meeting=meeting)
    services.attendance_record(
        actor=w.worker, meeting=meeting, attended_ids=[p.id for p in people[:attending]]
    )
    meeting.refresh_from_db()
    return meeting
