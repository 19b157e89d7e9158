"""The every-surface benchmark (bench/surfaces_bench.py) covers the whole URLconf: every route
that may answer a GET is measured or excluded with its reason, so a new page cannot escape the
table. Checked here from the bench's data, without measuring anything."""

from bench import surfaces_bench as bench


def test_every_reachable_route_is_measured_or_excluded_with_a_reason():
    missing = bench.missing_routes()
    assert missing == [], (
        "measure these routes in bench/surfaces_bench.py SURFACES or add them to EXCLUDED "
        f"with a reason: {missing}"
    )


def test_every_measured_path_resolves_to_the_route_it_names():
    assert bench.unresolved_surfaces() == []


def test_every_registered_model_admin_has_its_changelist_measured():
    from django.contrib import admin

    measured = {s.path for s in bench.all_surfaces() if s.group == bench.ADMIN}
    for model in admin.site._registry:
        assert f"/admin/{model._meta.app_label}/{model._meta.model_name}/" in measured


def test_an_unlisted_route_is_reported_missing(monkeypatch):
    # The check can fail: drop one measured page and it is named.
    kept = [s for s in bench.SURFACES if s.route != "cases:inbox"]
    monkeypatch.setattr(bench, "SURFACES", kept)
    assert bench.missing_routes() == ["cases:inbox"]


def test_exclusions_name_routes_that_exist():
    reachable = set(bench.reachable_routes())
    # The media route exists only with DEBUG on.
    stale = {k for k in bench.EXCLUDED if k not in reachable and not k.startswith("^media/")}
    assert stale == set(), f"excluded routes no longer in the URLconf: {sorted(stale)}"
