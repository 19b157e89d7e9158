"""Hooks other code can listen to without cases importing it (STYLE: dependencies point one way).

`case_event_recorded(event=CaseEvent)` is sent inside the service's transaction, right after the
audit row is written. Receivers may write rows in the same transaction (e.g. notification
outbox rows) and must defer anything external with `transaction.on_commit`.
"""

from django.dispatch import Signal

case_event_recorded = Signal()
