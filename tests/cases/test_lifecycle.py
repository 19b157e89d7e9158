"""The state machine through the services: every transition, every illegal move, the audit."""

import contextlib
import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from cases import masking, selectors, services
from cases.errors import IllegalTransition, NotAllowed, ReturnWindowClosed
from cases.models import (
    Assignment,
    Case,
    CaseEvent,
    Outcome,
    Reply,
    RequestState,
    Revisit,
    Status,
    SupervisionOrder,
)
from civic.errors import DomainValidationError
from tests.cases.factories import case_in, file_case

pytestmark = pytest.mark.django_db


def actions(case: Case) -> list[str]:
    return list(case.events.order_by("at", "id").values_list("action", flat=True))


def test_case_number_is_date_plus_daily_sequence(world):
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)):
        first, _ = file_case(world)
        second, _ = file_case(world)
    assert re.fullmatch(r"2026112200001", first.number)
    assert second.number == "2026112200002"


def test_case_numbers_grow_past_five_digits(world):
    from cases.models import CaseNumberSequence

    CaseNumberSequence.objects.create(day=dt.date(2026, 11, 22), last=99_999)
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)):
        case, _ = file_case(world)
    assert case.number == "20261122100000"
    assert Case.objects.get(pk=case.pk).number == "20261122100000"


@pytest.mark.postgres
@pytest.mark.parametrize("by", ["resident", "operator"])
def test_one_statement_intake_writes_what_the_orm_writes(world, monkeypatch, by):
    """PostgreSQL files a case in one statement (cases.inserts); the ORM path is kept for other
    databases. Both must store the same case and the same audit row."""
    from cases import inserts

    actor = getattr(world, by)
    fast, fast_code = file_case(world, by=actor, lat="39.9", lng="116.4", address="多福巷1号")
    monkeypatch.setattr(inserts, "supported", lambda: False)
    slow, slow_code = file_case(world, by=actor, lat="39.9", lng="116.4", address="多福巷1号")

    def stored(case):
        row = Case.objects.filter(pk=case.pk).values().get()
        event = CaseEvent.objects.filter(case=case).values().get()
        for key in ("id", "number", "access_code_hash", "received_at", "updated_at"):
            row.pop(key)
        for key in ("id", "case_id", "at"):
            event.pop(key)
        return row, event

    assert stored(fast) == stored(slow)
    assert int(slow.number) == int(fast.number) + 1
    # The event's time went through JSON: every digit kept, the case's own intake time.
    for case in (fast, slow):
        saved = Case.objects.get(pk=case.pk)
        assert saved.received_at == case.received_at
        assert saved.events.get().at == saved.received_at
        assert saved.events.get().data == {"channel": saved.channel}
    assert fast.events.get().case_id == fast.pk and fast.events.get().action == "create"
    assert services.access_code_matches(Case.objects.get(pk=fast.pk), fast_code)
    assert services.access_code_matches(Case.objects.get(pk=slow.pk), slow_code)
    # The instances handed back are the saved rows.
    for case in (fast, slow):
        assert not case._state.adding
        assert Case.objects.get(pk=case.pk).number == case.number


@pytest.mark.postgres
def test_one_statement_intake_keeps_within_psycopgs_statement_cache():
    """Past 50 parameters psycopg parses the statement again on every call (0.12 ms a case).
    A field added to Case counts here: move the case into a JSON record as the event is."""
    from cases import inserts

    sql, case_fields, _ = inserts._statement()
    assert sql.count("%s") == len(case_fields) + 3
    assert sql.count("%s") <= inserts.CACHED_PARAMETERS


