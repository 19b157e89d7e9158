"""What moving whistles, Open311, the public side and the router out of cases/ must not change
for users, clients and operators: addresses, URL names, task names, admin links, template
overrides, content types, stored router models (docs/architecture.md, "The house")."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.template.loader import select_template
from django.urls import reverse

from civic.templates import former
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MOVED = {
    "whistles": ["whistle", "whistlesummons", "whistlelogentry", "residentwhistlerequest"],
    "open311": ["open311client", "serviceattribute", "open311request"],
    "public": ["follow", "metoo", "publictext"],
}


def test_moved_models_keep_their_tables_and_live_in_their_apps():
    for app, models in MOVED.items():
        for name in models:
            model = apps.get_model(app, name)
            assert model._meta.db_table == f"cases_{name}"
            with pytest.raises(LookupError):
                apps.get_model("cases", name)
    extra = apps.get_model("whistles", "whistle")._meta.get_field("extra_cases")
    assert extra.remote_field.through._meta.db_table == "cases_whistle_extra_cases"


def test_content_types_and_permissions_follow_the_moved_models():
    for app, models in MOVED.items():
        for name in models:
            content_type = ContentType.objects.get_for_model(apps.get_model(app, name))
            assert (content_type.app_label, content_type.model) == (app, name)
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *ContentType.objects.get(app_label="whistles", model="whistle").permission_set.all()
    )
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("whistles.view_whistle") and user.has_perm("whistles.change_whistle")


def test_url_names_and_addresses_are_unchanged():
    assert reverse("cases:whistles") == "/whistles/"
    assert reverse("cases:whistle-new") == "/whistles/new/"
    assert reverse("cases:whistle-detail", args=["7"]) == "/whistles/7/"
    assert reverse("cases:reply_templates", args=["X1"]) == "/reply-templates/X1.json"
    assert reverse("cases_public:list") == "/public/cases/"
    assert reverse("cases_public:feed", args=["110101"]) == "/public/feed/110101/"
    assert reverse("open311:requests", kwargs={"fmt": "json"}) == "/open311/v2/requests.json"
    assert reverse("api-whistles") == "/api/v1/whistles/"
    assert reverse("router-suggest") == "/api/v1/router/suggest"


def test_old_admin_addresses_of_moved_models_redirect_to_their_new_place(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get("/admin/cases/open311client/?q=app")
    assert response.status_code == 301
    assert response["Location"] == "/admin/open311/open311client/?q=app"
    response = client.get("/admin/cases/whistle/3/change/")
    assert response["Location"] == "/admin/whistles/whistle/3/change/"
    assert client.get("/admin/cases/whistle/", follow=True).status_code == 200
    # Models that stayed in cases are not redirected.
    assert client.get("/admin/cases/case/").status_code == 200


def test_periodic_task_names_are_unchanged():
    from civic.celery import app

    app.loader.import_default_modules()
    assert "cases.tasks_whistle.sweep_whistles" in app.tasks
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(app.tasks)


def test_a_deployment_override_under_a_former_template_name_still_wins(tmp_path, settings):
    old = tmp_path / "cases" / "whistles"
    old.mkdir(parents=True)
    (old / "board.html").write_text("overridden board")
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    names = former("whistles/board.html", "cases/whistles/board.html")
    assert select_template(names).render({}) == "overridden board"
    # Without an override the app's own template is used.
    names = former("whistles/request_new.html", "cases/whistles/request_new.html")
    assert select_template(names).origin.name.endswith("templates/whistles/request_new.html")


def test_router_artefacts_pickled_under_the_former_module_names_still_load(tmp_path):
    """Models trained before the move name their classes cases.routing.model.*; loading one
    must not need a retraining."""
    import joblib

    from routing import classifier

    class_name = "KeywordMatch"
    assert hasattr(classifier, class_name)
    # A pickle that names the class by its former module, as an old artefact does.
    original = getattr(classifier, class_name).__module__
    try:
        getattr(classifier, class_name).__module__ = "cases.routing.model"
        sys.modules["cases.routing.model"] = classifier
        payload = {
            "format": classifier.FORMAT,
            "estimator": classifier.KeywordMatch(),
            "metadata": {},
        }
        joblib.dump(payload, tmp_path / "old.joblib")
    finally:
        getattr(classifier, class_name).__module__ = original
        for name in ("cases.routing.model", "cases.routing.text", "cases.routing"):
            sys.modules.pop(name, None)
    assert b"cases.routing.model" in (tmp_path / "old.joblib").read_bytes()
    loaded = classifier.load(tmp_path / "old.joblib")
    assert isinstance(loaded.estimator, classifier.KeywordMatch)


def _relabel(from_label: str, to_label: str, models: list[str]) -> None:
    from django.db import connection

    from civic.migration_ops import move_content_types

    # The operation reads only the editor's connection; SQLite's real schema editor cannot open
    # inside a test's transaction.
    operation = move_content_types(from_label, to_label, models)
    operation.code(apps, SimpleNamespace(connection=connection))


def test_content_types_are_relabelled_in_place_keeping_their_ids():
    old = ContentType.objects.create(app_label="cases", model="ghost")
    _relabel("cases", "whistles", ["ghost"])
    moved = ContentType.objects.get(pk=old.pk)
    assert (moved.app_label, moved.model) == ("whistles", "ghost")
    _relabel("whistles", "cases", ["ghost"])  # unapplying moves it back
    assert ContentType.objects.get(pk=old.pk).app_label == "cases"


def test_a_content_type_made_early_under_the_new_label_is_merged_not_duplicated():
    """New code asked for whistles.whistle before the migration ran: permissions given on the
    old content type, and the admin's log, move across instead of being stranded."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import Group, Permission

    new = ContentType.objects.get(app_label="whistles", model="whistle")
    old = ContentType.objects.create(app_label="cases", model="whistle")
    old_view = Permission.objects.create(content_type=old, codename="view_whistle", name="v")
    old_custom = Permission.objects.create(content_type=old, codename="blow_whistle", name="b")
    user = UserFactory(is_staff=True)
    user.user_permissions.add(old_view)
    group = Group.objects.create(name="streets")
    group.permissions.add(old_custom)
    user.groups.add(group)
    entry = LogEntry.objects.create(
        user=user, content_type=old, object_id="1", object_repr="w", action_flag=CHANGE
    )

    _relabel("cases", "whistles", ["whistle"])

    assert not ContentType.objects.filter(pk=old.pk).exists()
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("whistles.view_whistle")  # onto the existing twin
    assert user.has_perm("whistles.blow_whistle")  # moved across with its group
    assert Permission.objects.filter(content_type=new, codename="view_whistle").count() == 1
    assert LogEntry.objects.get(pk=entry.pk).content_type_id == new.pk
