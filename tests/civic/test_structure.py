import pytest

from civic import roles
from civic.models import Membership, Region, Unit
from tests.factories import UnitFactory, UserFactory, member, region_chain

pytestmark = pytest.mark.django_db


def test_region_path_makes_subtree_queries():
    chain = region_chain()
    inside = Region.objects.filter(path__startswith=chain["street"].path)
    assert set(inside) == {chain["street"], chain["community"], chain["grid"]}
    assert chain["grid"].street == chain["street"]
    assert chain["community"].district == chain["district"]


def test_unit_peer_group_follows_kind():
    assert UnitFactory(kind=Unit.Kind.TOWNSHIP).peer_group == Unit.PeerGroup.STREETS
    assert UnitFactory(kind=Unit.Kind.ENTERPRISE).peer_group == Unit.PeerGroup.ENTERPRISES
    assert UnitFactory(kind=Unit.Kind.DEPARTMENT).peer_group == Unit.PeerGroup.DEPARTMENTS


def test_roles_come_from_memberships_not_staff_flag():
    staff_resident = UserFactory(is_staff=True)
    dispatcher = member(Membership.Role.DISPATCHER)
    assert roles.primary_role(staff_resident) == "resident"
    assert roles.primary_role(dispatcher) == Membership.Role.DISPATCHER
    assert roles.is_dispatcher(dispatcher)
    assert not roles.is_dispatcher(staff_resident)


def test_inactive_membership_grants_nothing():
    handler = member(Membership.Role.HANDLER)
    Membership.objects.filter(user=handler).update(active=False)
    roles.forget_memberships(handler)
    assert not roles.is_handler(handler)