@pytest.mark.postgres
def test_one_statement_intake_prepares_values_as_django_does(world):
    """Values that Django's `pre_save` + `get_db_prep_save` hand back unchanged (or typed) skip
    those calls; every column must still come out as Django prepares it, and keys typed as
    their bigint columns (a plain int is typed by its size, and each new combination of
    parameter types prepares the statement again). A naive time still goes Django's way."""
    from psycopg.types.json import Jsonb
    from psycopg.types.numeric import Int8

    from cases import inserts

    def plain(value):
        return value.obj if isinstance(value, Jsonb) else value

    def naive_time_warning(instance):
        # Django warns about the case's naive time, on both paths.
        return pytest.warns(RuntimeWarning) if instance is case else contextlib.nullcontext()

    def compare(instance, columns) -> list:
        with naive_time_warning(instance):
            ours = inserts._values(instance, columns, connection)
        with naive_time_warning(instance):
            djangos = [
                c.field.get_db_prep_save(c.field.pre_save(instance, True), connection)
                for c in columns
            ]
        for column, mine, theirs in zip(columns, ours, djangos, strict=True):
            if column.attname == "updated_at":  # auto_now: the time of each call
                continue
            assert plain(mine) == plain(theirs), column.attname
            if theirs is None:
                assert mine is None, column.attname
            elif column.attname.endswith("_id"):
                assert type(mine) is Int8, column.attname
            else:
                assert type(mine) is type(theirs), column.attname
        return ours

    _, case_columns, event_columns = inserts._statement()
    case = Case(
        channel="hotline", kind="complaint", category=world.department_category,
        title="路灯不亮", description="坏了一周", address="多福巷1号", lat="39.900001",
        lng=None, region=world.community, reporter=world.resident, reporter_name="张三",
        first_receiver_unit=None, anonymous=False, access_code_hash="x" * 64,
        received_at=timezone.now(), reopen_count=0, handle_due_at=timezone.now(),
        contacted_at=dt.datetime(2026, 11, 23, 9, 0),  # naive
    )  # fmt: skip
    event = services._event(case, "create", world.operator, to_status="received", data={"a": 1})
    values = compare(case, case_columns)
    compare(event, event_columns)
    names = [c.attname for c in case_columns]
    assert timezone.is_aware(values[names.index("contacted_at")])
    assert sum(c.plain is not None for c in case_columns) > 30  # the plan is in use


def test_access_codes_use_every_letter_of_the_alphabet_evenly():
    """Eight letters from the 32 without look-alikes; each equally likely (a skewed or
    missing letter would make codes easier to guess)."""
    from collections import Counter

    codes = [services._new_access_code() for _ in range(4000)]
    assert all(len(c) == services.ACCESS_CODE_LENGTH for c in codes)
    letters = Counter("".join(codes))
    assert set(letters) == set(services.ACCESS_CODE_ALPHABET)
    expected = 4000 * 8 / 32  # 1,000 of each; the bounds are 6 standard deviations out
    assert all(abs(n - expected) < 6 * (expected * 31 / 32) ** 0.5 for n in letters.values())


def test_access_code_is_stored_hashed_and_checked(world):
    case, code = file_case(world)
    assert code not in case.access_code_hash
    assert services.access_code_matches(case, code)
    assert services.access_code_matches(case, code.lower())
    assert not services.access_code_matches(case, "WRONG123")


def test_full_life_cycle_is_audited(world):
    case = case_in(world, "closed")
    assert case.status == Status.CLOSED
    assert case.outcome == Outcome.RESOLVED
    assert actions(case) == ["create", "dispatch", "sign", "contact", "reply", "revisit", "close"]
    statuses = list(case.events.exclude(from_status="").values_list("from_status", "to_status"))
    assert ("dispatched", "signed") in statuses and ("replied", "closed") in statuses
    assert all(e.actor_id for e in case.events.exclude(action="create"))


def test_dispatch_computes_deadlines_from_policy(world):
    with time_machine.travel(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)):  # Monday 10:00
        case = case_in(world, "dispatched")
    local = timezone.localtime
    assert local(case.handle_due_at).date() == dt.date(2026, 12, 2)  # 7 working days
    assert case.contact_due_at - case.dispatched_at == dt.timedelta(hours=24)
    assert case.return_window_ends_at - case.dispatched_at == dt.timedelta(hours=24)
    assert local(case.sign_due_at).date() == dt.date(2026, 11, 24)


