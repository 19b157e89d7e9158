"""Searching a word in case titles (issue 27): on PostgreSQL the character-pair index finds the
rows (migration 0020, `cases.selectors.title_word`), and whichever form a word takes — the index
or the plain match, for a page or for a count — the rows are exactly those of the unindexed
`title__icontains` scan. Through the service, the public list and the API."""

from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from cases import selectors
from cases.api import views as api_views
from cases.models import Case
from tests.cases.factories import file_case

pytestmark = pytest.mark.django_db

TITLES = [
    "小区门口道路塌陷",
    "出租车拒载绕路",
    "出租车司机态度差",
    "出租屋噪音扰民",
    "路灯不亮影响出行",
    "道路积水",
    "WiFi 信号差，Free WiFi 无法连接",
    "100%退款承诺未兑现",
    "快递_包裹丢失",
    "反斜杠\\测试标题",
    "噪音噪音噪音",
    "冬季供暖温度不达标",
    "供暖费退费问题",
    "水",
]
WORDS = [
    "出租车",  # several pairs, in two titles
    "出租",  # one pair, in three
    "租车司",  # pairs that occur apart in other titles too
    "道路",
    "噪音噪",  # overlapping repeats
    "wifi",  # Latin letters, case-insensitive
    "FREE WIFI",
    "100%",  # LIKE's own characters are literal
    "%",
    "_",
    "快递_包",
    "\\",
    "供暖",
    "水",  # one character: the plain match
    "鲸鱼搁浅",  # in no title
    "车拒",
]


@pytest.fixture
def titled(world):
    for title in TITLES:
        file_case(world, title=title)
    return world


def scanned(word: str) -> set[str]:
    """The unindexed answer: Python's own case-insensitive substring test."""
    return {t for t in TITLES if word.lower() in t.lower()}


def found(q) -> set[str]:
    return set(Case.objects.filter(q).values_list("title", flat=True))


@pytest.mark.parametrize("share", [0.0, 1.0], ids=["as-rare", "as-common"])
@pytest.mark.parametrize("counting", [False, True], ids=["page", "count"])
def test_every_form_of_a_search_finds_exactly_the_scan(titled, monkeypatch, share, counting):
    # Every word taken as rare (the index) and as common (the plain match), for a page and a
    # count: the same rows as the scan each time.
    monkeypatch.setattr(selectors, "_title_share", lambda word: share)
    for word in WORDS:
        assert found(selectors.case_search(word, counting=counting)) == scanned(word), word


def test_a_rare_word_is_looked_up_in_the_character_pair_index(titled):
    sql = str(Case.objects.filter(selectors.case_search("出租车")).query)
    if connection.vendor == "postgresql":
        assert "civic_title_grams" in sql and "ILIKE" in sql
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM cases_case WHERE civic_title_grams(title) @> "
                "civic_title_grams(%s)",
                ["出租车"],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "case_title_grams_gin" in plan
    else:
        assert "civic_title_grams" not in sql  # SQLite scans


def test_the_planners_share_of_a_word_follows_the_titles(titled):
    if connection.vendor != "postgresql":
        pytest.skip("the share is PostgreSQL's estimate")
    # Enough titles for a statistics sample (below 100 distinct values PostgreSQL guesses).
    model = Case.objects.first()
    clones = []
    for i in range(400):
        model.pk, model.number = None, f"77{i:010d}"
        model.title = f"出租车问题{i}" if i % 5 == 0 else f"路灯不亮{i}"
        clones.append(
            Case(**{f.attname: getattr(model, f.attname) for f in Case._meta.concrete_fields})
        )
    Case.objects.bulk_create(clones)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    common, absent = selectors._title_share("出租"), selectors._title_share("鲸鱼搁浅")
    assert 0.1 < common < 0.35  # 83 of 414 titles
    assert absent < 0.01


def test_a_case_number_is_found_by_its_digits(titled):
    case = Case.objects.first()
    assert set(Case.objects.filter(selectors.case_search(case.number))) == {case}


def test_the_public_list_searches_titles_with_an_exact_count(titled):
    page = Client().get("/public/cases/?q=" + quote("出租")).content.decode()
    for title in ("出租车拒载绕路", "出租车司机态度差", "出租屋噪音扰民"):
        assert title in page
    assert "路灯不亮影响出行" not in page
    absent = Client().get("/public/cases/?q=" + quote("鲸鱼搁浅"))
    assert absent.status_code == 200 and "出租车" not in absent.content.decode()


def test_the_api_counts_a_search_up_to_its_cap(titled, monkeypatch):
    client = Client()
    client.force_login(titled.dispatcher)
    response = client.get("/api/v1/cases/", {"search": "出租"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {r["title"] for r in body["results"]} == scanned("出租")
    # Past the cap the count stops there and the newest matches are paged.
    monkeypatch.setattr(api_views, "SEARCH_COUNT_CAP", 2)
    capped = client.get("/api/v1/cases/", {"search": "出租", "page_size": 1}).json()
    assert capped["count"] == 2 and capped["next"]
    newest = Case.objects.filter(title__contains="出租").order_by("-received_at").first()
    assert capped["results"][0]["number"] == newest.number
    bad = client.get("/api/v1/cases/", {"search": "出租", "status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()["extra"]["fields"]
