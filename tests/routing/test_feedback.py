"""Learning from dispatchers: every first dispatch records the router's suggestion beside the
dispatcher's choice; the centre reads per month and category how often it was shown, taken and
right; retraining adds dispatched cases and promotes a model only if it is not worse; any kept
version can be rolled back to. The unit suggestion says which rule picked it."""

import datetime as dt
import json
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from cases import services as case_services
from cases.models import CaseEvent
from civic.models import Unit
from routing import classifier as M
from routing import registry
from routing import services as S
from routing.models import DispatchFeedback
from routing.tasks import retrain_router
from tests.cases.factories import file_case
from tests.factories import CategoryFactory, UnitFactory
from tests.routing.test_router import fixture_csv, fixture_examples

TRAFFIC = ("公交车站点设置不合理", "公交车经常晚点，线路站点设置不合理，乘客等车时间太长")
SCHOOL = ("学校乱收费", "学校以资料费名义向学生收费，家长负担很重")


@pytest.fixture
def tree(world):
    """Leaves under two of the fixture model's first levels, each with a responsible unit."""
    traffic_top = CategoryFactory(level=1, name="交通运输")
    traffic = CategoryFactory(
        level=3, parent=CategoryFactory(level=2, parent=traffic_top, name="公共交通"), name="公交"
    )
    school_top = CategoryFactory(level=1, name="教育文体")
    school = CategoryFactory(
        level=3, parent=CategoryFactory(level=2, parent=school_top, name="教育"), name="收费"
    )
    transport_unit = UnitFactory(kind=Unit.Kind.DEPARTMENT, name="市交通委员会")
    transport_unit.responsible_categories.add(traffic)
    education_unit = UnitFactory(kind=Unit.Kind.DEPARTMENT, name="市教委")
    education_unit.responsible_categories.add(school)
    return {
        "traffic": traffic,
        "traffic_top": traffic_top,
        "school": school,
        "school_top": school_top,
        "transport_unit": transport_unit,
        "education_unit": education_unit,
    }


@pytest.fixture
def shown(settings, router_model):
    settings.ROUTER_CONFIDENCE_THRESHOLD = 0.0  # every suggestion is shown
    return router_model


def _file(world, category, text):
    case, _code = file_case(world, category=category, title=text[0], description=text[1])
    return case


# --- the record at dispatch ---------------------------------------------------------------------


def test_dispatch_page_records_the_suggestion_the_dispatcher_saw(client, world, tree, shown):
    case = _file(world, tree["traffic"], TRAFFIC)
    client.force_login(world.dispatcher)
    page = client.get(f"/dispatch/case/{case.number}/").content.decode()
    assert "交通运输" in page and "市交通委员会" in page  # the suggestion and its unit
    assert 'data-router-rule="responsible"' in page
    response = client.post(
        f"/dispatch/case/{case.number}/dispatch/", {"lead_unit": tree["transport_unit"].pk}
    )
    assert response.status_code == 302
    record = DispatchFeedback.objects.get(case=case)
    assert record.suggested_category == tree["traffic_top"]
    assert record.suggested_path[0] == "交通运输"
    assert record.shown and record.taken and record.threshold == 0.0
    assert 0 < record.confidence <= 1
    assert record.model_version == M.load(shown).version
    assert record.chosen_category == tree["traffic"]
    assert record.chosen_unit == tree["transport_unit"]
    assert record.suggested_unit == tree["transport_unit"]
    assert record.suggested_rule == "responsible"
    assert record.dispatched_by == world.dispatcher


