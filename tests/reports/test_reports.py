"""The monthly analysis report (issue 33): figures per region, equal to the published boards;
archived page and PDF per month and region; the monthly task; subscribers told; scoping."""

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from assessment import selectors as assessment_selectors
from cases.models import Channel
from civic.models import Membership, Notification, Region
from reports import services
from reports.models import MonthlyReport, ReportSubscription
from tests.assessment.test_pages import published  # noqa: F401
from tests.cases.factories import file_case
from tests.factories import RegionFactory, UnitFactory, member

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def test_the_reports_rates_ranks_and_boards_equal_the_published_boards(published):  # noqa: F811
    w, run = published
    report = services.report_generate(month=MONTH, region=w.city, actor=w.dispatcher)
    figures = report.figures["assessment"]
    assert figures["published"] and figures["revision"] == run.revision
    for score in run.scores.select_related("unit"):
        (row,) = [r for r in figures["rows"] if r["unit"] == score.unit.name]
        for rate in ("response_rate", "resolution_rate", "satisfaction_rate", "score"):
            value = getattr(score, rate)
            assert row[rate] == (None if value is None else float(value)), rate
        assert (row["rank"], row["board"], row["cases"]) == (score.rank, score.board, score.cases)
    boards = assessment_selectors.boards(run)
    assert sorted(r["unit"] for r in figures["red"]) == sorted(
        s.unit.name for g in boards for s in g.red
    )
    assert sorted(r["unit"] for r in figures["black"]) == sorted(
        s.unit.name for g in boards for s in g.black
    )
    page = _client(w.dispatcher).get(f"/reports/{report.pk}/").content.decode()
    assert "市城管委" in page and "75.0 %" in page  # the satisfaction rate the boards show


def test_volumes_growth_and_the_problems_that_grew_most_with_anonymised_examples(world):
    with time_machine.travel(dt.datetime(2026, 2, 10, 10), tick=False):
        file_case(world)
    with time_machine.travel(dt.datetime(2026, 3, 10, 10), tick=False):
        for _ in range(2):
            file_case(world, title="路面塌陷，联系电话13912345678", channel=Channel.WEB)
        file_case(world, by=world.operator, channel=Channel.HOTLINE)
        file_case(world, region=world.other_community)
    report = services.report_generate(month=MONTH, region=world.city, actor=world.dispatcher)
    f = report.figures
    assert f["volume"] == {"this": 4, "last": 1, "growth": 3.0}
    assert {c["code"]: (c["this"], c["last"]) for c in f["channels"]} == {
        "web": (3, 1),
        "hotline": (1, 0),
    }
    (grew,) = f["grew_most"]
    assert (grew["this"], grew["last"]) == (4, 1)
    titles = " ".join(e["title"] for e in grew["examples"])
    assert "13912345678" not in titles and len(grew["examples"]) == 2
    street = services.report_generate(month=MONTH, region=world.street, actor=world.dispatcher)
    assert street.figures["volume"]["this"] == 3  # the other community is in another street


