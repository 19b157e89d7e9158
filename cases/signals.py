"""Hooks other code can listen to without cases importing it (STYLE: dependencies point one way).

`case_event_recorded(event=CaseEvent)` is sent inside the service's transaction, right after the
audit row is written. Receivers may write rows in the same transaction (e.g. notification
outbox rows) and must defer anything external with `transaction.on_commit`.

One exception, the hottest write: a new case filed on PostgreSQL without attachments, with no
transaction open, is stored by one statement that commits on its own (`services.case_create`).
Its `create` event is sent once the case and the event are committed; a receiver's writes then
commit on their own, and its failure is logged instead of undoing the case. A receiver acting
on `create` must therefore be idempotent and have a catch-up for a crash in between (as theme
linking has: `themes.tasks.link_theme_cases`).
"""

from django.dispatch import Signal

case_event_recorded = Signal()
