"""Who may use the reply checks and see their figures."""

import rules

from civic import roles


@rules.predicate
def is_member_of(user, unit) -> bool:
    return unit is not None and unit.id in roles.unit_ids_of(user)


# The centre's queue and verdicts: operators and dispatchers (the hotline centre).
can_review_replies = roles.is_centre_staff
# Monthly quality figures: the centre, leaders, and (for its own figures) the unit itself.
can_see_quality_figures = roles.is_centre_staff | roles.is_viewer | roles.is_city_admin
can_see_unit_quality = can_see_quality_figures | is_member_of

rules.add_perm("reply_quality.review", can_review_replies)
rules.add_perm("reply_quality.see_figures", can_see_quality_figures)
