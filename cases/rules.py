"""Object-level rules for cases: who may see, handle, dispatch, arbitrate."""

import rules

from civic import roles
from civic.roles import HANDLING_ROLES, Role

from .models import Assignment

VISIBLE_ASSIGNMENT_STATES = (Assignment.State.ACTIVE, Assignment.State.DONE)


def _assigned_unit_ids(case) -> set[int]:
    return set(
        case.assignments.filter(state__in=VISIBLE_ASSIGNMENT_STATES).values_list(
            "unit_id", flat=True
        )
    )


@rules.predicate
def is_reporter(user, case) -> bool:
    return bool(user.is_authenticated and case.reporter_id == user.id)


@rules.predicate
def is_member_of_assigned_unit(user, case) -> bool:
    mine = roles.unit_ids_of(user, (*HANDLING_ROLES, Role.VIEWER))
    return bool(mine & _assigned_unit_ids(case))


@rules.predicate
def is_handler_of_lead_unit(user, case) -> bool:
    return case.lead_unit_id is not None and case.lead_unit_id in roles.unit_ids_of(
        user, HANDLING_ROLES
    )


@rules.predicate
def is_handler_of_working_unit(user, case) -> bool:
    """Lead or co-unit handler: the people who call the resident back (not the district's copy,
    not read-only viewers)."""
    mine = roles.unit_ids_of(user, HANDLING_ROLES)
    return (
        bool(mine)
        and case.assignments.filter(
            state__in=VISIBLE_ASSIGNMENT_STATES,
            role__in=(Assignment.Role.LEAD, Assignment.Role.CO),
            unit_id__in=mine,
        ).exists()
    )


can_view_case = roles.is_centre_staff | is_reporter | is_member_of_assigned_unit
can_handle_case = is_handler_of_lead_unit
can_dispatch_case = roles.is_centre_staff
can_arbitrate = roles.is_dispatcher
# Need to know: the resident, the centre, and handlers of the units working on it.
can_see_personal_data = roles.is_centre_staff | is_reporter | is_handler_of_working_unit

rules.add_perm("cases.view_case", can_view_case)
rules.add_perm("cases.handle_case", can_handle_case)
rules.add_perm("cases.dispatch_case", can_dispatch_case)
rules.add_perm("cases.arbitrate", can_arbitrate)
rules.add_perm("cases.see_personal_data", can_see_personal_data)
