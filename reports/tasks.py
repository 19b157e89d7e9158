from celery import shared_task

from . import services


@shared_task(name="reports.tasks.generate_monthly_reports")
def generate_monthly_reports() -> int:
    """Daily; does its work on the first working day of a month (last month's reports)."""
    return len(services.generate_monthly_reports())
