"""The progress of the cases a council project links to (ProjectLink carries a case number).

Council pages and their API are read by the community's residents: a link shows the status of
its case only when the public may see that case (`cases.selectors.cases_public`, the rule of
every public surface). A case closed as private or hidden by a dispatcher shows no status, like
a number that names no case.
"""

from __future__ import annotations

from cases.selectors import cases_public


def linked_case_status(case_number: str) -> str | None:
    """The human-readable status of the case/proactive task with this number, or None."""
    return linked_case_statuses([case_number])[case_number]


def linked_case_statuses(case_numbers: list[str]) -> dict[str, str | None]:
    """Statuses of many cases in one query (pages and the API list many links at once)."""
    found: dict[str, str | None] = dict.fromkeys(case_numbers)
    if not case_numbers:
        return found
    for case in cases_public().filter(number__in=set(case_numbers)).only("number", "status"):
        found[case.number] = str(case.get_status_display())
    return found