def test_a_pdf_is_archived_and_set_in_chinese_fonts(world):
    report = services.report_generate(month=MONTH, region=world.city, actor=world.dispatcher)
    with report.pdf.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string("reports/pdf.html", {"report": report, "figures": report.figures})
    assert "民情分析月报" in html
    document = HTML(string=html).render()
    document.write_pdf()
    fonts = [font.name for font in document.fonts.values()]
    # The Chinese text is set in Noto CJK (a sign or arrow may fall back to another font).
    assert any(b"Noto-Sans-CJK-SC" in name for name in fonts), fonts
    download = _client(world.dispatcher).get(f"/reports/{report.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(world.dispatcher)
    in_english = english.get(f"/reports/{report.pk}/pdf/")
    assert (
        b"".join(in_english.streaming_content if in_english.streaming else [in_english.content])[:5]
        == b"%PDF-"
    )


def test_generating_again_adds_a_revision_and_keeps_the_first(world):
    first = services.report_generate(month=MONTH, region=world.city, actor=world.dispatcher)
    second = services.report_generate(month=MONTH, region=world.city, actor=world.dispatcher)
    assert (first.revision, second.revision) == (1, 2)
    assert MonthlyReport.objects.filter(month=MONTH, region=world.city).count() == 2
    listed = _client(world.dispatcher).get("/reports/").content.decode()
    assert f"/reports/{second.pk}/" in listed and f'/reports/{first.pk}/"' not in listed


def test_the_monthly_task_reports_last_month_on_the_first_working_day_once(world):
    with time_machine.travel(dt.datetime(2026, 12, 2, 8), tick=False):
        assert services.generate_monthly_reports() == []  # not the first working day
    with time_machine.travel(dt.datetime(2026, 12, 1, 8), tick=False):
        made = services.generate_monthly_reports()
        again = services.generate_monthly_reports()
    levels = {r.region.level for r in made}
    assert {r.month for r in made} == {dt.date(2026, 11, 1)}
    assert levels == {Region.Level.CITY, Region.Level.DISTRICT, Region.Level.STREET}
    assert len(made) == Region.objects.filter(level__in=["city", "district", "street"]).count()
    assert again == []


def test_subscribers_are_told_and_may_subscribe_only_where_they_may_read(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    leader = world.viewer
    district_unit = leader.memberships.get().unit
    district_unit.jurisdiction = world.district
    district_unit.save()
    client = _client(leader)
    done = client.post("/reports/subscribe/", {"region": world.district.pk, "subscribed": "on"})
    assert done.status_code == 302
    assert ReportSubscription.objects.filter(user=leader, region=world.district).exists()
    refused = client.post("/reports/subscribe/", {"region": world.city.pk, "subscribed": "on"})
    assert refused.status_code == 302
    assert not ReportSubscription.objects.filter(user=leader, region=world.city).exists()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=MONTH, region=world.district)
    note = Notification.objects.get(user=leader, kind="monthly_report")
    assert note.url == f"/reports/{report.pk}/"
    # The mail goes out in Chinese, with the link to the report.
    (mail,) = [m for m in mailoutbox if leader.email in m.to]
    assert mail.subject == f"2026-03 民情分析月报：{world.district.name}"
    assert f"/reports/{report.pk}/" in mail.body
    client.post("/reports/subscribe/", {"region": world.district.pk, "subscribed": ""})
    assert not ReportSubscription.objects.filter(user=leader).exists()


def test_readers_see_only_reports_of_their_regions(world):
    city = services.report_generate(month=MONTH, region=world.city, actor=world.dispatcher)
    street = services.report_generate(month=MONTH, region=world.street, actor=world.dispatcher)
    official = _client(world.street_official)
    assert official.get(f"/reports/{street.pk}/").status_code == 200
    assert official.get(f"/reports/{city.pk}/").status_code == 404
    assert official.get(f"/reports/{city.pk}/pdf/").status_code == 404
    other_street = RegionFactory(level=Region.Level.STREET, parent=world.district)
    refused = official.post("/reports/generate/", {"month": "2026-03", "region": other_street.pk})
    assert refused.status_code == 400 and not MonthlyReport.objects.filter(region=other_street)
    for user in (world.resident, world.handler):
        assert _client(user).get("/reports/").status_code == 403
    stranger = member(Membership.Role.VIEWER, UnitFactory(kind="district"))
    assert _client(stranger).get("/reports/").status_code == 403  # a unit with no region


def test_the_generate_form_refuses_a_future_or_malformed_month(world):
    client = _client(world.dispatcher)
    for month in ("2099-01", "2026-13", "March"):
        response = client.post("/reports/generate/", {"month": month, "region": world.city.pk})
        assert response.status_code == 400
        assert response.context["form"].errors
    assert not MonthlyReport.objects.exists()
    made = client.post("/reports/generate/", {"month": "2026-03", "region": world.city.pk})
    assert made.status_code == 302
    follow = client.get(made["Location"])
    assert "2026-03" in follow.content.decode()


def test_api_lists_reads_and_makes_reports_within_scope(world):
    api = _client(world.dispatcher)
    made = api.post(
        "/api/v1/reports/",
        {"month": "2026-03", "region": world.city.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["figures"]["month"] == "2026-03" and body["pdf_url"].endswith("/pdf/")
    assert [r["id"] for r in api.get("/api/v1/reports/").json()] == [body["id"]]
    assert (
        api.get(f"/api/v1/reports/{body['id']}/").json()["figures"]["region"]["id"] == world.city.pk
    )
    bad = api.post(
        "/api/v1/reports/", {"month": "2026-3", "region": 10**30}, content_type="application/json"
    )
    assert bad.status_code == 400 and {"month", "region"} <= set(bad.json()["extra"]["fields"])
    assert _client(world.resident).get("/api/v1/reports/").status_code == 403
    assert _client(world.street_official).get(f"/api/v1/reports/{body['id']}/").status_code == 404


def test_the_months_themes_show_their_progress(world):
    from themes import services as themes

    themes.theme_create(
        actor=world.dispatcher, title="道路塌陷专项治理", month="2026-03",
        lead_unit=world.department, milestones=[("摸排", dt.date(2026, 3, 20)), ("修复", dt.date(2026, 3, 30))],
    )  # fmt: skip
    themes.theme_create(actor=world.dispatcher, title="另一个月", month="2026-04",
                        lead_unit=world.department)  # fmt: skip
    report = services.report_generate(month=MONTH, region=world.city, actor=world.dispatcher)
    (theme,) = report.figures["themes"]
    assert theme["title"] == "道路塌陷专项治理" and theme["percent"] == 0
    assert (theme["cases_total"], theme["cases_closed"]) == (0, 0)
