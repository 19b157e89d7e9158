"""factory_boy factories for the city structure. App factories live beside them
(tests/cases/factories.py …) and build state through services where a workflow is involved."""

import factory
from factory.django import DjangoModelFactory

from civic.models import Category, Membership, Region, Unit, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pass-1234-word")


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:05d}")
    name = factory.Sequence(lambda n: f"地区{n}")
    level = Region.Level.CITY
    parent = None


def region_chain() -> dict[str, Region]:
    """city → district → street → community → grid, linked."""
    city = RegionFactory(level=Region.Level.CITY, name="北京市")
    district = RegionFactory(level=Region.Level.DISTRICT, parent=city, name="东城区")
    street = RegionFactory(level=Region.Level.STREET, parent=district, name="东华门街道")
    community = RegionFactory(level=Region.Level.COMMUNITY, parent=street, name="多福巷社区")
    grid = RegionFactory(level=Region.Level.GRID, parent=community, name="第一网格")
    return {
        "city": city,
        "district": district,
        "street": street,
        "community": community,
        "grid": grid,
    }


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    level = 1
    parent = None
    handling_level = Category.HandlingLevel.DEPARTMENT


def category_leaf(handling_level: str = Category.HandlingLevel.DEPARTMENT, **kwargs) -> Category:
    top = CategoryFactory(level=1, name="城乡建设")
    mid = CategoryFactory(level=2, parent=top, name="市政管理")
    return CategoryFactory(
        level=3,
        parent=mid,
        name=kwargs.pop("name", "道路维修"),
        handling_level=handling_level,
        **kwargs,
    )


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.DEPARTMENT


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.HANDLER


def member(role: str, unit: Unit | None = None, **user_kwargs) -> User:
    """A user holding `role` in `unit` (a fresh unit of a fitting kind when not given)."""
    if unit is None:
        kind = {
            Membership.Role.OPERATOR: Unit.Kind.CENTRE,
            Membership.Role.DISPATCHER: Unit.Kind.CENTRE,
            Membership.Role.STREET_OFFICIAL: Unit.Kind.STREET,
            Membership.Role.COMMUNITY_WORKER: Unit.Kind.COMMUNITY,
        }.get(role, Unit.Kind.DEPARTMENT)
        unit = UnitFactory(kind=kind)
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, unit=unit, role=role)
    return user
