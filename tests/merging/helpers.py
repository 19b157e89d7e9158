"""Cases about one problem, reported by different residents, made through the real services."""

from cases.models import Case
from civic.models import User
from tests.cases.factories import World, case_in, file_case
from tests.factories import UserFactory

LAMP_TITLE = "多福巷路灯不亮"
LAMP_TEXT = "多福巷12号门口的路灯坏了好几天，晚上很黑，老人出门不安全。"


def reporter(n: int) -> User:
    return UserFactory(username=f"lamp-reporter-{n}")


def lamp_case(w: World, n: int, state: str = "received", **kwargs) -> Case:
    """The n-th report of the broken streetlight, by its own resident."""
    kwargs.setdefault("title", LAMP_TITLE)
    kwargs.setdefault("description", LAMP_TEXT)
    kwargs.setdefault("reporter_name", f"居民{n}")
    kwargs.setdefault("reporter_phone", f"1381234{n:04d}")
    by = kwargs.pop("by", None) or reporter(n)
    if state == "received":
        return file_case(w, by=by, **kwargs)[0]
    return case_in(w, state, by=by, **kwargs)


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)
