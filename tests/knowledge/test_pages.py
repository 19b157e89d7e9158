"""Pages: the console panel and answering on the spot, reply → draft, staff list/detail/forms,
the review queue, statistics, the public FAQ and the filing page's suggestions."""

import datetime as dt

import pytest

from cases.models import Case, Status
from knowledge import selectors, services
from knowledge.models import Article, ArticleUse
from tests.cases.factories import case_in

from .factories import draft, published

pytestmark = pytest.mark.django_db


def call(world, **extra):
    data = {
        "kind": "consultation",
        "category": world.department_category.pk,
        "title": "小区停车费收费标准",
        "description": "来电人询问小区停车费收费标准是多少。",
        "region": world.community.pk,
        "address": "多福巷12号",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }
    data.update(extra)
    return data


# --- the console ------------------------------------------------------------------------


def test_console_panel_and_search_json_for_centre_staff_only(client, world):
    article = published(world)
    client.force_login(world.operator)
    page = client.get("/console/").content.decode()
    assert 'id="knowledge-panel"' in page and 'formaction="/knowledge/answer-on-spot/"' in page
    data = client.get("/knowledge/search.json", {"q": "停车费怎么收"}).json()
    assert data["results"][0]["id"] == article.pk and data["results"][0]["answer"]
    client.force_login(world.handler)
    assert client.get("/knowledge/search.json", {"q": "停车费"}).status_code == 403


