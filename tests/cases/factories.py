"""A small city and helpers that move a case through its life by calling the real services."""

from dataclasses import dataclass

import pytest

from cases import services
from cases.models import Case, Channel, Kind, Reply, Revisit
from civic.models import Category, Membership, Region, Unit, User
from tests.factories import RegionFactory, UnitFactory, UserFactory, category_leaf, member

Role = Membership.Role


@dataclass
class World:
    city: Region
    district: Region
    street: Region
    community: Region
    other_community: Region
    centre: Unit
    district_unit: Unit
    street_unit: Unit
    department: Unit
    other_department: Unit
    community_unit: Unit
    street_category: Category
    department_category: Category
    operator: User
    dispatcher: User
    handler: User
    other_handler: User
    street_official: User
    community_worker: User
    viewer: User
    resident: User
    other_resident: User


def build_world() -> World:
    city = RegionFactory(level=Region.Level.CITY, name="示范市")
    district = RegionFactory(level=Region.Level.DISTRICT, parent=city, name="东城区")
    street = RegionFactory(level=Region.Level.STREET, parent=district, name="东华门街道")
    community = RegionFactory(
        level=Region.Level.COMMUNITY,
        parent=street,
        name="多福巷社区",
        center_lat="39.914000",
        center_lng="116.400000",
    )
    other_street = RegionFactory(level=Region.Level.STREET, parent=district, name="景山街道")
    other_community = RegionFactory(
        level=Region.Level.COMMUNITY,
        parent=other_street,
        name="吉祥社区",
        center_lat="39.925000",
        center_lng="116.395000",
    )
    centre = UnitFactory(kind=Unit.Kind.CENTRE, name="市民热线服务中心")
    district_unit = UnitFactory(kind=Unit.Kind.DISTRICT, name="东城区政府", jurisdiction=district)
    street_unit = UnitFactory(
        kind=Unit.Kind.STREET, name="东华门街道办事处", jurisdiction=street, parent=district_unit
    )
    UnitFactory(
        kind=Unit.Kind.STREET,
        name="景山街道办事处",
        jurisdiction=other_street,
        parent=district_unit,
    )
    community_unit = UnitFactory(
        kind=Unit.Kind.COMMUNITY, name="多福巷社区居委会", jurisdiction=community
    )
    street_category = category_leaf(Category.HandlingLevel.STREET, name="占道经营")
    department_category = category_leaf(Category.HandlingLevel.DEPARTMENT, name="道路破损")
    department = UnitFactory(kind=Unit.Kind.DEPARTMENT, name="市城管委")
    department.responsible_categories.add(department_category)
    other_department = UnitFactory(kind=Unit.Kind.DEPARTMENT, name="市交通委")
    return World(
        city=city,
        district=district,
        street=street,
        community=community,
        other_community=other_community,
        centre=centre,
        district_unit=district_unit,
        street_unit=street_unit,
        department=department,
        other_department=other_department,
        community_unit=community_unit,
        street_category=street_category,
        department_category=department_category,
        operator=member(Role.OPERATOR, centre, username="operator"),
        dispatcher=member(Role.DISPATCHER, centre, username="dispatcher"),
        handler=member(Role.HANDLER, department, username="handler"),
        other_handler=member(Role.HANDLER, other_department, username="other_handler"),
        street_official=member(Role.STREET_OFFICIAL, street_unit, username="street"),
        community_worker=member(Role.COMMUNITY_WORKER, community_unit, username="community"),
        viewer=_viewer(),
        resident=UserFactory(username="resident", home_region=community),
        other_resident=UserFactory(username="resident2", home_region=other_community),
    )


def _viewer() -> User:
    leaders = UnitFactory(kind=Unit.Kind.DISTRICT, name="区领导")
    return member(Role.VIEWER, leaders, username="viewer")


@pytest.fixture
def world(db) -> World:
    return build_world()


def file_case(
    w: World, *, by: User | None = None, category: Category | None = None, **kwargs
) -> tuple[Case, str]:
    created = services.case_create(
        actor=by if by is not None else w.resident,
        channel=kwargs.pop("channel", Channel.WEB),
        kind=kwargs.pop("kind", Kind.COMPLAINT),
        category=category or w.department_category,
        title=kwargs.pop("title", "小区门口道路塌陷"),
        description=kwargs.pop("description", "多福巷12号门口路面塌陷一个大坑，晚上很危险。"),
        region=kwargs.pop("region", w.community),
        reporter_name=kwargs.pop("reporter_name", "张三"),
        reporter_phone=kwargs.pop("reporter_phone", "13812345678"),
        address=kwargs.pop("address", "多福巷12号3单元"),
        **kwargs,
    )
    return created.case, created.access_code


def case_in(w: World, state: str, **kwargs) -> Case:
    """A case brought to `state` through the real services."""
    case, _code = file_case(w, **kwargs)
    if state == "received":
        return case
    case = services.case_dispatch(actor=w.dispatcher, case=case, lead_unit=w.department)
    if state == "dispatched":
        return case
    case = services.case_sign(actor=w.handler, case=case)
    if state == "signed":
        return case
    case = services.case_contact(actor=w.handler, case=case, note="已电话联系")
    if state == "in_progress":
        return case
    services.case_reply(
        actor=w.handler, case=case, text="已修复路面。", result=Reply.Result.RESOLVED
    )
    case.refresh_from_db()
    if state == "replied":
        return case
    services.revisit_record(
        actor=w.operator,
        case=case,
        contacted=True,
        resolved=True,
        satisfaction=Revisit.Satisfaction.SATISFIED,
        method=Revisit.Method.PHONE,
    )
    case.refresh_from_db()
    assert state == "closed", state
    return case
