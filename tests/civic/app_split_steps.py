"""The steps of tests/civic/test_app_split_migration.py that run inside Django, in a subprocess
of their own (each on the database its DATABASE_URL names, never the test database).

    python -m tests.civic.app_split_steps never-applied   # migrate straight to the old layout
    python -m tests.civic.app_split_steps split           # migrate to the split (not past it)
    python -m tests.civic.app_split_steps roll-back       # from the new layout back to the old
    python -m tests.civic.app_split_steps fill            # rows of every moved model (old layout)
    python -m tests.civic.app_split_steps read IDS        # read them back through today's models,
                                                          # then migrate --plan, makemigrations --check

Each prints one line `RESULT <json>` last on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import django

NEW_APPS = ("whistles", "open311", "public")
OLD_CASES = ("cases", "0015_assignment_case_received_at")

# Old layout: app 'cases'; new layout: the app each moved to.
MOVED = {
    "whistle": "whistles",
    "whistlesummons": "whistles",
    "whistlelogentry": "whistles",
    "residentwhistlerequest": "whistles",
    "open311client": "open311",
    "serviceattribute": "open311",
    "open311request": "open311",
    "follow": "public",
    "metoo": "public",
    "publictext": "public",
}


def _after_the_split(loader, node) -> bool:
    """Does migrating to `node` need a cases migration past 0015 (an app made after the split,
    such as routing's models)? Such an app is left unapplied at the old layout."""
    return any(
        app == "cases" and name > OLD_CASES[1] for app, name in loader.graph.forwards_plan(node)
    )


def old_targets(loader) -> list[tuple[str, str]]:
    """Every app's leaf except the three new apps (never applied), apps made after the split,
    and cases, held at 0015."""
    return sorted(
        OLD_CASES if app == "cases" else (app, name)
        for app, name in loader.graph.leaf_nodes()
        if app not in NEW_APPS and (app == "cases" or not _after_the_split(loader, (app, name)))
    )


SPLIT_MIGRATIONS = [
    ("cases", "0016_models_moved_to_their_apps"),
    *((app, "0001_initial") for app in NEW_APPS),
]


def split_targets(loader) -> list[tuple[str, str]]:
    """The new layout as the split left it: the old targets, cases at 0016 and the new apps at
    their 0001. Migrations made later (cases 0017, public 0002, ...) change the schema on
    purpose; holding them back keeps this test about the split alone."""
    return sorted(
        [t for t in old_targets(loader) if t[0] != "cases"] + SPLIT_MIGRATIONS,
    )


def migrate_to(targets) -> list[str]:
    """What `manage.py migrate` does for one app, for several targets in one plan (one state
    computation instead of one per command: ~5 s each here) with the same pre/post_migrate
    signals, so content types and permissions are made from the state reached, as the old
    code's `migrate` made them."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    pre_state = executor._create_project_state(with_applied_migrations=True)
    emit_pre_migrate_signal(0, False, connection.alias, apps=pre_state.apps, plan=plan)
    post_state = executor.migrate(targets, plan=plan, state=pre_state.clone())
    post_state.clear_delayed_apps_cache()
    emit_post_migrate_signal(0, False, connection.alias, apps=post_state.apps, plan=plan)
    return [f"{m.app_label}.{m.name}{' (back)' if back else ''}" for m, back in plan]


def never_applied() -> list[str]:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return migrate_to(old_targets(MigrationLoader(connection)))


def split() -> list[str]:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return migrate_to(split_targets(MigrationLoader(connection)))


def roll_back() -> list[str]:
    return migrate_to([(app, None) for app in NEW_APPS] + [OLD_CASES])


def fill() -> dict:
    """At the old layout, through the historical models (all in app 'cases'): one row or more
    of every moved model with real foreign keys, an extra_cases link, the content types, a
    permission given to a group, an admin log entry keyed on a moved model's content type."""
    from django.db import connection, transaction
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    apps = loader.project_state(old_targets(loader)).apps

    def model(label):
        return apps.get_model(label)

    at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    with transaction.atomic():
        region = model("civic.Region").objects.create(
            code="110105001", name="建外街道", level="street", path="110105001/"
        )
        category = model("civic.Category").objects.create(
            code="01", name="市政设施", level=1, path="01/"
        )
        Unit = model("civic.Unit")
        street = Unit.objects.create(
            code="S-JW", name="建外街道办事处", kind="street", peer_group="streets"
        )
        department = Unit.objects.create(
            code="D-CG", name="城管执法局", kind="department", peer_group="departments"
        )
        User = model("civic.User")
        official = User.objects.create(username="street-official", password="!")
        resident = User.objects.create(username="resident", password="!")
        Case = model("cases.Case")
        cases = [
            Case.objects.create(
                number=f"2026030200000{i}",
                channel="web",
                kind="complaint",
                title=f"路灯不亮 {i}",
                description="小区门口路灯坏了一周。",
                received_at=at,
                category=category,
                region=region,
                reporter=resident,
            )
            for i in (1, 2)
        ]
        event = model("cases.CaseEvent").objects.create(
            case=cases[0], at=at, action="created", to_status="received", data={"via": "web"}
        )

        whistle = model("cases.Whistle").objects.create(
            street=street,
            blown_by=official,
            blown_at=at,
            case=cases[0],
            reason="路灯长期不亮",
            place="建外街道 SOHO 北门",
            report_due_at=at + dt.timedelta(hours=2),
        )
        whistle.extra_cases.add(cases[1])
        summons = model("cases.WhistleSummons").objects.create(
            whistle=whistle, unit=department, summoned_at=at, reporters="王科长"
        )
        log = model("cases.WhistleLogEntry").objects.create(
            whistle=whistle, at=at, kind="note", text="已通知城管", author=official, unit=street
        )
        request = model("cases.ResidentWhistleRequest").objects.create(
            case=cases[1],
            resident=resident,
            street=street,
            requested_at=at,
            reason="反映多次无人处理",
            state="accepted",
            decided_at=at,
            decided_by=official,
            whistle=whistle,
        )
        pending = model("cases.ResidentWhistleRequest").objects.create(
            case=cases[0], resident=resident, street=street, requested_at=at, reason="再次申请"
        )
        client = model("cases.Open311Client").objects.create(
            name="市民 App", key_prefix="abcd1234", key_hash="f" * 64, requests_per_minute=60
        )
        attribute = model("cases.ServiceAttribute").objects.create(
            category=category,
            code="pole-number",
            datatype="string",
            description="灯杆编号",
            values=[{"key": "a", "name": "A"}],
        )
        open311 = model("cases.Open311Request").objects.create(
            token="tok-" + "1" * 20,
            case=cases[0],
            client=client,
            device_id="dev-1",
            attributes={"pole-number": "JW-17"},
        )
        follow_case = model("cases.Follow").objects.create(
            user=resident, case=cases[0], unsubscribe_token="u" * 32
        )
        follow_region = model("cases.Follow").objects.create(
            user=official, region=region, unsubscribe_token="v" * 32
        )
        me_too_user = model("cases.MeToo").objects.create(case=cases[0], user=resident)
        me_too_session = model("cases.MeToo").objects.create(case=cases[0], session_hash="s" * 64)
        public_text = model("cases.PublicText").objects.create(
            case=cases[0],
            title="路灯已修复",
            reply="已更换灯泡。",
            edited_by=official,
            edited_at=at,
        )

        # Made by post_migrate at the old layout already: got, not made twice.
        ContentType = model("contenttypes.ContentType")
        content_types = {
            name: ContentType.objects.get_or_create(app_label="cases", model=name)[0].pk
            for name in MOVED
        }
        Permission = model("auth.Permission")
        whistle_type = ContentType.objects.get(pk=content_types["whistle"])
        blow = Permission.objects.create(
            content_type=whistle_type, codename="blow_whistle", name="Can blow a whistle"
        )
        view_whistle, _ = Permission.objects.get_or_create(
            content_type=whistle_type,
            codename="view_whistle",
            defaults={"name": "Can view whistle"},
        )
        view_metoo, _ = Permission.objects.get_or_create(
            content_type_id=content_types["metoo"],
            codename="view_metoo",
            defaults={"name": "Can view me too"},
        )
        view_client, _ = Permission.objects.get_or_create(
            content_type_id=content_types["open311client"],
            codename="view_open311client",
            defaults={"name": "Can view Open311 client"},
        )
        group = model("auth.Group").objects.create(name="街道吹哨人")
        group.permissions.add(blow, view_whistle, view_metoo, view_client)
        official.groups.add(group)
        log_entry = model("admin.LogEntry").objects.create(
            action_time=at,
            user=official,
            content_type=whistle_type,
            object_id=str(whistle.pk),
            object_repr=f"#{whistle.pk}",
            action_flag=1,
        )

    return {
        "users": {"official": official.pk, "resident": resident.pk},
        "units": {"street": street.pk, "department": department.pk},
        "cases": [c.pk for c in cases],
        "event": event.pk,
        "whistle": whistle.pk,
        "summons": summons.pk,
        "log": log.pk,
        "requests": [request.pk, pending.pk],
        "client": client.pk,
        "attribute": attribute.pk,
        "open311": open311.pk,
        "follows": [follow_case.pk, follow_region.pk],
        "me_toos": [me_too_user.pk, me_too_session.pk],
        "public_text": public_text.pk,
        "content_types": content_types,
        "permissions": {
            "blow_whistle": blow.pk,
            "view_whistle": view_whistle.pk,
            "view_metoo": view_metoo.pk,
            "view_open311client": view_client.pk,
        },
        "group": group.pk,
        "log_entry": log_entry.pk,
    }


def read(ids: dict) -> dict:
    """After the upgrade, through today's models: what the rows, content types and
    permissions look like to the application."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.contenttypes.models import ContentType
    from django.db import IntegrityError, transaction

    from cases.models import Case
    from open311.models import Open311Client, Open311Request, ServiceAttribute
    from public.models import Follow, MeToo, PublicText
    from whistles.models import ResidentWhistleRequest, Whistle, WhistleLogEntry, WhistleSummons

    models = [
        Whistle,
        WhistleSummons,
        WhistleLogEntry,
        ResidentWhistleRequest,
        Open311Client,
        ServiceAttribute,
        Open311Request,
        Follow,
        MeToo,
        PublicText,
    ]
    whistle = Whistle.objects.get(pk=ids["whistle"])
    case = Case.objects.get(pk=ids["cases"][0])
    official = get_user_model().objects.get(pk=ids["users"]["official"])
    edited = LogEntry.objects.get(pk=ids["log_entry"]).get_edited_object()

    duplicate = None
    try:
        with transaction.atomic():
            WhistleSummons.objects.create(
                whistle=whistle, unit_id=ids["units"]["department"], summoned_at=whistle.blown_at
            )
    except IntegrityError as exc:
        duplicate = exc.__cause__.diag.constraint_name
    with transaction.atomic():
        new = Whistle.objects.create(
            street_id=ids["units"]["street"],
            blown_at=whistle.blown_at,
            reason="r",
            place="p",
            report_due_at=whistle.report_due_at,
        )
        new_id = new.pk
        transaction.set_rollback(True)

    return {
        "content_types": {
            m._meta.model_name: [ContentType.objects.get_for_model(m).pk, m._meta.app_label]
            for m in models
        },
        "counts": {m._meta.model_name: m.objects.count() for m in models},
        "whistle": {
            "street": whistle.street_id,
            "case": whistle.case_id,
            "extra_cases": sorted(whistle.extra_cases.values_list("pk", flat=True)),
            "summonses": sorted(whistle.summonses.values_list("pk", flat=True)),
            "log": sorted(whistle.log.values_list("pk", flat=True)),
            "resident_request": whistle.resident_request.pk,
        },
        "case": {
            "whistles": sorted(case.whistles.values_list("pk", flat=True)),
            "open311": case.open311.pk,
            "open311_client": case.open311.client.name,
            "public_text": case.public_text.title,
            "me_toos": sorted(case.me_toos.values_list("pk", flat=True)),
            "followers": sorted(case.followers.values_list("pk", flat=True)),
        },
        # ModelBackend's: the rows of auth_group_permissions as "app_label.codename" (the
        # object rules answer for whistles.view_whistle needs a whistle, and no rows).
        "group_perms": sorted(ModelBackend().get_group_permissions(official)),
        "log_entry": [type(edited).__module__, type(edited).__name__, edited.pk],
        "duplicate_summons": duplicate,
        "new_whistle_id": new_id,
        "migrate_plan": _command("migrate", "--plan"),
        "makemigrations_check": _command("makemigrations", "--check", "--dry-run"),
    }


def _command(*args) -> list:
    """`manage.py <args>` in this process: [exit code, output]."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=out, no_color=True)
        code = 0
    except SystemExit as exc:  # makemigrations --check exits 1 when a model has changes
        code = exc.code
    return [code, out.getvalue()]


def main(argv: list[str]) -> None:
    django.setup()
    step = argv[0]
    if step == "never-applied":
        result = never_applied()
    elif step == "split":
        result = split()
    elif step == "roll-back":
        result = roll_back()
    elif step == "fill":
        result = fill()
    elif step == "read":
        result = read(json.loads(argv[1]))
    else:
        raise SystemExit(f"unknown step {step!r}")
    sys.stdout.write("RESULT " + json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
