# The fixture router (trained once per session on a tiny labelled set) for every routing test.
from tests.routing.test_router import fixture_model_path, router_model  # noqa: F401
