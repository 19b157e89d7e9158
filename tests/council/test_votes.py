"""Vote outcomes: simple majority of those attending, quorum of the invited, ties, abstentions."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civic.errors import DomainValidationError
from council import services
from council.models import Resolution, VotingRule
from council.services import compute_outcome
from tests.council.factories import held_meeting

pytestmark = pytest.mark.django_db


def _vote(cw, meeting, f, a, ab):
    item = services.agenda_item_add(actor=cw.worker, meeting=meeting, title="议题")
    return services.resolution_vote(
        actor=cw.worker,
        agenda_item=item,
        text="动议",
        votes_for=f,
        votes_against=a,
        votes_abstain=ab,
    )


def test_simple_majority_of_attending_passes(cw):
    meeting = held_meeting(cw, invited=5, attending=5)
    r = _vote(cw, meeting, 3, 2, 0)
    assert r.outcome == Resolution.Outcome.PASSED
    assert (r.invited, r.attending) == (5, 5)


def test_tie_is_not_passed(cw):
    meeting = held_meeting(cw, invited=4, attending=4)
    assert _vote(cw, meeting, 2, 2, 0).outcome == Resolution.Outcome.REJECTED


def test_abstentions_count_as_attending_not_as_for(cw):
    # 2 for, 1 against, 2 abstain of 5 attending: 2 is not more than half of 5.
    meeting = held_meeting(cw, invited=5, attending=5)
    assert _vote(cw, meeting, 2, 1, 2).outcome == Resolution.Outcome.REJECTED


def test_non_voters_count_as_attending(cw):
    meeting = held_meeting(cw, invited=6, attending=6)
    assert _vote(cw, meeting, 3, 0, 0).outcome == Resolution.Outcome.REJECTED


def test_quorum_missed_gives_no_quorum(cw):
    meeting = held_meeting(cw, invited=7, attending=3)
    assert _vote(cw, meeting, 3, 0, 0).outcome == Resolution.Outcome.NO_QUORUM


def test_exactly_half_attending_is_quorum(cw):
    meeting = held_meeting(cw, invited=6, attending=3)
    assert _vote(cw, meeting, 2, 1, 0).outcome == Resolution.Outcome.PASSED


def test_more_votes_than_attending_is_refused(cw):
    meeting = held_meeting(cw, invited=5, attending=3)
    with pytest.raises(DomainValidationError):
        _vote(cw, meeting, 3, 1, 0)


def test_community_rule_overrides_default(cw):
    VotingRule.objects.create(quorum_fraction=Decimal("0.5"), pass_fraction=Decimal("0.5"))
    VotingRule.objects.create(
        community=cw.community, quorum_fraction=Decimal("0.8"), pass_fraction=Decimal("0.667")
    )
    meeting = held_meeting(cw, invited=5, attending=4)  # 4 ≥ 0.8×5: quorum
    r = _vote(cw, meeting, 3, 1, 0)  # 3 > 0.667×4 = 2.668: passed under two-thirds
    assert r.outcome == Resolution.Outcome.PASSED
    assert r.quorum_fraction == Decimal("0.8")
    r = _vote(cw, meeting, 2, 1, 1)
    assert r.outcome == Resolution.Outcome.REJECTED


def test_default_rule_row_applies_to_every_community(cw):
    VotingRule.objects.create(quorum_fraction=Decimal("0.9"), pass_fraction=Decimal("0.5"))
    meeting = held_meeting(cw, invited=5, attending=4)
    assert _vote(cw, meeting, 4, 0, 0).outcome == Resolution.Outcome.NO_QUORUM


@given(
    invited=st.integers(0, 60),
    data=st.data(),
)
def test_outcome_rule_properties(invited, data):
    attending = data.draw(st.integers(0, invited))
    f = data.draw(st.integers(0, attending))
    a = data.draw(st.integers(0, attending - f))
    ab = data.draw(st.integers(0, attending - f - a))
    result = compute_outcome(
        invited=invited,
        attending=attending,
        votes_for=f,
        votes_against=a,
        votes_abstain=ab,
        quorum_fraction=Decimal("0.5"),
        pass_fraction=Decimal("0.5"),
    )
    if invited == 0 or 2 * attending < invited:
        assert result.outcome == Resolution.Outcome.NO_QUORUM
    else:
        assert (result.outcome == Resolution.Outcome.PASSED) == (2 * f > attending)
        if f == a:
            assert result.outcome != Resolution.Outcome.PASSED
