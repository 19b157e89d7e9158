"""Which Celery queue each task goes to, so heavy work cannot hold up deadlines (issue 32).

Celery's own routing (`CELERY_TASK_ROUTES`, `CELERY_TASK_QUEUES` in civic/settings/base.py); no
distribution of our own. Every task is named here, even those on the default queue: a new task
without a line here fails tests/civic/test_celery_routes.py, so where it runs is always decided.

All five queues are declared, so a worker started without `-Q` (`make run`, a single machine)
consumes every one of them; on several machines each worker takes the queues it is given with
`-Q` (docs/operations.md, "Queues and worker layout").
"""

from __future__ import annotations

from kombu import Exchange, Queue

DEADLINES = "deadlines"
NOTIFICATIONS = "notifications"
ANALYTICS = "analytics"
IMPORTS = "imports"
DEFAULT = "celery"  # Celery's default name, kept: messages already queued under it still run

QUEUE_NAMES = (DEADLINES, NOTIFICATIONS, ANALYTICS, IMPORTS, DEFAULT)
# A direct exchange per queue, named like it: Celery's own shape for its default queue.
QUEUES = tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUE_NAMES)

_BY_QUEUE: dict[str, tuple[str, ...]] = {
    # Minute sweeps whose lateness is a missed legal deadline: short, and never behind
    # anything slow (a worker of their own can run them within a second of beat sending them).
    DEADLINES: (
        "cases.tasks.sweep_deadlines",
        "cases.tasks_whistle.sweep_whistles",
        "knowledge.tasks.retire_expired",  # an article's end date: a small daily sweep
    ),
    # Mail/SMS of notices already written to the database: many, small, they wait on outside
    # servers (retries with backoff), so a slow mail server delays only other mail.
    NOTIFICATIONS: (
        "civic.tasks.deliver_notification",
        "knowledge.tasks.remind_reviews",  # writes review notices for article owners
    ),
    # Reading a month or a year of cases: seconds to minutes of CPU each (hot topics, roll-ups,
    # assessment, the router's retraining, PDF reports), none of it urgent within the hour.
    ANALYTICS: (
        "themes.tasks.warm_hot_topics",
        "themes.tasks.analyse_hot_topics",  # queued by the hot-topics page, read when done
        "themes.tasks.suggest_proactive",
        "themes.tasks.link_theme_cases",
        "dashboard.refresh",
        "public.refresh_area_counts",  # the public map's counts per area
        "knowledge.tasks.count_on_spot",  # the knowledge statistics page's monthly counts
        "merging.tasks.find_duplicate_groups",  # the dispatchers' queue of likely duplicates
        "dashboard.hot_topics",
        "assessment.tasks.assess_previous_month",
        "routing.tasks.retrain_router",
        "reports.tasks.generate_monthly_reports",
    ),
    # Bulk loads of past cases: declared for import tasks (none today: `import_cases` is a
    # command), so that one never shares a worker with the sweep.
    IMPORTS: (),
    # What fits none of the above.
    DEFAULT: (
        "civic.tasks.heartbeat",
        "civic.tasks.create_partitions_ahead",  # a few DDL statements a day, each a moment
    ),
}

ROUTES: dict[str, dict[str, str]] = {
    task: {"queue": queue} for queue, tasks in _BY_QUEUE.items() for task in tasks
}
