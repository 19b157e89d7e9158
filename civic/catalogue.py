"""Categories, regions and units by id, kept in memory.

Every case filed names a category and a region, and intake checks both; every case shown in the
API carries its category (with its path), region and lead unit. They are reference data that
change a few times a year (in the admin), so reading them from the database cost two queries per
case filed (a fifth of an intake's server CPU) and five joins per case list. An edit made through
the ORM clears this process's copy at once (signals); other worker processes see it within
CACHE_SECONDS. Unknown ids are never remembered (a client sending random ids cannot fill
the memory).

The instances are shared between requests: read them, never change them.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civic.memo import Memo

# Other processes see an administrator's edit after at most this long.
CACHE_SECONDS = 60
# Beijing has about 11,000 communities and villages; far more ids than this means abuse or a
# bug, so the oldest half is dropped.
MAX_ENTRIES = 20_000

_memo = Memo(CACHE_SECONDS, keep_none=False, max_entries=MAX_ENTRIES)


def _get(kind: str, model, pk) -> object | None:
    if not 0 < pk < 2**63:  # outside a bigint: no such row (and no database error)
        return None
    return _memo.get((kind, pk), _load, model, pk)


def _load(model, pk):
    return model.objects.filter(pk=pk).first()


def category(pk: int):
    """The category with this id (any level, active or not), or None."""
    from civic.models import Category

    return _get("category", Category, pk)


def region(pk: int):
    """The region with this id, or None."""
    from civic.models import Region

    return _get("region", Region, pk)


def unit(pk: int):
    """The unit with this id, or None."""
    from civic.models import Unit

    return _get("unit", Unit, pk)


def category_path(leaf) -> list[str]:
    """Names from the first level down to this category, e.g. ["城乡建设", "市政设施", "路灯"]."""
    names = []
    node = leaf
    while node is not None:
        names.append(node.name)
        node = category(node.parent_id) if node.parent_id else None
    return names[::-1]


def attach(rows: list, *links: str) -> list:
    """Fill each row's foreign keys named in `links` (to a category, region or unit) from
    memory, as select_related would without the join. Returns the rows."""
    if not rows:
        return rows
    lookups = {"Category": category, "Region": region, "Unit": unit}
    for link in links:
        field = rows[0]._meta.get_field(link)
        lookup = lookups[field.related_model.__name__]
        for row in rows:
            pk = getattr(row, field.attname)
            field.set_cached_value(row, lookup(pk) if pk is not None else None)
    return rows


def clear_cache() -> None:
    _memo.clear()


@receiver(post_save, sender="civic.Category")
@receiver(post_delete, sender="civic.Category")
@receiver(post_save, sender="civic.Region")
@receiver(post_delete, sender="civic.Region")
@receiver(post_save, sender="civic.Unit")
@receiver(post_delete, sender="civic.Unit")
def _catalogue_changed(sender, **kwargs) -> None:
    clear_cache()