def test_street_dispatch_is_copied_to_the_district(world):
    case, _ = file_case(world, category=world.street_category)
    proposal = selectors.route_proposal(category=case.category, region=case.region)
    assert proposal == world.street_unit
    services.case_dispatch(actor=world.operator, case=case, lead_unit=proposal)
    roles_ = set(case.assignments.values_list("unit__name", "role"))
    assert (world.street_unit.name, Assignment.Role.LEAD) in roles_
    assert (world.district_unit.name, Assignment.Role.COPY) in roles_


def test_department_category_routes_to_responsible_department(world):
    assert (
        selectors.route_proposal(category=world.department_category, region=world.community)
        == world.department
    )


def test_community_cannot_lead_outside_duty_list(world):
    case, _ = file_case(world)
    with pytest.raises(DomainValidationError):
        services.case_dispatch(actor=world.dispatcher, case=case, lead_unit=world.community_unit)
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and case.events.count() == 1


@pytest.mark.parametrize(
    ("state", "service", "error"),
    [
        # Not yet the unit's case: refused as not allowed (403), not as a conflict.
        ("received", "case_sign", NotAllowed),
        ("dispatched", "case_contact", IllegalTransition),
        ("signed", "case_dispatch", IllegalTransition),
        ("closed", "case_sign", IllegalTransition),
        ("in_progress", "case_sign", IllegalTransition),
        ("replied", "case_contact", IllegalTransition),
    ],
)
def test_illegal_transitions_are_refused_and_write_nothing(world, state, service, error):
    case = case_in(world, state)
    before = case.events.count()
    kwargs = {"actor": world.handler, "case": case}
    if service == "case_dispatch":
        kwargs = {"actor": world.dispatcher, "case": case, "lead_unit": world.department}
    with pytest.raises(error):
        getattr(services, service)(**kwargs)
    assert Case.objects.get(pk=case.pk).status == state
    assert case.events.count() == before


def test_reply_needs_in_progress(world):
    case = case_in(world, "signed")
    with pytest.raises(IllegalTransition):
        services.case_reply(actor=world.handler, case=case, text="好了", result="resolved")


def test_other_unit_cannot_sign(world):
    case = case_in(world, "dispatched")
    with pytest.raises(NotAllowed):
        services.case_sign(actor=world.other_handler, case=case)
    with pytest.raises(NotAllowed):
        services.case_sign(actor=world.resident, case=case)


def test_resident_cannot_dispatch(world):
    case = case_in(world, "received")
    with pytest.raises(NotAllowed):
        services.case_dispatch(actor=world.resident, case=case, lead_unit=world.department)


