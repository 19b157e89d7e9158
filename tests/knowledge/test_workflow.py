"""Who may draft, edit, submit, publish, send back and retire; every change a version."""

import pytest
from django.contrib import admin

from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from knowledge import services
from knowledge.models import Article, ArticleVersion

from .factories import draft, published

pytestmark = pytest.mark.django_db


def test_unit_editor_drafts_for_own_unit_and_a_version_is_written(world):
    article = draft(world)
    assert article.status == "draft" and article.version == 1
    v = article.versions.get()
    assert (v.number, v.action, v.actor, v.note) == (1, "create", world.handler, "初稿")
    assert "停车" in article.search_title.split()


def test_editor_cannot_draft_for_another_unit(world):
    with pytest.raises(PermissionDeniedError):
        draft(world, by=world.handler, unit=world.other_department)


def test_viewer_and_resident_cannot_draft(world):
    for user in (world.viewer, world.resident):
        with pytest.raises(PermissionDeniedError):
            draft(world, by=user)


def test_other_unit_cannot_edit(world):
    article = draft(world)
    with pytest.raises(PermissionDeniedError):
        services.article_update(actor=world.other_handler, article=article, title="改了")


def test_unit_editor_cannot_publish(world):
    article = services.article_submit(actor=world.handler, article=draft(world))
    with pytest.raises(PermissionDeniedError):
        services.article_publish(actor=world.handler, article=article)
    assert Article.objects.get(pk=article.pk).status == "in_review"


def test_centre_publishes_and_every_step_is_kept(world):
    article = published(world)
    assert article.status == "published" and article.reviewed_at is not None
    actions = list(article.versions.order_by("number").values_list("action", "actor__username"))
    assert actions == [
        ("create", "handler"),
        ("submit", "handler"),
        ("publish", "dispatcher"),
    ]


def test_edit_writes_new_version_with_changed_fields_and_old_text_stays(world):
    article = draft(world)
    article = services.article_update(
        actor=world.handler, article=article, answer="新的答复内容", note="补充", expected_version=1
    )
    assert article.version == 2
    latest, first = article.versions.order_by("-number")[:2]
    assert latest.changed_fields == ["answer"] and latest.note == "补充"
    assert first.answer.startswith("根据《示范市") and latest.answer == "新的答复内容"


def test_stale_version_is_a_conflict(world):
    article = draft(world)
    services.article_update(actor=world.handler, article=article, title="第一次修改")
    with pytest.raises(ConflictError):
        services.article_update(
            actor=world.handler, article=article, title="第二次修改", expected_version=1
        )


def test_unit_edit_of_published_article_returns_it_to_draft_centre_edit_does_not(world):
    article = published(world)
    article = services.article_update(actor=world.dispatcher, article=article, keywords="停车")
    assert article.status == "published"
    article = services.article_update(actor=world.handler, article=article, keywords="停车 车位")
    assert article.status == "draft"
    assert "status" in article.versions.order_by("-number").first().changed_fields


def test_send_back_needs_a_note_and_returns_to_draft(world):
    article = services.article_submit(actor=world.handler, article=draft(world))
    with pytest.raises(DomainValidationError):
        services.article_send_back(actor=world.dispatcher, article=article, note=" ")
    article = services.article_send_back(actor=world.dispatcher, article=article, note="补充依据")
    assert article.status == "draft"


def test_in_review_is_locked_for_the_unit(world):
    article = services.article_submit(actor=world.handler, article=draft(world))
    with pytest.raises(ConflictError):
        services.article_update(actor=world.handler, article=article, title="审核中修改")


def test_retired_cannot_be_edited_or_republished(world):
    article = services.article_retire(actor=world.dispatcher, article=published(world))
    with pytest.raises(ConflictError):
        services.article_update(actor=world.dispatcher, article=article, title="x" * 10)
    with pytest.raises(ConflictError):
        services.article_publish(actor=world.dispatcher, article=article)
    with pytest.raises(PermissionDeniedError):
        services.article_retire(actor=world.handler, article=article)


def test_blank_answer_and_bad_dates_are_field_errors(world):
    with pytest.raises(DomainValidationError) as exc:
        draft(world, answer="  ")
    assert "answer" in exc.value.extra["fields"]
    import datetime as dt

    with pytest.raises(DomainValidationError) as exc:
        draft(world, effective_from=dt.date(2026, 5, 1), effective_to=dt.date(2026, 1, 1))
    assert "effective_to" in exc.value.extra["fields"]


def test_nothing_is_deletable_in_admin(rf, world):
    request = rf.get("/")
    request.user = world.operator
    article_admin = admin.site._registry[Article]
    assert not article_admin.has_delete_permission(request)
    assert ArticleVersion not in admin.site._registry  # read only inside the article's page
    from knowledge.admin import ArticleVersionInline

    versions = ArticleVersionInline(Article, admin.site)
    assert not versions.has_delete_permission(request)
