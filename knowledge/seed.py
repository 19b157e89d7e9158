"""Demo seed: the real replies of data/knowledge_seed.csv as published, public articles.

Idempotent: an article's source id is kept in its keywords (`来源留言:<id>`), and rows already
loaded are skipped. Categories come from keywords of the question (the router app is not a
dependency of this one); the owning unit is the department the demo tree gives that category.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.db import transaction

from civic import clock
from civic import text as T
from civic.demo import DATA_DIR, FIRST_LEVEL
from civic.models import Category, Unit

from .models import Article, ArticleVersion
from .services import search_tokens

SEED_CSV = DATA_DIR / "knowledge_seed.csv"
SOURCE_MARK = "来源留言:"

# First match wins; the rest fall to 城乡建设, the board's largest class.
CATEGORY_WORDS = [
    (
        "劳动和社会保障",
        ("社保", "医保", "养老", "工资", "就业", "失业", "工伤", "退休", "人才", "劳动", "公积金"),
    ),
    (
        "教育文体",
        ("学校", "教育", "学生", "教师", "老师", "入学", "学位", "幼儿园", "招生", "中学", "小学"),
    ),
    ("卫生计生", ("医院", "医疗", "计生", "生育", "疫苗", "卫生", "二胎", "独生子女")),
    ("交通运输", ("公交", "交通", "出租车", "地铁", "驾驶", "车辆", "高速", "客运")),
    ("环境保护", ("污染", "噪音", "环保", "排放", "垃圾焚烧", "扬尘")),
    ("商贸旅游", ("旅游", "商家", "消费", "价格", "超市", "市场")),
    ("民政", ("低保", "民政", "残疾", "救助", "婚姻", "殡葬")),
    ("国土资源", ("土地", "征地", "宅基地", "国土")),
    ("农村农业", ("农村", "农民", "农业", "村民")),
]
DEFAULT_CATEGORY = "城乡建设"
_DOCUMENT = re.compile(r"《([^《》]{4,80})》")


def category_name_for(title: str) -> str:
    for name, words in CATEGORY_WORDS:
        if any(w in title for w in words):
            return name
    return DEFAULT_CATEGORY


def policy_document_of(answer: str) -> str:
    """The first document cited in 《》 that is not the message board itself."""
    for match in _DOCUMENT.finditer(answer):
        if "问政" not in match.group(1):
            return f"《{match.group(1)}》"
    return ""


def _reply_date(text: str) -> dt.date | None:
    match = re.match(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", text or "")
    return dt.date(*map(int, match.groups())) if match else None


def seed_knowledge(stdout=None) -> int:
    if not SEED_CSV.exists():
        return 0
    tops = {c.name: c for c in Category.objects.filter(level=1)}
    if not tops:
        return 0
    centre = Unit.objects.filter(kind=Unit.Kind.CENTRE).first()
    units = {u.code: u for u in Unit.objects.filter(code__in=[d for _e, d in FIRST_LEVEL.values()])}
    done = set(
        Article.objects.filter(keywords__contains=SOURCE_MARK).values_list("keywords", flat=True)
    )
    done_ids = {k.split(SOURCE_MARK, 1)[1].split()[0] for k in done}
    now = clock.now()
    today = now.date()
    created = 0
    with transaction.atomic():
        for row in T.read_table(SEED_CSV):
            source_id = row["留言编号"].strip()
            if not source_id or source_id in done_ids:
                continue
            title, answer = row["留言主题"].strip(), row["答复意见"].strip()
            name = category_name_for(title)
            category = tops.get(name) or tops.get(DEFAULT_CATEGORY) or next(iter(tops.values()))
            unit = units.get(FIRST_LEVEL.get(name, ("", ""))[1]) or centre
            if unit is None:
                continue
            # Review dates spread over the coming year (a stable spread, by source id), a few
            # already past so the demo shows the "needs review" flag.
            spread = int(hashlib.sha1(source_id.encode()).hexdigest()[:6], 16) % 400
            article = Article(
                title=title[:300],
                answer=answer[:10000],
                policy_document=policy_document_of(answer)[:300],
                category=category,
                unit=unit,
                public=True,
                effective_from=_reply_date(row.get("答复时间", "")),
                review_by=today + dt.timedelta(days=spread - 20),
                keywords=f"{SOURCE_MARK}{source_id}",
                status=Article.Status.PUBLISHED,
                version=1,
                created_at=now,
                updated_at=now,
                reviewed_at=now,
            )
            article.search_title, article.search_body = search_tokens(article)
            article.save(force_insert=True)
            version = ArticleVersion(
                article=article,
                number=1,
                action=ArticleVersion.Action.PUBLISH,
                at=now,
                note=f"演示数据：泰迪杯2020 C题公开留言 {source_id} 的答复",
                changed_fields=[],
                status=article.status,
            )
            for field in (
                "title",
                "answer",
                "policy_document",
                "category",
                "unit",
                "public",
                "effective_from",
                "review_by",
                "keywords",
            ):
                setattr(version, field, getattr(article, field))
            version.save(force_insert=True)
            created += 1
    if stdout:
        stdout.write(f"knowledge: {created} articles from {SEED_CSV.name}")
    return created
