"""System checks: warn administrators when the working calendar lacks the coming year."""

from django.core.checks import Warning, register


@register("civic")
def calendar_covers_next_year(app_configs, **kwargs):
    from django.db import DatabaseError

    from civic.calendar import missing_years

    try:
        years = missing_years()
    except DatabaseError:
        return []  # before migrations
    return [
        Warning(
            f"The working calendar has no days for {year}: deadlines fall back to Monday–Friday.",
            hint="Enter the State Council's holiday schedule in the admin (Calendar days).",
            id="civic.W001",
        )
        for year in years
    ]