def test_answer_on_the_spot_closes_at_once(world):
    case, _ = file_case(world, by=world.operator, kind="consultation", channel="hotline")
    assert case.first_receiver == world.operator
    assert case.first_receiver_unit == world.centre
    services.case_close_without_dispatch(
        actor=world.operator, case=case, outcome=Outcome.ANSWERED_ON_SPOT, note="已告知办理流程"
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == Outcome.ANSWERED_ON_SPOT
    with pytest.raises(IllegalTransition):
        services.case_reopen(actor=world.operator, case=case, reason="再问")


def test_repeat_request_links_to_existing_case(world):
    original = case_in(world, "dispatched")
    repeat, _ = file_case(world, by=world.operator, channel="hotline")
    with pytest.raises(DomainValidationError):
        services.case_close_without_dispatch(
            actor=world.operator, case=repeat, outcome=Outcome.REPEAT_REQUEST, note="重复"
        )
    services.case_close_without_dispatch(
        actor=world.operator,
        case=repeat,
        outcome=Outcome.REPEAT_REQUEST,
        note="已告知进度",
        duplicate_of=original,
    )
    assert list(original.repeats.all()) == [repeat]


def test_return_accepted_moves_case_without_leaving_it_ownerless(world):
    case = case_in(world, "dispatched")
    request = services.return_request_create(
        actor=world.handler,
        case=case,
        reason="不属于我委职责",
        suggested_unit=world.other_department,
    )
    # Meanwhile the case keeps its owner and cannot be signed.
    case.refresh_from_db()
    assert case.lead_unit == world.department
    with pytest.raises(IllegalTransition):
        services.case_sign(actor=world.handler, case=case)
    services.return_request_decide(
        actor=world.dispatcher,
        return_request=request,
        accept=True,
        new_unit=world.other_department,
        note="改派交通委",
    )
    case.refresh_from_db()
    assert case.lead_unit == world.other_department and case.status == Status.DISPATCHED
    assert case.return_count == 1
    states = dict(case.assignments.filter(role="lead").values_list("unit_id", "state"))
    assert states == {world.department.id: "returned", world.other_department.id: "active"}
    assert "return_accepted" in actions(case)
    # The first unit no longer sees it in its inbox.
    assert not selectors.inbox_for_user(world.handler).filter(pk=case.pk).exists()
    assert selectors.inbox_for_user(world.other_handler).filter(pk=case.pk).exists()


def test_return_rejected_keeps_unit(world):
    case = case_in(world, "dispatched")
    request = services.return_request_create(actor=world.handler, case=case, reason="不归我们管")
    with pytest.raises(DomainValidationError):  # a rejection needs a reason
        services.return_request_decide(actor=world.dispatcher, return_request=request, accept=False)
    services.return_request_decide(
        actor=world.dispatcher, return_request=request, accept=False, note="属于你委职责"
    )
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED
    case.refresh_from_db()
    assert case.lead_unit == world.department
    services.case_sign(actor=world.handler, case=case)


def test_unit_cannot_return_after_window(world):
    with time_machine.travel(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)) as traveller:
        case = case_in(world, "dispatched")
        traveller.shift(dt.timedelta(hours=25))
        with pytest.raises(ReturnWindowClosed):
            services.return_request_create(actor=world.handler, case=case, reason="太晚了")


def test_only_dispatcher_arbitrates(world):
    case = case_in(world, "dispatched")
    request = services.return_request_create(actor=world.handler, case=case, reason="不归我们")
    with pytest.raises(NotAllowed):
        services.return_request_decide(
            actor=world.handler, return_request=request, accept=False, note="x"
        )
    with pytest.raises(NotAllowed):
        services.return_request_decide(
            actor=world.operator, return_request=request, accept=False, note="x"
        )


def test_extension_moves_deadline_only_when_approved(world):
    case = case_in(world, "in_progress")
    due = case.handle_due_at
    with pytest.raises(DomainValidationError):
        services.extension_request_create(
            actor=world.handler,
            case=case,
            reason="需要施工",
            extra_working_days=5,
            resident_informed=False,
        )
    denied = services.extension_request_create(
        actor=world.handler,
        case=case,
        reason="需要施工",
        extra_working_days=5,
        resident_informed=True,
    )
    services.extension_request_decide(
        actor=world.dispatcher, extension_request=denied, approve=False, note="理由不足"
    )
    case.refresh_from_db()
    assert case.handle_due_at == due
    approved = services.extension_request_create(
        actor=world.handler,
        case=case,
        reason="需要施工审批",
        extra_working_days=5,
        resident_informed=True,
    )
    services.extension_request_decide(
        actor=world.dispatcher, extension_request=approved, approve=True
    )
    case.refresh_from_db()
    assert case.handle_due_at > due and case.extension_count == 1
    with pytest.raises(IllegalTransition):
        services.extension_request_decide(
            actor=world.dispatcher, extension_request=approved, approve=True
        )


