"""Notifications: write the in-app row (the outbox) now, send email/SMS after commit.

Call these inside the transaction of the change being reported. `dedupe_key` makes a repeated
call (a sweep running twice, a retried task) a no-op for that user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civic import clock
from civic.models import Membership, Notification, NotificationKey, Unit, User
from civic.roles import HANDLING_ROLES


def notify_users(
    *,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    sms: bool = False,
) -> list[Notification]:
    """Create one notification per user (skipping users who already have `dedupe_key`)."""
    created: list[Notification] = []
    now = clock.now()
    for user in {u.pk: u for u in users if u is not None}.values():
        if dedupe_key and NotificationKey.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        try:
            # A savepoint: a concurrent sweep claiming the same key loses quietly, and its
            # key row and notification go together or not at all.
            with transaction.atomic():
                if dedupe_key:
                    NotificationKey.objects.create(user=user, dedupe_key=dedupe_key, created_at=now)
                note = Notification.objects.create(
                    user=user,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    created_at=now,
                    dedupe_key=dedupe_key,
                    email_state=(
                        Notification.Delivery.PENDING
                        if user.email
                        else Notification.Delivery.SKIPPED
                    ),
                    sms_state=(
                        Notification.Delivery.PENDING
                        if sms and user.phone
                        else Notification.Delivery.SKIPPED
                    ),
                )
        except IntegrityError:
            continue
        created.append(note)
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _enqueue_delivery(ids))
    return created


def unit_members(unit: Unit, roles: Iterable[str] = HANDLING_ROLES) -> list[User]:
    return list(
        User.objects.filter(
            memberships__unit=unit,
            memberships__role__in=list(roles),
            memberships__active=True,
            is_active=True,
        ).distinct()
    )


def notify_unit(
    *, unit: Unit, roles: Iterable[str] = HANDLING_ROLES, **kwargs
) -> list[Notification]:
    return notify_users(users=unit_members(unit, roles), **kwargs)


@dataclass(frozen=True)
class UnitNotice:
    unit_id: int
    title: str
    body: str
    url: str
    dedupe_key: str


def notify_units(
    *, kind: str, notices: Iterable[UnitNotice], roles: Iterable[str] = HANDLING_ROLES
) -> int:
    """Many units' notices in a few statements (the sweep's per-unit digests): members of all
    units in one query, the keys not delivered yet claimed in one insert per thousand, the
    notifications of those in one bulk insert (their ids, for e-mail after commit). Every notice
    needs a dedupe key. Returns rows created."""
    notices = [n for n in notices if n.dedupe_key]
    if not notices:
        return 0
    members: dict[int, dict[int, str]] = {}
    for unit_id, user_id, email in Membership.objects.filter(
        unit_id__in={n.unit_id for n in notices},
        role__in=list(roles),
        active=True,
        user__is_active=True,
    ).values_list("unit_id", "user_id", "user__email"):
        members.setdefault(unit_id, {})[user_id] = email
    now = clock.now()
    wanted = {
        (user_id, n.dedupe_key): (n, email)
        for n in notices
        for user_id, email in members.get(n.unit_id, {}).items()
    }
    if not wanted:
        return 0
    claimed = _claim_keys(list(wanted), now)
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            title=n.title[:200],
            body=n.body,
            url=n.url,
            created_at=now,
            dedupe_key=key,
            email_state=Notification.Delivery.PENDING if email else Notification.Delivery.SKIPPED,
            sms_state=Notification.Delivery.SKIPPED,
        )
        for (user_id, key) in claimed
        for n, email in [wanted[(user_id, key)]]
    ]
    created = [
        (row.pk, row.email_state) for row in Notification.objects.bulk_create(rows, batch_size=1000)
    ]
    pending = [pk for pk, state in created if state == Notification.Delivery.PENDING]
    if pending:
        transaction.on_commit(lambda: _enqueue_delivery(pending))
    return len(created)


def _claim_keys(keys: list[tuple[int, str]], now) -> list[tuple[int, str]]:
    """Insert the (user, key) pairs not delivered yet and return those: one statement per
    thousand keys, ON CONFLICT DO NOTHING … RETURNING (PostgreSQL, and SQLite ≥ 3.35), so a
    sweep running twice at once still claims each key once."""
    table = NotificationKey._meta.db_table
    claimed: list[tuple[int, str]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [value for user_id, key in chunk for value in (user_id, key, now)]
            cursor.execute(
                f"INSERT INTO {table} (user_id, dedupe_key, created_at) VALUES {values} "
                "ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING user_id, dedupe_key",
                params,
            )
            claimed.extend((user_id, key) for user_id, key in cursor.fetchall())
    return claimed


def notify_role(*, role: str, **kwargs) -> list[Notification]:
    """Everyone holding `role` anywhere (e.g. all dispatchers)."""
    users = User.objects.filter(
        memberships__role=role, memberships__active=True, is_active=True
    ).distinct()
    return notify_users(users=users, **kwargs)


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def _enqueue_delivery(ids: list[int]) -> None:
    from civic.tasks import deliver_notification

    for pk in ids:
        try:
            deliver_notification.delay(pk)
        except Exception:
            # Broker down: the row stays pending and the sweep re-drives it later.
            import logging

            logging.getLogger(__name__).warning("notification %s not queued; sweep retries", pk)


__all__ = ["Membership", "notification_mark_read", "notify_role", "notify_unit", "notify_users"]
