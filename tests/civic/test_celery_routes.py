"""Every task has a queue decided in civic/celery_routes.py (issue 32), and Celery's own router
sends it there. A new task without a line in the table fails here instead of landing unnoticed
on the default queue, next to whatever else is there."""

import importlib.util

import pytest
from django.apps import apps
from django.conf import settings
from kombu import Connection

from civic import celery_routes
from civic.celery import app

pytestmark = [
    # send_task publishes even in eager mode, which is what these tests want
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


def registered_tasks() -> set[str]:
    """Every app's tasks.py imported, as the worker's autodiscovery does."""
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks") is not None:
            importlib.import_module(f"{config.name}.tasks")
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_registered_task_has_an_explicit_route():
    tasks = registered_tasks()
    assert len(tasks) >= 14  # the discovery found the apps' tasks, not just Celery's own
    missing = sorted(tasks - set(settings.CELERY_TASK_ROUTES))
    assert not missing, f"add these to civic/celery_routes.py: {missing}"


def test_routes_name_only_registered_tasks():
    stale = sorted(set(settings.CELERY_TASK_ROUTES) - registered_tasks())
    assert not stale, f"routes for tasks that no longer exist: {stale}"


def test_every_beat_entry_is_a_routed_task():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in settings.CELERY_TASK_ROUTES, entry


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("cases.tasks.sweep_deadlines", "deadlines"),
        ("cases.tasks_whistle.sweep_whistles", "deadlines"),
        ("civic.tasks.deliver_notification", "notifications"),
        ("themes.tasks.warm_hot_topics", "analytics"),
        ("dashboard.hot_topics", "analytics"),
        ("dashboard.refresh", "analytics"),
        ("assessment.tasks.assess_previous_month", "analytics"),
        ("routing.tasks.retrain_router", "analytics"),
        ("reports.tasks.generate_monthly_reports", "analytics"),
        ("civic.tasks.heartbeat", "celery"),
    ],
)
def test_celery_router_sends_the_task_to_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_a_worker_without_queue_option_consumes_every_queue():
    """`make run` and a one-machine install start the worker without -Q: the declared queues
    are what it consumes, so each queue a route names must be among them."""
    declared = set(app.amqp.queues)
    assert declared == set(celery_routes.QUEUE_NAMES)
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= declared
    assert app.conf.task_default_queue in declared


def test_published_messages_land_in_their_queues():
    """Through Celery's publishing path on kombu's in-memory transport (no broker needed)."""
    with Connection("memory://") as conn:
        channel = conn.default_channel
        for queue in celery_routes.QUEUE_NAMES:
            channel.queue_purge(queue)
        app.send_task("cases.tasks.sweep_deadlines", connection=conn)
        app.send_task("routing.tasks.retrain_router", connection=conn)
        app.send_task("civic.tasks.deliver_notification", args=[1], connection=conn)
        app.send_task("routing.tasks.retrain_router", connection=conn)
        counts = {
            q: channel.queue_declare(queue=q).message_count for q in celery_routes.QUEUE_NAMES
        }
    assert counts == {"deadlines": 1, "notifications": 1, "analytics": 2, "imports": 0, "celery": 0}