def test_unsatisfied_resident_reopens_up_to_limit_then_supervision(world):
    case = case_in(world, "replied")
    for round_ in (1, 2):
        services.revisit_record(
            actor=world.resident,
            case=case,
            contacted=True,
            resolved=False,
            satisfaction=Revisit.Satisfaction.DISSATISFIED,
            reopen=True,
            comment="没修好",
        )
        case.refresh_from_db()
        assert case.status == Status.DISPATCHED and case.reopen_count == round_
        assert case.lead_unit == world.department
        services.case_sign(actor=world.handler, case=case)
        services.case_contact(actor=world.handler, case=case)
        services.case_reply(actor=world.handler, case=case, text="再次处理", result="resolved")
        case.refresh_from_db()
    services.revisit_record(
        actor=world.resident,
        case=case,
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
        reopen=True,
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == Outcome.REOPEN_LIMIT
    assert SupervisionOrder.objects.filter(case=case, reason="reopen_limit").count() == 1
    assert case.revisits.count() == 3


def test_other_resident_cannot_answer_revisit(world):
    case = case_in(world, "replied")
    with pytest.raises(NotAllowed):
        services.revisit_record(
            actor=world.other_resident,
            case=case,
            contacted=True,
            resolved=True,
            satisfaction="satisfied",
        )


def test_revisit_expires_as_not_reached_never_satisfied(world):
    with time_machine.travel(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)) as traveller:
        case = case_in(world, "replied")
        assert services.revisit_expire(case=case) is False  # window still open
        traveller.shift(dt.timedelta(days=10))
        assert services.revisit_expire(case=case) is True
        assert services.revisit_expire(case=case) is False  # idempotent
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == Outcome.NOT_REACHED
    revisit = case.revisits.get()
    assert revisit.state == Revisit.State.NOT_REACHED and revisit.satisfaction == ""


def test_case_events_cannot_be_changed(world):
    case = case_in(world, "dispatched")
    event = case.events.first()
    event.note = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).update(note="x")
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).delete()


def test_bad_input_writes_nothing(world):
    with pytest.raises(DomainValidationError) as info:
        file_case(world, title="   ", lat="95", lng="116")
    assert "title" in info.value.extra["fields"]
    with pytest.raises(DomainValidationError):
        file_case(world, lat="39.9", lng=None)
    with pytest.raises(DomainValidationError):
        file_case(world, category=world.department_category.parent)
    assert Case.objects.count() == 0


def test_point_on_map_finds_the_community(world):
    case, _ = file_case(world, region=None, lat="39.9141", lng="116.4001")
    assert case.region == world.community


def test_anonymous_case_keeps_no_personal_data(world):
    case, _ = file_case(world, anonymous=True)
    assert case.reporter_name == "" and case.reporter_phone == ""


def test_masking():
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_name("张三丰") == "张**"
    assert masking.mask_email("zhang@example.org") == "z***@example.org"
    assert masking.mask_address("多福巷12号3单元") == "多福巷***"


