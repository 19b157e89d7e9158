"""Who may see and act on a whistle: the whistling street, the summoned units, dispatchers."""

import rules

from civic import roles
from civic.roles import HANDLING_ROLES, Role


@rules.predicate
def is_whistling_street(user, whistle) -> bool:
    # None: asked of the model, not of a whistle (the admin's "may view whistles at all?").
    return whistle is not None and whistle.street_id in roles.unit_ids_of(
        user, (Role.STREET_OFFICIAL,)
    )


@rules.predicate
def is_summoned(user, whistle) -> bool:
    if whistle is None:
        return False
    mine = roles.unit_ids_of(user, HANDLING_ROLES)
    return bool(mine) and whistle.summonses.filter(unit_id__in=mine).exists()


can_view_whistle = roles.is_dispatcher | is_whistling_street | is_summoned
can_act_on_whistle = can_view_whistle
can_close_whistle = is_whistling_street
can_report_whistle = is_summoned

rules.add_perm("whistles.view_whistle", can_view_whistle)
rules.add_perm("whistles.close_whistle", can_close_whistle)
rules.add_perm("whistles.report_whistle", can_report_whistle)
