"""The filing page at city scale (issue 27): its long pickers (every leaf category, every
community) are built once per process and written without the template engine, yet say the
same as Django's own select templates; showing the form writes nothing."""

import pytest
from django import forms as django_forms
from django.test import Client

from cases import forms
from civic.models import Category, Region
from tests.factories import CategoryFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _template_rendered(bound, widget_class) -> str:
    """The field as Django's select templates write it."""
    fast = bound.field.widget
    slow = widget_class(attrs=fast.attrs, choices=fast.choices)
    slow.is_required = fast.is_required
    return bound.as_widget(widget=slow)


def test_pickers_write_what_djangos_select_templates_write(world):
    CategoryFactory(level=3, parent=world.street_category.parent, name='井盖 <"破损"> & 缺失')
    form = forms.CaseFileForm(initial={"region": world.community.pk})
    for name in ("category", "region"):
        html = str(form[name])
        assert html == _template_rendered(form[name], django_forms.Select)
    assert "selected>多福巷社区</option>" in str(form["region"])
    assert "井盖 &lt;&quot;破损&quot;&gt; &amp; 缺失" in str(form["category"])
    dispatch = forms.DispatchForm(
        data={"co_units": [str(world.department.pk), str(world.other_department.pk)]}
    )
    html = str(dispatch["co_units"])
    assert html == _template_rendered(dispatch["co_units"], django_forms.SelectMultiple)
    assert html.count(" selected>") == 2 and " multiple" in html


def test_the_filing_page_reads_the_pickers_once_then_not_at_all(world, django_assert_num_queries):
    client = Client()
    first = client.get("/cases/new/")
    assert first.status_code == 200
    body = first.content.decode()
    assert world.street_category.name in body and world.other_community.name in body
    # Anonymous, second view: no query at all (no picker read, no session written).
    with django_assert_num_queries(0):
        again = client.get("/cases/new/")
    assert again.content.decode().count("<option") == body.count("<option")


def test_an_edited_category_or_community_shows_on_the_next_page(world):
    client = Client()
    client.get("/cases/new/")
    leaf = world.street_category
    leaf.name = "占道经营（改名）"
    leaf.save()
    RegionFactory(level=Region.Level.COMMUNITY, parent=world.street, name="新建社区")
    body = client.get("/cases/new/").content.decode()
    assert "占道经营（改名）" in body and "新建社区" in body
    Category.objects.filter(pk=leaf.pk).delete()
    assert "占道经营（改名）" not in client.get("/cases/new/").content.decode()


def test_showing_the_form_writes_no_session_and_a_double_click_still_files_once(world):
    client = Client()
    page = client.get("/cases/new/")
    assert "case_form_tokens" not in client.session
    token = page.context["form_token"]
    data = {
        "kind": "complaint",
        "category": world.street_category.pk,
        "title": "路灯不亮",
        "description": "小区门口的路灯一周没亮。",
        "region": world.community.pk,
        "reporter_phone": "13800000000",
        "form_token": token,
    }
    from cases.models import Case

    before = Case.objects.count()
    assert client.post("/cases/new/", data).status_code == 302
    assert client.post("/cases/new/", data).status_code == 302
    assert Case.objects.count() == before + 1
    assert page.context["form_token"] != client.get("/cases/new/").context["form_token"]
