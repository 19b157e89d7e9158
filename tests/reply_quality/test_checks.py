"""The four automatic checks, on real-style complaints and replies."""

import pytest

from cases import services
from cases.models import Reply
from reply_quality import scoring
from reply_quality.services import check_reply
from tests.cases.factories import case_in

from .factories import replied_case

TITLE = "多福巷路面塌陷"
DESCRIPTION = "多福巷12号门口路面塌陷一个大坑，晚上很危险，老人孩子经过容易摔倒，请尽快修复。"
GOOD = (
    "您好！关于您反映的多福巷路面塌陷问题，市城管委于2026年3月5日派工作人员到现场核实，"
    "塌陷坑已于3月6日完成修复并恢复通行。下一步我们将加强对该路段的巡查，"
    "如仍有问题请拨打12345反映。"
)
ACKNOWLEDGE_ONLY = "网友：您好！留言已收悉。"
CANNOT_NO_BASIS = (
    "您好！关于您反映的多福巷路面塌陷问题，我委工作人员于3月5日到现场核实，该路段为私人产权道路，"
    "目前暂不能由我委修复，下一步将督促产权单位处理。"
)
CANNOT_WITH_BASIS = CANNOT_NO_BASIS + (
    "根据《城市道路管理条例》第十二条规定，私人产权道路由产权单位负责养护。"
)


def test_relevance_is_high_for_a_reply_about_the_complaint_and_low_for_an_acknowledgement():
    assert scoring.relevance(TITLE, DESCRIPTION, GOOD) >= scoring.RELEVANCE_MIN
    assert scoring.relevance(TITLE, DESCRIPTION, ACKNOWLEDGE_ONLY) < scoring.RELEVANCE_MIN
    unrelated = "您好！关于您咨询的幼儿园入学报名问题，教育局已于3月1日公布报名时间，请按时报名。"
    assert scoring.relevance(TITLE, DESCRIPTION, unrelated) < scoring.RELEVANCE_MIN


def test_completeness_counts_what_when_who_and_next_step():
    assert scoring.completeness_elements(GOOD) == {
        "done": True,
        "when": True,
        "who": True,
        "next": True,
    }
    assert scoring.completeness(GOOD) == 1.0
    assert scoring.completeness(ACKNOWLEDGE_ONLY) < scoring.COMPLETENESS_MIN
    # "现将…答复如下" is the board's opening, not a next step.
    assert scoring.completeness_elements("现将情况答复如下：已收悉。")["next"] is False


def test_explanation_wants_a_policy_basis_and_a_board_name_is_not_one():
    assert scoring.explanation(CANNOT_WITH_BASIS) == 1.0
    assert scoring.explanation(CANNOT_NO_BASIS) < scoring.EXPLANATION_MIN
    assert scoring.explanation("现将网友在平台《问政西地省》栏目的留言答复如下") == 0.0
    assert scoring.explanation("依据相关规定，暂不予办理。") >= scoring.EXPLANATION_MIN


def test_good_reply_has_no_warning(world):
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    checks = check_reply(case, GOOD, Reply.Result.RESOLVED)
    assert checks.warnings == []
    assert not checks.flagged
    assert checks.scores.explanation is None


def test_acknowledgement_only_warns_of_relevance_and_completeness(world):
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    checks = check_reply(case, ACKNOWLEDGE_ONLY, Reply.Result.RESOLVED)
    assert checks.warning_codes == ["relevance", "completeness"]
    assert "何时" in checks.warnings[1]["message"]  # names what is missing: when


def test_explanation_check_applies_only_to_the_explained_result(world):
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    explained = check_reply(case, CANNOT_NO_BASIS, Reply.Result.EXPLAINED)
    assert "explanation" in explained.warning_codes
    assert explained.scores.explanation < scoring.EXPLANATION_MIN
    resolved = check_reply(case, CANNOT_NO_BASIS, Reply.Result.RESOLVED)
    assert "explanation" not in resolved.warning_codes
    assert resolved.scores.explanation is None
    with_basis = check_reply(case, CANNOT_WITH_BASIS, Reply.Result.EXPLAINED)
    assert "explanation" not in with_basis.warning_codes


def test_boilerplate_is_the_same_reply_to_a_different_complaint(world):
    replied_case(
        world,
        title="幸福路路灯不亮",
        description="幸福路东段十几盏路灯已经一个月不亮了，晚上出行很不安全。",
        reply=GOOD,
    )
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    checks = check_reply(case, GOOD, Reply.Result.RESOLVED)
    assert checks.warning_codes == ["boilerplate"]
    assert checks.scores.originality <= scoring.ORIGINALITY_MIN


def test_the_same_reply_to_a_repeat_of_the_same_complaint_is_not_boilerplate(world):
    replied_case(world, title=TITLE, description=DESCRIPTION, reply=GOOD)
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    checks = check_reply(case, GOOD, Reply.Result.RESOLVED)
    assert "boilerplate" not in checks.warning_codes


def test_boilerplate_compares_only_with_the_same_units_replies(world):
    # Another unit's identical reply to a different complaint does not count.
    other = case_in(world, "received", title="幸福路路灯不亮", description="路灯一个月不亮。")
    other = services.case_dispatch(
        actor=world.dispatcher, case=other, lead_unit=world.other_department
    )
    services.case_sign(actor=world.other_handler, case=other)
    services.case_contact(actor=world.other_handler, case=other, note="已联系")
    services.case_reply(
        actor=world.other_handler, case=other, text=GOOD, result=Reply.Result.RESOLVED
    )
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    assert "boilerplate" not in check_reply(case, GOOD, Reply.Result.RESOLVED).warning_codes


@pytest.mark.parametrize(
    ("text", "result", "field"),
    [("", Reply.Result.RESOLVED, "text"), ("已处理。", "done", "result")],
)
def test_check_refuses_an_empty_text_or_unknown_result(world, text, result, field):
    from civic.errors import DomainValidationError

    case = case_in(world, "in_progress")
    with pytest.raises(DomainValidationError) as err:
        check_reply(case, text, result)
    assert field in err.value.extra["fields"]
