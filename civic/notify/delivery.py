"""Sending a notification's email/SMS copies; idempotent through the per-channel state."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from civic.models import Notification

from .sms import get_backend


def notification_deliver(*, notification_id: int) -> None:
    """Send what is still pending. The row lock + state guard make a second run a no-op; the
    external call happens after the state is claimed, so a crash leaves it 'failed' to retry
    rather than sending twice."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if note is None:
            return
        email_due = note.email_state == Notification.Delivery.PENDING
        sms_due = note.sms_state == Notification.Delivery.PENDING
        if not (email_due or sms_due):
            return
        note.attempts += 1
        note.save(update_fields=["attempts"])
    if email_due:
        try:
            send_mail(
                subject=note.title,
                message=f"{note.body}\n\n{settings.SITE_URL}{note.url}" if note.url else note.body,
                from_email=None,
                recipient_list=[note.user.email],
            )
            state = Notification.Delivery.SENT
        except Exception:
            state = (
                Notification.Delivery.FAILED
                if note.attempts >= 5
                else Notification.Delivery.PENDING
            )
        Notification.objects.filter(pk=note.pk).update(email_state=state)
    if sms_due:
        get_backend().send(note.user.phone, note.title)
        Notification.objects.filter(pk=note.pk).update(sms_state=Notification.Delivery.SENT)
