"""Issue 30, item 20: overdue milestones are marked where milestones show, and an automatic
theme title names the category and representative words, never a person title like 教授."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.cases.factories import file_case
from themes import hot_topics, services
from themes.hot_topics import TITLE_NOISE_WORDS, HotTopic, is_title_word
from themes.models import Theme

from .helpers import at, file_month

pytestmark = pytest.mark.django_db

OVERDUE_BADGE = re.compile(r'<span class="badge bad" data-testid="overdue">')


@pytest.fixture
def road_theme(world):
    with time_machine.travel(at(2026, 11, 2), tick=False):
        file_month(world)
        return services.theme_promote(
            actor=world.dispatcher,
            month="2026-10",
            topic=hot_topics.analyse("2026-10").topics[0].key,
            lead_unit=world.department,
            milestones=[("摸排", dt.date(2026, 11, 10)), ("修补完成", dt.date(2026, 11, 30))],
            activate=True,
        )


def _row(html: str, title: str) -> str:
    match = re.search(rf'<tr[^>]*><th scope="row">{title}</th>.*?</tr>', html, re.S)
    assert match, title
    return match.group(0)


# --- (a) overdue milestones ------------------------------------------------------------------


def test_overdue_milestone_has_a_badge_on_the_theme_page_and_in_the_list(client, road_theme):
    url = reverse("themes:detail", args=[road_theme.pk])
    with time_machine.travel(at(2026, 11, 10), tick=False):  # due today: not overdue yet
        html = client.get(url).content.decode()
        assert not OVERDUE_BADGE.search(html)
    with time_machine.travel(at(2026, 11, 20), tick=False):
        html = client.get(url).content.decode()
        assert OVERDUE_BADGE.search(_row(html, "摸排"))
        assert not OVERDUE_BADGE.search(_row(html, "修补完成"))  # due on the 30th
        assert len(OVERDUE_BADGE.findall(html)) == 1
        assert 'data-testid="overdue-count"' in html
        listing = client.get(reverse("themes:list")).content.decode()
        card = re.search(rf'<li class="card" data-theme="{road_theme.pk}">.*?</li>', listing, re.S)
        assert '<span class="badge bad" data-testid="overdue-count">' in card.group(0)


def test_a_done_milestone_is_never_overdue(client, world, road_theme):
    first = road_theme.milestones.get(title="摸排")
    with time_machine.travel(at(2026, 11, 20), tick=False):
        services.milestone_done(actor=world.handler, milestone=first, note="")
        html = client.get(reverse("themes:detail", args=[road_theme.pk])).content.decode()
        assert not OVERDUE_BADGE.search(html) and 'data-testid="overdue-count"' not in html
        listing = client.get(reverse("themes:list")).content.decode()
        assert 'data-testid="overdue-count"' not in listing


def test_overdue_in_the_api(api_client, road_theme):
    with time_machine.travel(at(2026, 11, 20), tick=False):
        body = api_client.get(f"/api/v1/themes/{road_theme.pk}/").json()
    assert [m["overdue"] for m in body["milestones"]] == [True, False]
    assert body["progress"]["milestones_overdue"] == 1


def test_milestone_table_stacks_on_a_phone(client, road_theme):
    html = client.get(reverse("themes:detail", args=[road_theme.pk])).content.decode()
    table = re.search(r'<table class="stack milestones".*?</table>', html, re.S).group(0)
    assert '<th scope="row">摸排</th>' in table
    assert table.count('data-label="') >= 2 * 2


# --- (b) automatic titles --------------------------------------------------------------------

NOISY = [
    ("教授反映夜间施工噪音", "教授您好，教授家旁边工地夜间施工，噪音很大，教授睡不着。"),
    ("教授投诉施工噪音", "教授说工地夜里施工噪音扰民，教授希望管一管。"),
    ("夜间施工噪音扰民教授", "请问教授，工地夜间施工噪音，教授一家无法休息。"),
]


@pytest.fixture
def noisy_topic(world):
    with time_machine.travel(at(2026, 11, 2), tick=False):
        for i, (title, body) in enumerate(NOISY):
            file_case(world, title=title, description=body, received_at=at(2026, 10, 3 + i))
    (topic,) = hot_topics.analyse("2026-10").topics
    # The premise: the callers' honorific is the group's heaviest word.
    assert topic.keywords[0] == "教授"
    return topic


def test_automatic_title_skips_a_person_title_and_names_the_category(world, noisy_topic):
    assert noisy_topic.suggested_title == f"{world.department_category.name}：噪音、施工"
    theme = services.theme_promote(
        actor=world.dispatcher, month="2026-10", topic=noisy_topic.key, lead_unit=world.department
    )
    assert theme.title == "道路破损：噪音、施工"
    assert "教授" not in theme.title and "教授" not in theme.keyword_list
    assert theme.keyword_list == ["噪音", "施工", "夜间"]


def test_promote_form_offers_the_clean_title(client, world, noisy_topic):
    client.force_login(world.dispatcher)
    page = client.get(reverse("themes:promote"), {"month": "2026-10", "topic": noisy_topic.key})
    title = re.search(r'<input[^>]*name="title"[^>]*>', page.content.decode()).group(0)
    assert 'value="道路破损：噪音、施工"' in title


def test_noise_words_never_make_a_title():
    for word in ("教授", "先生", "女士", "老师", "领导", "同志", "您好", "你好", "请问", "谢谢"):
        assert word in TITLE_NOISE_WORDS and not is_title_word(word)
    assert "问题" in TITLE_NOISE_WORDS and "情况" in TITLE_NOISE_WORDS
    assert is_title_word("噪音") and not is_title_word("12号")
    topic = HotTopic(
        key="1", rank=1, count=2, me_too=0, weight=2, previous=0, growth=None, spread=1,
        keywords=["先生", "问题", "供暖", "温度", "不达标"], category_id=None, category_name="",
        representatives=[],
    )  # fmt: skip
    # Without a category (and as an analysis cached before title_words existed did): three
    # representative words from the keywords.
    assert topic.suggested_title == "供暖、温度、不达标"


def test_a_theme_title_given_by_the_dispatcher_is_kept(world, noisy_topic):
    theme = services.theme_promote(
        actor=world.dispatcher,
        month="2026-10",
        topic=noisy_topic.key,
        lead_unit=world.department,
        title="夜间施工噪音专项治理",
    )
    assert Theme.objects.get(pk=theme.pk).title == "夜间施工噪音专项治理"
