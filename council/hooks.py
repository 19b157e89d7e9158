"""Hooks to the cases app, which is merged in later (see ProjectLink).

council depends on cases, never the other way; until cases.Case exists (another branch) these
return None and the project page shows the bare number.
"""

from __future__ import annotations

from django.apps import apps


def _case_model():
    try:
        return apps.get_model("cases", "Case")
    except LookupError:
        return None


def linked_case_status(case_number: str) -> str | None:
    """The human-readable status of the case/proactive task with this number, or None."""
    model = _case_model()
    if model is None:
        return None
    case = model.objects.filter(number=case_number).only("status").first()
    if case is None:
        return None
    display = getattr(case, "get_status_display", None)
    return str(display()) if display else str(case.status)


def linked_case_statuses(case_numbers: list[str]) -> dict[str, str | None]:
    """Statuses of many cases in one query (pages and the API list many links at once)."""
    model = _case_model()
    found: dict[str, str | None] = dict.fromkeys(case_numbers)
    if model is None or not case_numbers:
        return found
    for case in model.objects.filter(number__in=set(case_numbers)).only("number", "status"):
        display = getattr(case, "get_status_display", None)
        found[case.number] = str(display()) if display else str(case.status)
    return found
