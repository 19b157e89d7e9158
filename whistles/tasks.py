"""Periodic enforcement of whistle report deadlines (thin: the work is in whistles.services)."""

from celery import shared_task

from .services import whistle_sweep


@shared_task(name="cases.tasks_whistle.sweep_whistles", ignore_result=True)
def sweep_whistles() -> dict[str, int]:
    total: dict[str, int] = {"missed": 0}
    for _round in range(20):  # bounded: at most 20 batches per run
        counts = whistle_sweep()
        total["missed"] += counts["missed"]
        if not counts["more"]:
            break
    return total