def test_answer_on_the_spot_closes_case_counts_uses_and_cites_articles(client, world):
    a1 = published(world)
    a2 = published(world, title="停车位租赁合同", answer="车位租赁按合同约定执行。")
    client.force_login(world.operator)
    response = client.post(
        "/knowledge/answer-on-spot/", {**call(world), "articles": [a1.pk, a2.pk]}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/dispatch/case/{case.number}/"
    assert case.status == Status.CLOSED and case.outcome == "answered_on_spot"
    assert case.channel == "hotline" and case.first_receiver == world.operator
    event = case.events.filter(action="close_without_dispatch").get()
    assert a1.title in event.note and f"#{a2.pk}" in event.note
    assert set(ArticleUse.objects.values_list("article_id", flat=True)) == {a1.pk, a2.pk}
    page = client.get(response["Location"]).content.decode()
    assert a1.title in page.split('id="knowledge-case"')[1]  # the case page lists them


def test_answer_on_the_spot_without_article_rerenders_console_and_writes_nothing(client, world):
    published(world)
    client.force_login(world.operator)
    response = client.post("/knowledge/answer-on-spot/", call(world))
    assert response.status_code == 400
    assert 'id="knowledge-errors"' in response.content.decode()
    assert not Case.objects.exists() and not ArticleUse.objects.exists()


def test_answer_on_the_spot_with_unpublished_article_is_refused(client, world):
    article = draft(world)
    client.force_login(world.operator)
    response = client.post("/knowledge/answer-on-spot/", {**call(world), "articles": [article.pk]})
    assert response.status_code == 400
    assert "knowledge-errors" in response.content.decode()
    assert not Case.objects.exists()


def test_answer_on_the_spot_with_bad_case_fields_shows_field_errors(client, world):
    article = published(world)
    client.force_login(world.operator)
    response = client.post(
        "/knowledge/answer-on-spot/", {**call(world, title=""), "articles": [article.pk]}
    )
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()
    # The ticked article stays ticked for the second try.
    assert f'value="{article.pk}" id="kb-article-{article.pk}" checked' in response.content.decode()
    assert not Case.objects.exists()


def test_only_centre_staff_answer_on_the_spot(client, world):
    article = published(world)
    client.force_login(world.handler)
    response = client.post("/knowledge/answer-on-spot/", {**call(world), "articles": [article.pk]})
    assert response.status_code == 403
    assert client.get("/knowledge/answer-on-spot/").status_code in (403, 405)


def test_stats_show_on_spot_rate_and_top_articles(client, world):
    article = published(world)
    client.force_login(world.operator)
    client.post("/knowledge/answer-on-spot/", {**call(world), "articles": [article.pk]})
    client.post("/console/", call(world, title="另一个来电", kind="complaint"))
    from tests.cases.factories import file_case

    file_case(world)  # a web case: not in the hotline rate
    rates = selectors.on_spot_rates()
    assert rates[0]["total"] == 2 and rates[0]["on_spot"] == 1 and rates[0]["rate"] == 0.5
    page = client.get("/knowledge/stats/").content.decode()
    assert "50%" in page and article.title in page
    client.force_login(world.handler)
    assert client.get("/knowledge/stats/").status_code == 403


# --- reply → draft ---------------------------------------------------------------------


def test_reply_becomes_a_draft_in_one_click(client, world):
    case = case_in(world, "replied")
    client.force_login(world.dispatcher)
    page = client.get(f"/dispatch/case/{case.number}/").content.decode()
    assert 'id="reply-to-draft"' in page
    response = client.post(f"/knowledge/from-case/{case.number}/")
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/knowledge/{article.pk}/edit/"
    assert article.status == "draft" and article.source_case == case
    assert article.answer == "已修复路面。" and article.unit == world.department
    assert article.category == case.category and case.title in article.title
    assert client.get(response["Location"]).status_code == 200


def test_a_draft_from_a_reply_carries_no_personal_details_and_is_not_public(client, world):
    from cases import services as case_services
    from cases.models import Reply

    case = case_in(world, "in_progress", title="门口路面塌陷，电话13912345678")
    case_services.case_reply(
        actor=world.handler,
        case=case,
        text="已联系13912345678的张先生，多福巷12号3单元门口路面今天已修复。",
        result=Reply.Result.RESOLVED,
    )
    client.force_login(world.dispatcher)
    client.post(f"/knowledge/from-case/{case.number}/")
    article = Article.objects.get()
    assert "13912345678" not in article.title + article.answer
    assert "12号3单元" not in article.answer and "多福巷" in article.answer
    assert article.public is False


def test_no_draft_button_for_open_case_and_no_draft_from_case_without_reply(client, world):
    case = case_in(world, "in_progress")
    client.force_login(world.dispatcher)
    assert (
        'id="reply-to-draft"' not in client.get(f"/dispatch/case/{case.number}/").content.decode()
    )
    response = client.post(f"/knowledge/from-case/{case.number}/", follow=True)
    assert response.status_code == 200 and not Article.objects.exists()
    client.force_login(world.handler)
    assert client.post(f"/knowledge/from-case/{case.number}/").status_code == 403


# --- staff pages ------------------------------------------------------------------------


def test_unit_editor_creates_edits_submits_and_centre_publishes_through_pages(client, world):
    client.force_login(world.handler)
    form = {
        "title": "占道经营如何举报",
        "answer": "拨打12345或在网上提交。",
        "category": world.street_category.pk,
        "unit": world.department.pk,
        "public": "on",
        "note": "新建",
    }
    response = client.post("/knowledge/new/", form)
    article = Article.objects.get()
    assert response.status_code == 302 and article.unit == world.department
    response = client.post(
        f"/knowledge/{article.pk}/edit/", {**form, "answer": "拨打12345。", "version": 1}
    )
    assert response.status_code == 302
    stale = client.post(f"/knowledge/{article.pk}/edit/", {**form, "answer": "旧版", "version": 1})
    assert stale.status_code == 409
    assert client.post(f"/knowledge/{article.pk}/submit/", {"version": 2}).status_code == 302
    assert client.post(f"/knowledge/{article.pk}/publish/", {"version": 3}).status_code == 403
    client.force_login(world.dispatcher)
    assert article.title in client.get("/knowledge/review/").content.decode()
    assert client.post(f"/knowledge/{article.pk}/publish/", {"version": 3}).status_code == 302
    page = client.get(f"/knowledge/{article.pk}/").content.decode()
    assert 'data-version="4"' in page and 'data-version="1"' in page
    article.refresh_from_db()
    assert article.status == "published"


def test_create_form_errors_are_400_not_500(client, world):
    client.force_login(world.handler)
    response = client.post("/knowledge/new/", {"title": "", "answer": "", "category": "x"})
    assert response.status_code == 400 and "has-error" in response.content.decode()
    response = client.post(
        "/knowledge/new/",
        {
            "title": "问题",
            "answer": "答复",
            "category": world.street_category.pk,
            "unit": world.other_department.pk,
        },
    )
    assert response.status_code == 400  # not a unit of this editor: not a choice


def test_retire_needs_confirmation(client, world):
    article = published(world)
    client.force_login(world.dispatcher)
    response = client.post(f"/knowledge/{article.pk}/retire/", {"version": article.version})
    assert response.status_code == 400
    article.refresh_from_db()
    assert article.status == "published"
    response = client.post(
        f"/knowledge/{article.pk}/retire/", {"version": article.version, "confirm": "on"}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "retired"


def test_other_unit_cannot_open_edit_page_and_does_not_see_drafts(client, world):
    article = draft(world)
    client.force_login(world.other_handler)
    assert client.get(f"/knowledge/{article.pk}/edit/").status_code == 404
    assert client.get(f"/knowledge/{article.pk}/").status_code == 404
    assert article.title not in client.get("/knowledge/").content.decode()


def test_list_filters_and_needs_review_flag(client, world):
    overdue = published(world, review_by=selectors.today() - dt.timedelta(days=2))
    fine = published(world, title="公交卡充值地点", answer="各地铁站均可充值。")
    client.force_login(world.dispatcher)
    page = client.get("/knowledge/", {"overdue": "on"}).content.decode()
    assert f'data-article="{overdue.pk}"' in page and f'data-article="{fine.pk}"' not in page
    assert "data-needs-review" in page
    found = client.get("/knowledge/", {"q": "公交卡充值"}).content.decode()
    assert f'data-article="{fine.pk}"' in found
    assert client.get("/knowledge/", {"status": "bogus"}).status_code == 200


def test_residents_and_anonymous_cannot_open_staff_pages(client, world):
    article = published(world)
    assert client.get("/knowledge/").status_code == 302  # to the login page
    client.force_login(world.resident)
    for url in (
        "/knowledge/",
        f"/knowledge/{article.pk}/",
        "/knowledge/new/",
        "/knowledge/review/",
    ):
        assert client.get(url).status_code == 403, url


# --- public side ------------------------------------------------------------------------


def test_faq_shows_only_published_public_articles(client, world):
    public = published(world, title="公开的停车问题", public=True)
    internal = published(world, title="内部的停车问题", public=False)
    pending = draft(world, title="待审的停车问题", public=True)
    page = client.get("/faq/").content.decode()
    assert public.title in page and internal.title not in page and pending.title not in page
    assert client.get(f"/faq/{public.pk}/").status_code == 200
    assert client.get(f"/faq/{internal.pk}/").status_code == 404
    assert client.get(f"/faq/{pending.pk}/").status_code == 404
    searched = client.get("/faq/", {"q": "停车问题"}).content.decode()
    assert public.title in searched and internal.title not in searched


def test_filing_page_panel_and_public_suggestions(client, world):
    public = published(world, title="小区停车费收费标准", public=True)
    published(world, title="小区停车费内部口径", public=False)
    assert 'id="faq-hint"' in client.get("/cases/new/").content.decode()
    data = client.get("/faq/suggest.json", {"q": "停车费收费"}).json()
    assert [r["id"] for r in data["results"]] == [public.pk]
    assert set(data["results"][0]) == {"id", "title", "summary", "url"}
    assert client.get("/faq/suggest.json", {"q": "停", "category": "abc"}).json() == {"results": []}


def test_public_suggestions_are_rate_limited(client, world, settings):
    from knowledge import views

    settings_limit = views.SUGGEST_PER_MINUTE
    views.SUGGEST_PER_MINUTE = 2
    try:
        codes = [client.get("/faq/suggest.json", {"q": "停车"}).status_code for _ in range(3)]
    finally:
        views.SUGGEST_PER_MINUTE = settings_limit
    assert codes == [200, 200, 429]


def test_services_answer_on_spot_is_atomic(world):
    from civic.errors import DomainValidationError

    article = published(world)
    with pytest.raises(DomainValidationError):
        services.answer_on_spot(
            actor=world.operator,
            articles=[article],
            case_fields={
                "kind": "consultation",
                "category": world.department_category,
                "title": "",
                "description": "x",
                "region": world.community,
            },
        )
    assert not Case.objects.exists() and not ArticleUse.objects.exists()
