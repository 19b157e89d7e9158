"""The demo seed step loads the real replies of data/knowledge_seed.csv once."""

import pytest

from civic.demo import seed_categories, seed_regions_and_units
from knowledge import selectors
from knowledge.models import Article
from knowledge.seed import category_name_for, policy_document_of, seed_knowledge

pytestmark = pytest.mark.django_db


def test_seed_loads_published_public_articles_once():
    seed_regions_and_units()
    seed_categories()
    created = seed_knowledge()
    assert created == 300 == Article.objects.count()
    assert seed_knowledge() == 0  # idempotent
    article = Article.objects.filter(policy_document__startswith="《").first()
    assert article.status == "published" and article.public and article.versions.count() == 1
    assert article.category.level == 1 and article.unit_id
    hits = selectors.article_search("公积金贷款", public_only=True)
    assert hits and "公积金" in hits[0].article.title + hits[0].article.answer


def test_category_keywords_and_policy_document():
    assert category_name_for("孩子入学学位问题") == "教育文体"
    assert category_name_for("小区路灯不亮") == "城乡建设"
    assert policy_document_of("在平台《问政西地省》留言……根据《住房公积金管理条例》规定") == (
        "《住房公积金管理条例》"
    )
