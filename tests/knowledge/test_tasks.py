"""Review reminders and automatic retirement on expiry (knowledge.tasks)."""

import datetime as dt

import pytest
import time_machine

from civic.models import Notification
from knowledge import selectors, tasks
from knowledge.models import Article

from .factories import published

pytestmark = pytest.mark.django_db


def test_owners_are_told_before_review_date_once(world):
    today = selectors.today()
    article = published(world, review_by=today + dt.timedelta(days=10))
    published(world, title="远期复核的条目", review_by=today + dt.timedelta(days=60))
    assert tasks.remind_reviews() == 1
    assert tasks.remind_reviews() == 0  # idempotent
    note = Notification.objects.get(user=world.handler)
    assert note.kind == "knowledge_review_soon" and note.url == f"/knowledge/{article.pk}/"
    assert not Notification.objects.filter(user=world.other_handler).exists()


def test_owners_are_told_again_when_review_date_passes(world):
    today = selectors.today()
    published(world, review_by=today + dt.timedelta(days=3))
    tasks.remind_reviews()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=5)):
        tasks.remind_reviews()
    kinds = sorted(Notification.objects.filter(user=world.handler).values_list("kind", flat=True))
    assert kinds == ["knowledge_review_overdue", "knowledge_review_soon"]


def test_expired_articles_are_retired_with_a_version_and_owners_told(world):
    today = selectors.today()
    article = published(world, effective_to=today)
    keep = published(world, title="长期有效的条目")
    assert tasks.retire_expired() == 0
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert tasks.retire_expired() == 1
        assert tasks.retire_expired() == 0
    article.refresh_from_db()
    assert article.status == "retired"
    last = article.versions.order_by("-number").first()
    assert last.action == "expire" and last.actor is None
    assert Article.objects.get(pk=keep.pk).status == "published"
    assert Notification.objects.filter(user=world.handler, kind="knowledge_expired").count() == 1
