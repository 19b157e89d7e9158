"""Articles made through the real services."""

from knowledge import services
from knowledge.models import Article


def draft(w, *, by=None, unit=None, **fields) -> Article:
    fields.setdefault("title", "小区停车费收费标准是多少")
    fields.setdefault(
        "answer", "根据《示范市机动车停放服务收费管理办法》，住宅小区停车费实行政府指导价。"
    )
    fields.setdefault("category", w.department_category)
    return services.article_create(
        actor=by or w.handler, unit=unit or w.department, note="初稿", **fields
    )


def published(w, **fields) -> Article:
    article = draft(w, **fields)
    article = services.article_submit(actor=w.handler, article=article)
    return services.article_publish(actor=w.dispatcher, article=article, note="审核通过")
