import pytest

from tests.council.factories import CouncilWorld, council_world


@pytest.fixture
def cw(db) -> CouncilWorld:
    return council_world()
