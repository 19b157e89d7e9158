"""Panels (civic.panels): an app adds a section to a page it does not own; a panel with nothing
to show is left out, and a failing panel never breaks the page it sits on."""

import copy
from pathlib import Path

import pytest
from django.test import Client

from civic import panels

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(monkeypatch, settings):
    """Registrations made in a test are undone after it (the real apps' panels stay); the test
    panel's template lives beside this file."""
    monkeypatch.setattr(panels, "_panels", list(panels._panels))
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "panel_templates"]
    settings.TEMPLATES = templates
    return panels


def _console(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/console/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_registered_panel_renders_with_its_context_on_its_page(world, registered):
    registered.register_panel(
        "console", "civic/_test_panel.html", lambda request, form: {"who": request.user.username}
    )
    page = _console(world.operator)
    assert '<aside data-test-panel="operator">' in page


def test_a_panel_with_nothing_to_show_is_left_out(world, registered):
    registered.register_panel("console", "civic/_test_panel.html", lambda request, form: None)
    assert "data-test-panel" not in _console(world.operator)


def test_a_failing_panel_is_logged_and_left_out_and_the_page_still_works(world, registered, caplog):
    def broken(request, form):
        raise RuntimeError("index missing")

    registered.register_panel("console", "civic/_test_panel.html", broken)
    registered.register_panel(
        "console", "civic/_test_panel.html", lambda request, form: {"who": "second"}
    )
    page = _console(world.operator)
    assert '<aside data-test-panel="second">' in page
    assert "index missing" in caplog.text


def test_panels_of_another_place_stay_off_the_page(world, registered):
    registered.register_panel(
        "unit_board", "civic/_test_panel.html", lambda request, **kw: {"who": "board"}
    )
    assert 'data-test-panel="board"' not in _console(world.operator)
