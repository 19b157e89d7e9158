"""Issue 27: the centre's theme pages at city scale. Unit pickers are rendered once (the
proactive page) or in Python (the theme form) with the same choices; the admin's event list
reads its related rows in the page's one query."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.civic.test_admin_pages import superuser_client  # noqa: F401
from tests.themes.test_proactive import _generate, heating_history  # noqa: F401
from tests.themes.test_themes import _theme, month  # noqa: F401
from themes import services
from themes.models import ThemeEvent
from themes.selectors import unit_choices

pytestmark = pytest.mark.django_db


def _options(select_html: str) -> list[str]:
    return re.findall(r'<option value="(\d+)"', select_html)


def test_every_accept_form_offers_every_unit(client, heating_history):  # noqa: F811
    world = heating_history
    suggestions = _generate()
    assert suggestions
    client.force_login(world.dispatcher)
    body = client.get(reverse("themes:suggestions")).content.decode()
    units = [str(pk) for pk in unit_choices().values_list("pk", flat=True)]
    selects = re.findall(r'<select id="unit-(\d+)" name="unit">(.*?)</select>', body, re.S)
    assert sorted(int(pk) for pk, _html in selects) == sorted(s.pk for s in suggestions)
    for _pk, html in selects:
        assert _options(html) == units
    assert str(world.centre.pk) not in units


def test_theme_form_pickers_keep_the_theme_choices(client, world, month):  # noqa: F811
    theme = _theme(world, month)
    client.force_login(world.dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("themes:edit", args=[theme.pk])).content.decode()
    # Each picker reads the units once, as (id, name) pairs.
    assert sum('FROM "civic_unit"' in q["sql"] for q in ctx.captured_queries) <= 3
    lead = re.search(r'<select name="lead_unit"[^>]*>(.*?)</select>', body, re.S).group(1)
    co = re.search(r'<select name="co_units"[^>]*multiple>(.*?)</select>', body, re.S).group(1)
    units = [str(pk) for pk in unit_choices().values_list("pk", flat=True)]
    assert _options(lead) == _options(co) == units
    assert re.findall(r'<option value="(\d+)" selected>', lead) == [str(world.department.pk)]
    assert re.findall(r'<option value="(\d+)" selected>', co) == [str(world.street_unit.pk)]
    assert f">{world.department.name}</option>" in lead


def test_theme_event_changelist_queries_do_not_grow_with_events(superuser_client, world, month):  # noqa: F811
    theme = _theme(world, month)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = superuser_client.get("/admin/themes/themeevent/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first visit also reads what the session and the admin keep after
    few = queries()
    for title in ("复查", "回访", "总结"):
        services.milestone_add(
            actor=world.dispatcher, theme=theme, title=title, due_date=dt.date(2026, 11, 20)
        )
    assert ThemeEvent.objects.filter(theme=theme).count() >= 4
    assert queries() == few
