"""Operations for migrations that move models between apps without touching their tables.

A model that moves keeps its table (`db_table`); the migrations only change Django's state
(`SeparateDatabaseAndState` with no database operation). `moved_models()` wraps the state
operations, and `move_content_types()` relabels the models' content types, so permissions,
admin log entries and anything else keyed on a content type follow the model.
"""

from __future__ import annotations

from django.db import migrations


def moved_models(*state_operations) -> migrations.SeparateDatabaseAndState:
    """State only: the tables exist already under their names (no row is copied or rewritten)."""
    return migrations.SeparateDatabaseAndState(state_operations=list(state_operations))


def move_content_types(from_label: str, to_label: str, models: list[str]) -> migrations.RunPython:
    """Relabel the models' content types from `from_label` to `to_label` (and back when
    unapplied). Normally the rows are simply relabelled, keeping their ids. If a content type
    under the new label exists already (new code asked for it before this migration ran), the
    two are merged into it: permissions, the users and groups holding them, and admin log
    entries move across, so nobody silently loses a permission."""

    def relabel(source: str, target: str):
        def run(apps, schema_editor) -> None:
            db = schema_editor.connection.alias
            content_types = apps.get_model("contenttypes", "ContentType").objects.using(db)
            for model in models:
                old = content_types.filter(app_label=source, model=model).first()
                if old is None:
                    continue
                new = content_types.filter(app_label=target, model=model).first()
                if new is None:
                    old.app_label = target
                    old.save(update_fields=["app_label"])
                else:
                    _merge_content_type(apps, db, old=old, new=new)

        return run

    return migrations.RunPython(relabel(from_label, to_label), relabel(to_label, from_label))


def _merge_content_type(apps, db: str, *, old, new) -> None:
    from django.conf import settings

    permission_model = apps.get_model("auth", "Permission")
    group_links = apps.get_model("auth", "Group").permissions.through.objects.using(db)
    user_links = apps.get_model(settings.AUTH_USER_MODEL).user_permissions.through.objects.using(db)
    for permission in permission_model.objects.using(db).filter(content_type=old):
        twin = (
            permission_model.objects.using(db)
            .filter(content_type=new, codename=permission.codename)
            .first()
        )
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        for links, owner in ((group_links, "group_id"), (user_links, "user_id")):
            held = set(links.filter(permission=twin).values_list(owner, flat=True))
            for link in links.filter(permission=permission):
                if getattr(link, owner) not in held:
                    links.create(**{owner: getattr(link, owner), "permission": twin})
        permission.delete()
    log_entries = apps.get_model("admin", "LogEntry").objects.using(db)
    log_entries.filter(content_type=old).update(content_type=new)
    old.delete()
