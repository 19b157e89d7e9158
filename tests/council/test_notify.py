"""Notices through civic.notify: skipped until that module is merged in, then they run."""

import pytest

from council import services
from council.models import Party
from tests.council.factories import planned_meeting

pytestmark = pytest.mark.django_db


def test_proposal_author_is_told_the_decline_reason(cw):
    pytest.importorskip("civic.notify.services")
    from civic.models import Notification

    p = services.proposal_submit(
        actor=cw.resident, community=cw.community, title="t", description="d"
    )
    services.proposal_decline(actor=cw.worker, proposal=p, reason="已转物业处理")
    note = Notification.objects.get(user=cw.resident, kind="council_proposal")
    assert note.body == "已转物业处理"


def test_participants_with_accounts_get_the_notice(cw):
    pytest.importorskip("civic.notify.services")
    from civic.models import Notification

    meeting = planned_meeting(cw, notice=False)
    services.participant_invite(
        actor=cw.worker, meeting=meeting, party=Party.RESIDENTS, name="居民", user=cw.resident
    )
    services.meeting_publish_notice(actor=cw.worker, meeting=meeting)
    assert Notification.objects.filter(user=cw.resident, kind="council_notice").count() == 1


def test_services_work_without_civic_notify(cw):
    """On a branch without civic.notify the hooks are no-ops, never errors."""
    from council import notify

    p = services.proposal_submit(
        actor=cw.resident, community=cw.community, title="t", description="d"
    )
    services.proposal_decline(actor=cw.worker, proposal=p, reason="r")
    p.refresh_from_db()
    assert p.status == "declined"
    if notify.notify_users is None:
        assert not hasattr(cw.resident, "notifications")
