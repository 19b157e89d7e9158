import pytest
from django.core import mail

from civic.models import Membership, Notification
from civic.notify.services import notify_unit, notify_users
from tests.factories import UnitFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_notify_is_once_per_dedupe_key_and_emails_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_users(
            users=[user], kind="overdue", title="案件超期", dedupe_key="case:1:overdue"
        )
        again = notify_users(
            users=[user], kind="overdue", title="案件超期", dedupe_key="case:1:overdue"
        )
    assert len(first) == 1 and again == []
    assert Notification.objects.filter(user=user).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "案件超期"
    assert Notification.objects.get(user=user).email_state == "sent"


def test_notify_unit_reaches_handling_members_only():
    unit = UnitFactory()
    handler = member(Membership.Role.HANDLER, unit)
    viewer = member(Membership.Role.VIEWER, unit)
    notify_unit(unit=unit, kind="dispatch", title="新工单")
    assert Notification.objects.filter(user=handler).count() == 1
    assert Notification.objects.filter(user=viewer).count() == 0
