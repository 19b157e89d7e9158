"""Public text names no door: building, compound, unit, floor and room numbers are scrubbed from
titles, replies and descriptions the public reads, as phone, ID-card and plate numbers are,
while streets, lanes, communities and ordinary numbers stay (issue 31, finding 5)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import services
from cases.masking import scrub_text
from cases.models import Reply
from tests.cases.factories import case_in

REPLIES = [
    (
        "您好，经核实，多福巷3号楼2单元门口路面塌陷，已于3月5号修复。",
        "您好，经核实，多福巷***门口路面塌陷，已于3月5号修复。",
    ),
    ("3号楼2单元501室漏水已维修。", "***漏水已维修。"),
    ("吉祥胡同12号院3号楼楼道灯已更换。", "吉祥胡同***楼道灯已更换。"),
    ("5栋东侧垃圾已清运。", "***东侧垃圾已清运。"),
    ("1101室噪音扰民，已上门劝导。", "***噪音扰民，已上门劝导。"),
    ("2单元楼道堆物已清理。", "***楼道堆物已清理。"),
    ("门牌号12号的住户已联系。", "门牌号***的住户已联系。"),
    ("东四十条3号门前积水已排除。", "东四十条***门前积水已排除。"),
    ("世纪大道100号的路灯已修复。", "世纪大道***的路灯已修复。"),
    ("三号楼二单元的电梯已修好。", "***的电梯已修好。"),
    ("望京SOHO T1座1203的投诉已转物业。", "望京SOHO ***的投诉已转物业。"),
    ("3号楼-2-501反映的问题已解决。", "***反映的问题已解决。"),
    ("B1栋地下室渗水。", "***地下室渗水。"),
]

KEPT = [
    "已于2026年3月5号修复，历时3个月，上门2次。",
    "请拨打12345热线，或到3号窗口办理。",
    "地铁3号线站口的共享单车已清理。",
    "该户型为2室1厅，住在5楼，全楼100户居民受影响。",
    "附近两栋楼都停水，一栋楼已恢复。",
    "东华门街道多福巷社区",
    "下午3点前处理，费用200元，第3条规定。",
]


@pytest.mark.parametrize(
    ("text", "expected"), REPLIES, ids=[f"reply{i}" for i in range(len(REPLIES))]
)
def test_door_level_addresses_are_scrubbed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize("text", KEPT, ids=[f"kept{i}" for i in range(len(KEPT))])
def test_ordinary_text_is_kept(text):
    assert scrub_text(text) == text


# --- properties ----------------------------------------------------------------------------

DIGITS = st.integers(min_value=1, max_value=2999).map(str)
ROOM = st.integers(min_value=101, max_value=3299).map(str)
ROADS = st.sampled_from(["多福巷", "吉祥胡同", "东四十条", "建国路", "世纪大道", "王府井大街"])
BUILDING = st.one_of(
    DIGITS.map(lambda n: f"{n}号楼"),
    DIGITS.map(lambda n: f"{n}号院"),
    DIGITS.map(lambda n: f"{n}栋"),
    DIGITS.map(lambda n: f"{n}幢"),
    DIGITS.map(lambda n: f"{n}单元"),
    ROOM.map(lambda n: f"{n}室"),
)
FLOOR = st.integers(min_value=1, max_value=40).map(str)
DETAIL = st.one_of(
    DIGITS.map(lambda n: f"{n}单元"),
    FLOOR.map(lambda n: f"{n}门"),
    FLOOR.map(lambda n: f"{n}层"),
    ROOM.map(lambda n: f"{n}室"),
)
ADDRESS = st.tuples(
    st.one_of(st.just(""), ROADS),
    BUILDING,
    st.lists(DETAIL, max_size=2),
    st.one_of(st.just(""), ROOM, ROOM.map(lambda n: f"-{n}")),  # 3号楼2单元501, 3号楼-501
).map(lambda t: (t[0], t[1] + "".join(t[2]) + t[3]))
# Words that hold digits in ordinary replies, and words that hold none.
ORDINARY = st.one_of(
    st.tuples(st.integers(1, 12), st.integers(1, 28)).map(lambda d: f"{d[0]}月{d[1]}号"),
    st.integers(1, 12).map(lambda n: f"{n}个月"),
    st.integers(1, 99).map(lambda n: f"{n}次"),
    st.integers(1, 99).map(lambda n: f"{n}天"),
    st.integers(1, 30).map(lambda n: f"{n}楼"),
    st.integers(1, 999).map(lambda n: f"{n}户"),
    st.integers(1, 20).map(lambda n: f"地铁{n}号线"),
    st.integers(1, 9999).map(lambda n: f"{n}元"),
    st.sampled_from(["12345", "2026年", "经核实", "已处理", "，", "。", "居民", "反映", "问题"]),
)
FILLER = st.sampled_from(["经核实", "已处理", "，", "。", "居民反映", "问题", "您好", "门口"])


@settings(max_examples=300, deadline=None)
@given(before=st.lists(FILLER, max_size=3), address=ADDRESS, after=st.lists(FILLER, max_size=3))
def test_no_door_number_survives_in_a_reply(before, address, after):
    road, door = address
    head, tail = "".join(before), "".join(after)
    scrubbed = scrub_text(f"{head}{road}{door}{tail}")
    assert door not in scrubbed
    assert scrubbed == f"{head}{road}***{tail}"


@settings(max_examples=300, deadline=None)
@given(st.lists(ORDINARY, max_size=12))
def test_ordinary_replies_are_unchanged(words):
    text = "".join(words)
    assert scrub_text(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_scrubbing_twice_changes_nothing_more(text):
    once = scrub_text(text)
    assert scrub_text(once) == once


@pytest.mark.django_db
def test_the_public_case_page_shows_no_door_of_the_reply(client, world):
    case = case_in(world, "in_progress", title="多福巷3号楼2单元门口路面塌陷")
    services.case_reply(
        actor=world.handler,
        case=case,
        text="经核实，多福巷3号楼2单元501室门口路面已修复。",
        result=Reply.Result.RESOLVED,
    )
    page = client.get(f"/public/cases/{case.number}/").content.decode()
    assert "多福巷***门口路面塌陷" in page and "多福巷***门口路面已修复" in page
    for door in ("3号楼", "2单元", "501室"):
        assert door not in page
    listing = client.get("/public/cases/").content.decode()
    assert "多福巷***门口路面塌陷" in listing and "3号楼" not in listing
