"""System checks: warn administrators when the working calendar lacks the coming year (W001) or
holds only its provisional, computed days (W002)."""

from django.core.checks import Warning, register


@register("civic")
def calendar_covers_next_year(app_configs, **kwargs):
    from django.db import DatabaseError

    from civic.calendar import missing_years, package_last_year, provisional_years

    try:
        missing = missing_years()
        provisional = provisional_years()
    except DatabaseError:
        return []  # before migrations
    warnings = []
    for year in missing:
        fallback = (
            "the statutory holidays computed from the lunar calendar, without the State "
            "Council's swapped working days (调休)"
            if year > package_last_year()
            else "Monday–Friday"
        )
        warnings.append(
            Warning(
                f"The working calendar has no days for {year}: deadlines fall back to {fallback}.",
                hint="Run `manage.py seed_calendar`, then enter the State Council's holiday "
                "schedule in the admin (Calendar days).",
                id="civic.W001",
            )
        )
    for year in provisional:
        warnings.append(
            Warning(
                f"The working calendar for {year} is provisional: statutory holidays computed "
                "from the lunar calendar, without the State Council's swapped working days (调休).",
                hint="Enter the State Council's schedule in the admin (Calendar days): saving a "
                "day makes it official; confirm the days it leaves unchanged.",
                id="civic.W002",
            )
        )
    return warnings
