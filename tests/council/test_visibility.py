"""The queryset rule (selectors.meetings_visible_to / minutes_visible_to) and the object rule
(rules.can_view_meeting / can_view_minutes) must agree for every user and every meeting state."""

import pytest

from council import selectors, services
from council.rules import can_manage_meeting, can_view_meeting, can_view_minutes
from tests.council.factories import held_meeting, planned_meeting

pytestmark = pytest.mark.django_db


def _meetings_in_every_state(cw):
    out = [planned_meeting(cw, notice=False), planned_meeting(cw)]
    held = held_meeting(cw)
    out.append(held)
    minuted = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=minuted, text="m")
    out.append(minuted)
    published = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=published, text="m")
    services.meeting_publish(actor=cw.worker, meeting=published)
    out.append(published)
    closed = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=closed, text="m")
    services.meeting_publish(actor=cw.worker, meeting=closed)
    services.meeting_close(actor=cw.worker, meeting=closed)
    out.append(closed)
    other = services.meeting_plan(
        actor=cw.other_worker,
        community=cw.other_community,
        title="o",
        starts_at=closed.starts_at,
        place="p",
        format="online",
        notice="n",
    )
    services.meeting_publish_notice(actor=cw.other_worker, meeting=other)
    out.append(other)
    for m in out:
        m.refresh_from_db()
    return out


def test_selectors_and_rules_agree(cw):
    from django.contrib.auth.models import AnonymousUser

    meetings = _meetings_in_every_state(cw)
    users = [
        cw.worker,
        cw.other_worker,
        cw.street_official,
        cw.resident,
        cw.other_resident,
        cw.admin,
        AnonymousUser(),
    ]
    for user in users:
        visible = set(selectors.meetings_visible_to(user).values_list("id", flat=True))
        minutes = set(selectors.minutes_visible_to(user).values_list("id", flat=True))
        managed = set(selectors.meetings_managed_by(user).values_list("id", flat=True))
        for m in meetings:
            label = (getattr(user, "username", "anon"), m.status, bool(m.notice_published_at))
            assert (m.id in visible) == can_view_meeting.test(user, m), label
            assert (m.id in minutes) == can_view_minutes.test(user, m), label
            assert (m.id in managed) == can_manage_meeting.test(user, m), label


def test_resident_sees_exactly_noticed_and_published_meetings_of_own_community(cw):
    meetings = _meetings_in_every_state(cw)
    visible = set(selectors.meetings_visible_to(cw.resident))
    # all of the own community except the one planned without notice
    assert visible == set(meetings[1:6])
    assert set(selectors.minutes_visible_to(cw.resident)) == set(meetings[4:6])
