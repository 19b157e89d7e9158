from tests.cases.factories import world  # noqa: F401  (fixture)