def test_visibility_resident_unit_centre(world):
    mine = case_in(world, "dispatched")
    theirs = case_in(world, "received", by=world.other_resident)
    assert set(selectors.cases_visible_to(world.resident)) == {mine}
    assert set(selectors.cases_visible_to(world.other_resident)) == {theirs}
    assert set(selectors.cases_visible_to(world.handler)) == {mine}
    assert set(selectors.cases_visible_to(world.other_handler)) == set()
    assert set(selectors.cases_visible_to(world.dispatcher)) == {mine, theirs}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_signs_have_a_single_winner(world):
    case = case_in(world, "dispatched")
    results: list[str] = []

    def attempt():
        try:
            services.case_sign(actor=world.handler, case=Case.objects.get(pk=case.pk))
            results.append("won")
        except IllegalTransition:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 5 + ["won"]
    assert case.events.filter(action="sign").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_and_sign_vs_return_race(world):
    case = case_in(world, "received")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def dispatch(unit):
        barrier.wait()
        try:
            services.case_dispatch(
                actor=world.dispatcher, case=Case.objects.get(pk=case.pk), lead_unit=unit
            )
            outcomes.append(unit.name)
        except IllegalTransition:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dispatch, args=(u,))
        for u in (world.department, world.other_department)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("conflict") == 1
    case.refresh_from_db()
    assert case.events.filter(action="dispatch").count() == 1
    assert Assignment.objects.filter(case=case, role="lead", state="active").count() == 1

    # A sign and a return request racing: exactly one of them takes effect first, and the
    # other either sees a signed case (return still allowed) or a pending return (sign refused).
    handler = world.handler if case.lead_unit == world.department else world.other_handler
    results: list[str] = []
    barrier2 = threading.Barrier(2)

    def sign():
        barrier2.wait()
        try:
            services.case_sign(actor=handler, case=Case.objects.get(pk=case.pk))
            results.append("signed")
        except IllegalTransition:
            results.append("sign-refused")
        finally:
            connection.close()

    def ask_return():
        barrier2.wait()
        try:
            services.return_request_create(
                actor=handler, case=Case.objects.get(pk=case.pk), reason="不属于"
            )
            results.append("return")
        except IllegalTransition:
            results.append("return-refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign), threading.Thread(target=ask_return)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "return" in results
    assert case.return_requests.count() == 1
    assert case.events.filter(action="request_return").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_numbers_are_unique(world):
    numbers: list[str] = []

    def intake():
        try:
            case, _ = file_case(world)
            numbers.append(case.number)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 8 and len(set(numbers)) == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_refuses_event_tampering(world):
    from django.db import DatabaseError, transaction

    case = case_in(world, "received")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET note = 'x' WHERE case_id = %s", [case.pk])


def test_scrub_text_masks_personal_patterns():
    text = "电话13812345678，座机010-65123456，身份证11010119900101123X，车牌京A12345。"
    scrubbed = masking.scrub_text(text)
    for secret in ("13812345678", "65123456", "11010119900101123X", "京A12345"):
        assert secret not in scrubbed
    assert "138****5678" in scrubbed and "京A*****" in scrubbed


def test_deadlines_across_national_day_and_an_adjusted_saturday(world, working_calendar):
    # Dispatched Tue 30 Sep 2025 10:00 (Beijing): 1–8 Oct are holidays, Sat 11 Oct is worked.
    with time_machine.travel(dt.datetime(2025, 9, 30, 2, 0, tzinfo=dt.UTC)):
        case = case_in(world, "dispatched")
    local = timezone.localtime
    assert local(case.sign_due_at).strftime("%m-%d %H:%M") == "10-09 10:00"
    assert local(case.handle_due_at).strftime("%m-%d %H:%M") == "10-16 10:00"
    # Clock-hour limits ignore the holiday.
    assert local(case.contact_due_at).strftime("%m-%d %H:%M") == "10-01 10:00"


def test_utility_case_counts_clock_hours_over_a_holiday(world, working_calendar):
    with time_machine.travel(dt.datetime(2025, 10, 1, 2, 0, tzinfo=dt.UTC)):
        case = case_in(world, "dispatched", urgency="utility")
    assert case.handle_due_at - case.dispatched_at == dt.timedelta(hours=24)
    assert case.sign_due_at - case.dispatched_at == dt.timedelta(hours=2)


def test_reopened_before_its_revisit_the_next_reply_opens_one_new_round(world):
    """A resident reopens a replied case before anyone revisited it: the pending round never
    took place; the unit's next reply opens the one pending revisit (found by the property
    test: the second reply broke the one-pending-revisit rule)."""
    case = case_in(world, "replied")
    services.case_reopen(actor=world.resident, case=case, reason="路面又塌了")
    assert not case.revisits.filter(state=Revisit.State.PENDING).exists()
    services.case_sign(actor=world.handler, case=case)
    services.case_contact(actor=world.handler, case=case, note="再次联系")
    services.case_reply(
        actor=world.handler, case=case, text="已重新修补路面。", result=Reply.Result.RESOLVED
    )
    (pending,) = case.revisits.filter(state=Revisit.State.PENDING)
    assert pending.round == 1 and case.revisits.count() == 1
