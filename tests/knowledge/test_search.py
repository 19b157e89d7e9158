"""Search in Chinese: ranking, filters (category subtree, region scope, public), expiry and the
needs-review flag. Runs on SQLite and, with DATABASE_URL=postgres://…, on PostgreSQL's index."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from civic.models import Region
from knowledge import selectors, services
from knowledge.selectors import ArticleHit, article_search
from tests.factories import CategoryFactory, RegionFactory

from .factories import published

pytestmark = pytest.mark.django_db


def test_hit_shape_and_relevance_order(world):
    parking = published(world, title="小区停车费收费标准是多少")
    published(world, title="公交线路调整怎么查询", answer="请关注市交通委发布的公交线路调整公告。")
    hits = article_search("我们小区的停车费太贵了，收费标准是什么")
    assert hits and isinstance(hits[0], ArticleHit)
    assert hits[0].article == parking and 0 < hits[0].score <= 1
    assert hits[0].overdue_review is False
    assert all(h.article.title != "公交线路调整怎么查询" for h in hits[:1])


def test_title_match_beats_answer_only_match(world):
    in_answer = published(
        world, title="物业服务收费问题", answer="供暖费用按照供暖面积计算，另有补贴。"
    )
    in_title = published(world, title="供暖费用怎么计算", answer="请咨询热力公司。")
    hits = article_search("供暖费用")
    assert [h.article for h in hits[:2]] == [in_title, in_answer]


def test_fresher_article_wins_a_tie(world):
    with time_machine.travel(dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)):
        old = published(world, title="垃圾分类投放时间规定")
    new = published(world, title="垃圾分类投放时间规定")
    hits = article_search("垃圾分类投放时间")
    assert [h.article for h in hits] == [new, old]
    assert hits[0].score > hits[1].score


def test_unpublished_expired_and_future_articles_are_not_found(world):
    from tests.knowledge.factories import draft

    draft(world, title="草稿里的停车收费问题")
    today = selectors.today()
    ending = published(world, title="今天到期的停车收费规定", effective_to=today)
    published(world, title="将来的停车收费规定", effective_from=today + dt.timedelta(days=3))
    assert [h.article for h in article_search("停车收费规定")] == [ending]
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert article_search("停车收费规定") == []  # expired, even before the task retires it
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        assert [h.article.title for h in article_search("停车收费规定")] == ["将来的停车收费规定"]


def test_overdue_review_stays_searchable_and_is_flagged(world):
    article = published(world, review_by=selectors.today() - dt.timedelta(days=1))
    hits = article_search("小区停车费")
    assert hits[0].article == article and hits[0].overdue_review is True


def test_category_filter_includes_descendants_only(world):
    leaf = world.department_category  # level 3 under its own level-1 parent
    top = leaf.parent.parent
    published(world, title="道路破损维修时限")
    other_top = CategoryFactory(level=1, name="教育文体")
    hits = article_search("道路破损维修", category=top)
    assert len(hits) == 1
    assert article_search("道路破损维修", category=other_top) == []


def test_region_scope_city_district_and_other_district(world):
    city_wide = published(world, title="占道经营处罚标准", region=None)
    district = published(world, title="占道经营处罚标准 东城", region=world.district)
    other_district = RegionFactory(level=Region.Level.DISTRICT, parent=world.city, name="西城区")
    elsewhere = published(world, title="占道经营处罚标准 西城", region=other_district)
    found = {h.article for h in article_search("占道经营处罚", region=world.community)}
    assert found == {city_wide, district}
    assert elsewhere not in found


def test_public_only_hides_internal_articles(world):
    internal = published(world, title="内部口径 停车费", public=False)
    public = published(world, title="公开口径 停车费", public=True)
    found = {h.article for h in article_search("停车费", public_only=True)}
    assert found == {public} and internal not in found


def test_empty_and_stopword_queries_find_nothing(world):
    published(world)
    assert article_search("") == []
    assert article_search("，。！？ 的了") == []
    assert article_search("停车", limit=0) == []


def test_retired_leaves_search(world):
    article = published(world)
    services.article_retire(actor=world.dispatcher, article=article)
    assert article_search("停车费") == []


@pytest.mark.postgres
def test_postgres_uses_the_stored_vector(world):
    assert connection.vendor == "postgresql"
    article = published(world, title="二手房交易契税如何缴纳")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM knowledge_article WHERE id = %s", [article.pk]
        )
        assert "契税" in cursor.fetchone()[0]
    assert article_search("契税缴纳")[0].article == article