def test_dispatcher_corrects_the_category_through_the_api(api_client, world, tree, shown):
    case = _file(world, tree["school"], TRAFFIC)  # the operator filed a bus complaint wrongly
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(
        f"/api/v1/cases/{case.number}/dispatch/",
        {"lead_unit": tree["transport_unit"].pk, "category": tree["traffic"].pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.category == tree["traffic"]
    event = CaseEvent.objects.get(case=case, action="dispatch")
    assert event.data["category"] == {"from": tree["school"].pk, "to": tree["traffic"].pk}
    record = DispatchFeedback.objects.get(case=case)
    assert record.taken and record.chosen_category == tree["traffic"]


def test_a_category_that_is_not_a_leaf_is_a_400_and_nothing_changes(api_client, world, tree, shown):
    case = _file(world, tree["school"], SCHOOL)
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(
        f"/api/v1/cases/{case.number}/dispatch/",
        {"lead_unit": tree["education_unit"].pk, "category": tree["traffic_top"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert "category" in response.json()["extra"]["fields"]
    case.refresh_from_db()
    assert case.category == tree["school"] and case.lead_unit is None
    assert not DispatchFeedback.objects.exists()


def test_without_a_model_the_dispatch_is_recorded_without_a_suggestion(
    client, world, tree, settings, tmp_path
):
    settings.ROUTER_MODEL_PATH = str(tmp_path / "none" / "router.joblib")
    settings.ROUTER_TRAIN_ON_DEMAND = False
    S.reset()
    case = _file(world, tree["school"], SCHOOL)
    client.force_login(world.dispatcher)
    client.post(f"/dispatch/case/{case.number}/dispatch/", {"lead_unit": tree["education_unit"].pk})
    record = DispatchFeedback.objects.get(case=case)
    assert record.model_version == "" and record.suggested_category is None
    assert not record.shown and not record.taken and record.confidence is None


# --- the monthly record -------------------------------------------------------------------------


def _dispatched(world, tree, text, category, unit, month_day):
    case = _file(world, category, text)
    case_services.case_dispatch(actor=world.dispatcher, case=case, lead_unit=unit)
    at = timezone.make_aware(dt.datetime.combine(month_day, dt.time(10)))
    DispatchFeedback.objects.filter(case=case).update(dispatched_at=at)
    return case


@pytest.fixture
def two_months(world, tree, shown):
    nov, oct_ = dt.date(2026, 11, 10), dt.date(2026, 10, 10)
    cases = {
        "nov_bus": _dispatched(world, tree, TRAFFIC, tree["traffic"], tree["transport_unit"], nov),
        # Filed and dispatched under schools although the text is about buses: not taken.
        "nov_bus_as_school": _dispatched(
            world, tree, TRAFFIC, tree["school"], tree["education_unit"], nov
        ),
        "nov_school": _dispatched(world, tree, SCHOOL, tree["school"], tree["education_unit"], nov),
        "oct_bus": _dispatched(world, tree, TRAFFIC, tree["traffic"], tree["transport_unit"], oct_),
    }
    # Later a re-dispatch corrects the second case to traffic: the suggestion was right.
    case_services.case_redispatch(
        actor=world.dispatcher,
        case=cases["nov_bus_as_school"],
        lead_unit=tree["transport_unit"],
        note="退回后改派",
        category=tree["traffic"],
    )
    return cases


def test_the_centre_reads_shown_taken_and_right_per_month(api_client, world, tree, two_months):
    api_client.force_authenticate(world.dispatcher)
    response = api_client.get("/api/v1/router/feedback?start=2026-10&end=2026-11")
    assert response.status_code == 200
    nov, oct_ = response.json()
    assert nov["month"] == "2026-11" and oct_["month"] == "2026-10"
    assert nov["total"]["dispatched"] == 3 and nov["total"]["shown"] == 3
    by_category = {r["category"]: r for r in nov["rows"]}
    bus = by_category["交通运输"]
    assert (bus["dispatched"], bus["shown"], bus["taken"], bus["right"]) == (2, 2, 1, 2)
    assert bus["taken_rate"] == 0.5 and bus["accuracy"] == 1.0
    school = by_category["教育文体"]
    assert (school["taken"], school["right"], school["accuracy"]) == (1, 1, 1.0)
    assert oct_["total"]["dispatched"] == 1 and oct_["rows"][0]["category"] == "交通运输"


def test_the_page_shows_the_same_figures_to_a_leader(client, world, tree, two_months):
    client.force_login(world.viewer)
    page = client.get("/router/?start=2026-10&end=2026-11")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-month="2026-11"' in html and 'data-month="2026-10"' in html
    assert "3 次派单" in html or "3 dispatches" in html
    assert f'data-category="{tree["traffic_top"].pk}"' in html


@pytest.mark.parametrize("user", ["handler", "resident"])
def test_units_and_residents_may_not_read_the_record(client, api_client, world, user):
    who = getattr(world, user)
    client.force_login(who)
    assert client.get("/router/").status_code == 403
    api_client.force_authenticate(who)
    assert api_client.get("/api/v1/router/feedback").status_code == 403
    assert api_client.get("/api/v1/router/versions").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-13", "start"),
        ("end=garbage", "end"),
        ("start=2026-11&end=2026-10", "non_field_errors"),
        ("start=2020-01&end=2026-11", "non_field_errors"),
    ],
)
def test_a_bad_month_range_is_a_400_naming_the_field(client, api_client, world, query, field):
    api_client.force_authenticate(world.dispatcher)
    response = api_client.get(f"/api/v1/router/feedback?{query}")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    client.force_login(world.dispatcher)
    assert client.get(f"/router/?{query}").status_code == 400


# --- guarded promotion, versions, rollback ------------------------------------------------------


@pytest.fixture
def registry_dir(settings, tmp_path):
    settings.ROUTER_MODEL_PATH = str(tmp_path / "router" / "router.joblib")
    settings.ROUTER_TRAIN_ON_DEMAND = False
    settings.ROUTER_RELOAD_SECONDS = 0
    S.reset()
    yield tmp_path / "router"
    S.reset()


def _candidate(f1=None):
    router = registry.train_candidate(fixture_examples(), test_size=0.25)
    if f1 is not None:  # the guard compares recorded figures: set the candidate's own
        router.metadata["metrics"]["holdout"]["macro_f1"] = f1
    return router


def test_a_worse_model_is_kept_but_not_activated_and_rollback_restores(registry_dir):
    first = registry.promote_if_not_worse(_candidate(0.9))
    assert first.promoted and first.active_version is None
    assert S.get_router().version == first.version
    assert registry.holdout_f1(registry.active_metadata()) == 0.9

    worse = registry.promote_if_not_worse(_candidate(0.8))
    assert not worse.promoted and "0.8000 < 0.9000" in worse.reason
    assert S.get_router().version == first.version  # still serving the first

    equal = registry.promote_if_not_worse(_candidate(0.9))
    assert equal.promoted and S.get_router().version == equal.version

    kept = {m["version"]: m["active"] for m in registry.versions()}
    assert kept == {first.version: False, worse.version: False, equal.version: True}

    registry.rollback()
    assert S.get_router().version == first.version
    assert [e["version"] for e in registry.history()] == [
        first.version,
        equal.version,
        first.version,
    ]


def test_real_training_records_held_out_figures_the_guard_reads(registry_dir):
    router = _candidate()
    f1 = registry.holdout_f1(router.metadata)
    assert f1 is not None and 0 <= f1 <= 1
    assert registry.promote_if_not_worse(router).promoted


def test_another_process_activating_a_model_is_noticed(registry_dir):
    a = registry.promote_if_not_worse(_candidate(0.9))
    assert S.get_router().version == a.version
    b = _candidate(0.95)
    registry.keep(b)
    # Another process's activation: the active file changes, this process is not told.
    active = S.model_path()
    shutil.copyfile(registry_dir / f"router-{b.version}.joblib", active)
    active.with_suffix(".json").write_text(json.dumps(b.metadata), encoding="utf-8")
    assert S.get_router().version == b.version


def test_router_model_command_lists_activates_and_rolls_back(registry_dir, capsys):
    a = registry.promote_if_not_worse(_candidate(0.9))
    b = registry.promote_if_not_worse(_candidate(0.91))
    call_command("router_model")
    listing = capsys.readouterr().out
    assert f"* {b.version}" in listing and f"  {a.version}" in listing and "0.9100" in listing
    call_command("router_model", "--rollback")
    assert registry.active_metadata()["version"] == a.version
    call_command("router_model", "--activate", b.version)
    assert registry.active_metadata()["version"] == b.version
    with translation.override("en"), pytest.raises(CommandError, match="No kept router version"):
        call_command("router_model", "--activate", "20990101000000-deadbeef")


def test_rollback_with_nothing_earlier_is_a_clear_error(registry_dir):
    registry.promote_if_not_worse(_candidate(0.9))
    with translation.override("en"), pytest.raises(CommandError, match="no earlier"):
        call_command("router_model", "--rollback")


def test_versions_api_lists_kept_models(api_client, world, registry_dir):
    a = registry.promote_if_not_worse(_candidate(0.9))
    api_client.force_authenticate(world.dispatcher)
    rows = api_client.get("/api/v1/router/versions").json()
    assert rows == [
        {
            "version": a.version,
            "trained_at": registry.active_metadata()["trained_at"],
            "n_examples": len(fixture_examples()),
            "holdout_macro_f1": 0.9,
            "active": True,
        }
    ]


def test_monthly_retraining_adds_dispatched_cases_and_promotes_only_if_not_worse(
    world, tree, registry_dir, settings, tmp_path
):
    settings.ROUTER_TRAINING_FILES = [str(fixture_csv(tmp_path / "base.csv"))]
    bus = _file(world, tree["school"], ("地铁站台拥挤", "早高峰地铁站台拥挤，公交接驳不便"))
    case_services.case_dispatch(
        actor=world.dispatcher,
        case=bus,
        lead_unit=tree["transport_unit"],
        category=tree["traffic"],  # the dispatcher's correction is the label learnt
    )
    examples = registry.examples_with_cases(
        S.base_examples(), since=timezone.now() - dt.timedelta(days=1), limit=100
    )
    assert examples[-1] == M.Example("地铁站台拥挤", "早高峰地铁站台拥挤，公交接驳不便", "交通运输")
    assert len(examples) == len(fixture_examples()) + 1

    result = retrain_router.delay().get()
    assert result["promoted"] and registry.active_metadata()["n_examples"] == len(examples)
    # The active model now claims a perfect held-out score: the next candidate is not promoted.
    meta_path = S.model_path().with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["metrics"]["holdout"]["macro_f1"] = 1.01
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    again = retrain_router.delay().get()
    assert not again["promoted"] and again["active_version"] == result["version"]
    assert len(registry.versions()) == 2


def test_route_proposal_api_names_the_rule(api_client, world):
    case, _code = file_case(world, category=world.street_category)
    api_client.force_authenticate(world.dispatcher)
    body = api_client.get(f"/api/v1/cases/{case.number}/route-proposal/").json()
    assert body["unit"]["name"] == world.street_unit.name
    assert body["rule"] == "street" and body["basis"] == world.street.name
    assert body["rule_label"]


def test_suggest_api_adds_the_unit_and_rule_for_a_place(api_client, world, tree, router_model):
    api_client.force_authenticate(world.dispatcher)
    body = api_client.post(
        "/api/v1/router/suggest",
        {"title": TRAFFIC[0], "description": TRAFFIC[1], "region": world.community.pk},
        format="json",
    ).json()
    assert body["path"][0] == "交通运输"
    assert body["unit"] == {"id": tree["transport_unit"].pk, "name": "市交通委员会"}
    assert body["rule"] == "responsible"
