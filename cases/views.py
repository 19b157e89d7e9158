"""HTML pages for cases: residents, the operator console, unit inboxes, dispatcher queues.

Each view validates a form, calls one service or selector, and renders. Domain errors become
form errors (400), a clear message with HTTP 409 (conflict) or 403/404 — never a 500.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civic import catalogue, roles
from civic.client import client_address
from civic.errors import (
    ApplicationError,
    ConflictError,
    DomainValidationError,
    NotFoundError,
    RateLimitedError,
)
from civic.forms import show_error
from civic.memo import Memo
from civic.pagination import KnownCountPaginator, windowed_page
from civic.roles import HANDLING_ROLES

from . import forms, hooks, privacy, rules, selectors, services
from .models import Assignment, Case, Channel, PersonalDataAccess, RequestState, Revisit, Status

DUE_SOON_HOURS = 24


# --- helpers -------------------------------------------------------------------------------


def contact_view(request, case: Case, *, surface: str) -> dict:
    """Reporter contact data: full (and the view audited) for those who need it, else masked."""
    return privacy.contact(case, full=privacy.reveal_personal_data(request, case, surface=surface))


def _deadline_badge(case: Case) -> str:
    if (
        case.status not in (Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS)
        or case.handle_due_at is None
    ):
        return ""
    now = timezone.now()
    if case.is_overdue or case.handle_due_at < now:
        return "overdue"
    if (case.handle_due_at - now).total_seconds() < DUE_SOON_HOURS * 3600:
        return "due-soon"
    return ""


def _timeline(case: Case, *, public: bool) -> list:
    """The trail: the reporter's (`public`, the same as their API events) or the staff's."""
    if public:
        return list(selectors.events_for_reporter(case))
    return list(selectors.events_visible_to_staff(case))


def _get_case(user, number: str) -> Case:
    case = selectors.case_get_visible(user, number=number)
    if case is None:
        raise Http404
    return case


# --- residents -----------------------------------------------------------------------------


def file_case(request):
    """File a complaint. A one-time token makes a double-clicked submit create one case. A
    resident who does not know the category (不清楚分类) gets the one the dispatch router
    suggests from the text; the centre checks it before dispatching."""
    is_staff_intake = request.user.is_authenticated and roles.is_centre_staff(request.user)
    if is_staff_intake:
        return redirect("cases:console")
    status = 200
    if request.method == "POST":
        form = forms.CaseFileForm(request.POST, request.FILES)
        token = request.POST.get("form_token", "")
        done = request.session.get("case_form_done", {})
        if token and token in done:
            return redirect("cases:filed")  # the second click of a double click
        suggested = None
        if form.is_valid() and form.cleaned_data["category"] is None:
            suggested = _suggested_category(form)  # category_unknown: required otherwise
            if suggested is None:
                form.add_error(
                    "category",
                    _("We could not tell the category from your description: please choose one."),
                )
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.case_create(
                    actor=request.user if request.user.is_authenticated else None,
                    channel=Channel.WEB,
                    kind=data["kind"],
                    category=data["category"] or suggested,
                    title=data["title"],
                    description=data["description"],
                    region=data["region"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    reporter_email=data["reporter_email"],
                    anonymous=data["anonymous"],
                    attachments=[data["photo"]] if data.get("photo") else [],
                )
            except ApplicationError as exc:
                status = show_error(request, exc, form)
            else:
                request.session["case_filed"] = {
                    "number": created.case.number,
                    "code": created.access_code,
                }
                if token:
                    done[token] = created.case.number
                    request.session["case_form_done"] = dict(list(done.items())[-20:])
                tracked = request.session.get("tracked_cases", [])
                request.session["tracked_cases"] = [*tracked[-20:], created.case.pk]
                if suggested is not None:
                    messages.info(
                        request,
                        _(
                            "The category “%(category)s” was chosen from your description; "
                            "the hotline centre checks it before sending the case on."
                        )
                        % {"category": suggested.full_name()},
                    )
                return redirect("cases:filed")
        else:
            status = 400
    else:
        form = forms.CaseFileForm(initial=_resident_initial(request.user))
    # A fresh random token per form shown: a second POST with a token already in
    # `case_form_done` is the double click. Nothing is written to the session for a GET (a
    # session write per page view cost a query, and a session row per anonymous visitor).
    token = secrets.token_urlsafe(16)
    form.initial["form_token"] = token
    form.fields["form_token"].initial = token
    return render(request, "cases/file.html", {"form": form, "form_token": token}, status=status)


def _suggested_category(form):
    """The leaf the registered text suggester (the dispatch router) proposes for the filed
    text, or None. It reads an unsaved case without a category."""
    data = form.cleaned_data
    draft = Case(
        channel=Channel.WEB,
        kind=data["kind"],
        title=data["title"],
        description=data["description"],
        region=data["region"],
        lat=data["lat"],
        lng=data["lng"],
    )
    proposal = hooks.text_suggestion(draft)
    return forms.category_from_suggestion(form.fields["category"].queryset, proposal)


def _resident_initial(user) -> dict:
    if not user.is_authenticated:
        return {}
    return {
        "reporter_name": user.display_name or user.get_full_name(),
        "reporter_phone": user.phone,
        "reporter_email": user.email,
        "region": user.home_region_id,
    }


def filed(request):
    info = request.session.get("case_filed")
    if not info:
        return redirect("cases:track")
    case = Case.objects.filter(number=info["number"]).select_related("category__parent").first()
    expected = selectors.expected_reply(case) if case is not None else None
    return render(
        request,
        "cases/filed.html",
        {"number": info["number"], "code": info["code"], "case": case, "expected": expected},
    )


def track(request):
    status = 200
    case = None
    retry_after = None
    if request.method == "POST":
        form = forms.TrackForm(request.POST)
        if form.is_valid():
            try:
                found = services.case_track_lookup(
                    number=form.cleaned_data["number"],
                    access_code=form.cleaned_data["access_code"],
                    client=client_address(request),
                )
            except RateLimitedError as exc:
                messages.error(request, exc.message)
                status, retry_after = 429, exc.extra["retry_after"]
            except NotFoundError as exc:
                # The same message for an unknown number and a wrong code.
                form.add_error(None, exc.message)
                status = 404
            else:
                tracked = request.session.get("tracked_cases", [])
                request.session["tracked_cases"] = [*tracked[-20:], found.pk]
                return redirect("cases:tracked", number=found.number)
        else:
            status = 400
    else:
        form = forms.TrackForm(initial={"number": request.GET.get("number", "")})
    response = render(request, "cases/track.html", {"form": form, "case": case}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _resident_case(request, number: str) -> Case:
    """The resident's own case: by account, or by a code checked earlier in this session."""
    case = (
        Case.objects.filter(number=number)
        .select_related("category__parent__parent", "region", "lead_unit")
        .first()
    )
    if case is None:
        raise Http404
    own = request.user.is_authenticated and case.reporter_id == request.user.id
    tracked = case.pk in request.session.get("tracked_cases", [])
    if not (own or tracked):
        raise Http404
    return case


def resident_case(request, number):
    case = _resident_case(request, number)
    return _render_resident_case(request, case)


def _render_resident_case(request, case, *, revisit_form=None, reopen_form=None, status=200):
    pending = selectors.pending_revisit(case)
    return render(
        request,
        "cases/case_resident.html",
        {
            "case": case,
            "contact": contact_view(request, case, surface=PersonalDataAccess.Surface.WEB_UNIT),
            "timeline": _timeline(case, public=True),
            "replies": case.replies.order_by("created_at"),
            "answered_revisits": case.revisits.filter(state=Revisit.State.ANSWERED).order_by(
                "round"
            ),
            "revisit_form": revisit_form or (forms.RevisitForm() if pending else None),
            "reopen_form": reopen_form
            or (
                forms.ReopenForm()
                if case.status in (Status.REPLIED, Status.CLOSED)
                and case.lead_unit_id
                and case.outcome not in ("answered_on_spot",)
                else None
            ),
            "attachments": case.attachments.all(),
        },
        status=status,
    )


@require_POST
def resident_revisit(request, number):
    case = _resident_case(request, number)
    form = forms.RevisitForm(request.POST)
    if not form.is_valid():
        return _render_resident_case(request, case, revisit_form=form, status=400)
    data = form.cleaned_data
    # A tracked (anonymous) resident proved the access code; the service acts for them.
    actor = (
        request.user
        if request.user.is_authenticated and case.reporter_id == request.user.id
        else None
    )
    try:
        services.revisit_record(
            actor=actor,
            case=case,
            contacted=data["contacted"],
            resolved=data["resolved"],
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            reopen=data["reopen"],
        )
    except ApplicationError as exc:
        status = show_error(request, exc, form)
        return _render_resident_case(request, case, revisit_form=form, status=status)
    messages.success(
        request,
        _("Thank you for your rating: %(rating)s.")
        % {"rating": Revisit.Satisfaction(data["satisfaction"]).label},
    )
    return redirect(request.path.rsplit("/revisit/", 1)[0] + "/")


@require_POST
def resident_reopen(request, number):
    case = _resident_case(request, number)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        return _render_resident_case(request, case, reopen_form=form, status=400)
    actor = (
        request.user
        if request.user.is_authenticated and case.reporter_id == request.user.id
        else None
    )
    try:
        services.case_reopen(actor=actor, case=case, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        status = show_error(request, exc, form)
        return _render_resident_case(request, case, reopen_form=form, status=status)
    messages.success(request, _("The case was reopened and sent back to the unit."))
    return redirect(request.path.rsplit("/reopen/", 1)[0] + "/")


@login_required
def my_cases(request):
    cases = selectors.cases_of_resident(request.user).order_by("-received_at")[:200]
    return render(request, "cases/mine.html", {"cases": cases})


# --- staff: shared action plumbing -------------------------------------------------------------


def _require(predicate: Callable[[object], bool], request) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not predicate(request.user):
        raise PermissionDenied


def _action(
    request, case: Case, form_class, call: Callable, success: str, back: str, render_page: Callable
):
    form = form_class(request.POST)
    if not form.is_valid():
        return render_page(request, case, errors={form_class.__name__: form}, status=400)
    try:
        call(form.cleaned_data)
    except ApplicationError as exc:
        status = show_error(request, exc, form)
        return render_page(request, case, errors={form_class.__name__: form}, status=status)
    messages.success(request, success)
    return redirect(back)


# --- operator console and dispatcher ---------------------------------------------------------


# The console's category and region pickers: every leaf category (650) and every community
# (405 in the bench data, 11,000 in Beijing) as an <option> through Django's widget templates,
# with the query that builds their groups, were nine tenths of the page (0.36 s at 1M cases on a
# busy box). An empty picker is the same for every operator: it is rendered once per process,
# language and attributes, kept as long as the catalogue keeps its copy (an edit made elsewhere
# shows within CACHE_SECONDS) and forgotten at once on an edit in this process (signals below).
_empty_pickers = Memo(catalogue.CACHE_SECONDS)
CONSOLE_PICKERS = ("category", "region")


def memoise_empty_pickers(form, names=CONSOLE_PICKERS) -> None:
    """Serve `form`'s empty category/region pickers `names` from this process's rendered copy
    (the hot-topics page's region picker too)."""
    form_class = type(form).__qualname__  # a field name means different choices per form
    for field_name in names:
        field = form.fields.get(field_name)
        if field is None:
            continue
        widget = field.widget  # the form's own copy (fields are deep-copied per form)

        def render_picker(
            name, value, attrs=None, renderer=None, *, _render=widget.render, _form=form_class
        ):
            if value not in (None, ""):  # a choice made: rendered with it selected
                return _render(name, value, attrs, renderer)
            attrs_key = tuple(sorted((attrs or {}).items()))
            key = (_form, name, translation.get_language(), attrs_key)
            return _empty_pickers.get(key, _render, name, value, attrs, renderer)

        def use_required(
            initial, *, _ask=widget.use_required_attribute, _key=(form_class, field_name)
        ):
            # Select asks its first choice, which builds (and queries) every choice.
            if initial not in (None, ""):
                return _ask(initial)
            return _empty_pickers.get((*_key, "required"), _ask, initial)

        widget.render = render_picker
        widget.use_required_attribute = use_required


@receiver(post_save, sender="civic.Category")
@receiver(post_delete, sender="civic.Category")
@receiver(post_save, sender="civic.Region")
@receiver(post_delete, sender="civic.Region")
def _pickers_changed(sender, **kwargs) -> None:
    _empty_pickers.clear()


def render_console(request, form, *, status: int = 200):
    """The operator console with `form` (bound with its errors after a failed submit); the
    buttons other apps add to it (answer on the spot, repeat call) re-render it through here."""
    memoise_empty_pickers(form)
    recent = (
        Case.objects.filter(first_receiver=request.user)
        .only("id", "number", "title", "status", "received_at")
        .order_by("-received_at")[:15]
    )
    undispatched = (
        selectors.queue_undispatched()
        .select_related(None)
        .only("id", "number", "title", "received_at")
        .order_by("received_at")[:15]
    )
    return render(
        request,
        "cases/console.html",
        {"form": form, "recent": recent, "undispatched": undispatched},
        status=status,
    )


@login_required
def console(request):
    """Record a call: the caller's problem becomes a case; next screen dispatches it."""
    _require(roles.is_centre_staff, request)
    if request.method != "POST":
        return render_console(request, forms.OperatorCaseForm())
    form = forms.OperatorCaseForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_console(request, form, status=400)
    try:
        created = services.case_create(
            actor=request.user, channel=Channel.HOTLINE, **form.intake_fields()
        )
    except ApplicationError as exc:
        return render_console(request, form, status=show_error(request, exc, form))
    messages.success(
        request,
        _("Case %(number)s recorded. Access code for the caller: %(code)s")
        % {"number": created.case.number, "code": created.access_code},
    )
    return redirect("cases:centre_case", number=created.case.number)


QUEUE_TABS = [
    ("undispatched", gettext_lazy("Undispatched")),
    ("returns", gettext_lazy("Returns to arbitrate")),
    ("extensions", gettext_lazy("Extensions to approve")),
    ("revisits", gettext_lazy("Awaiting revisit")),
    ("overdue", gettext_lazy("Overdue")),
]
# 50 rows a page; each tab counts at most QUEUE_COUNT_CAP rows ("1000+" past it). At 1M cases
# the page loaded 200 rows of each queue with their joins and counted every queue in full (the
# overdue count alone read all 20k open cases): 0.15–0.5 s. Now every count a bounded index
# walk, all in one statement (selectors.queue_counts), and 50 narrow rows, their categories and
# units from memory (civic.catalogue), formatted in Python (QUEUE_CASE_ROW).
QUEUE_PAGE_SIZE = 50
QUEUE_COUNT_CAP = 1000
_QUEUE_CASE_COLUMNS = (
    "id",
    "number",
    "title",
    "status",
    "category_id",
    "lead_unit_id",
    "handle_due_at",
    "revisit_due_at",
    "received_at",
)
_QUEUE_REQUEST_COLUMNS = (
    "id",
    "case_id",
    "unit_id",
    "reason",
    "requested_at",
    "case__number",
    "case__title",
)


def _queue_items(tab: str, now):
    """The rows of `tab` in the queue's own order, narrowed to the columns the page shows, and
    the links to fill from memory (`catalogue.attach`)."""
    if tab in ("returns", "extensions"):
        qs = selectors.queue_returns() if tab == "returns" else selectors.queue_extensions()
        columns = _QUEUE_REQUEST_COLUMNS + (("extra_working_days",) if tab == "extensions" else ())
        return qs.select_related(None).select_related("case").only(*columns), ("unit",)
    qs = {
        "undispatched": lambda: selectors.queue_undispatched().order_by("received_at"),
        "revisits": selectors.queue_awaiting_revisit,
        "overdue": lambda: selectors.queue_overdue(now),
    }[tab]()
    return qs.select_related(None).only(*_QUEUE_CASE_COLUMNS), ("category", "lead_unit")


@login_required
def queues(request):
    _require(roles.is_centre_staff, request)
    tab = request.GET.get("tab", "undispatched")
    if tab not in dict(QUEUE_TABS):
        tab = "undispatched"
    now = timezone.now()
    counts = selectors.queue_counts(QUEUE_COUNT_CAP, now)
    items, links = _queue_items(tab, now)
    count, capped = counts[tab]
    page = KnownCountPaginator(items, QUEUE_PAGE_SIZE, known_count=count).get_page(
        request.GET.get("page")
    )
    rows = _queue_rows(tab, catalogue.attach(list(page.object_list), *links))
    tabs = [(key, str(label), *counts[key]) for key, label in QUEUE_TABS]
    return render(
        request,
        "cases/queues.html",
        {"tab": tab, "tabs": tabs, "rows": rows, "page": page, "capped": capped},
    )


# Queue rows formatted here, every value escaped (as the inbox's, INBOX_ROW): through the
# template language fifty rows cost more than the page's queries.
QUEUE_CASE_ROW = (
    '<tr><td><a href="{url}">{number}</a> {title}</td><td>{category}</td>'
    '<td><span class="badge">{status}</span></td><td>{unit}</td><td>{due}</td></tr>'
)
QUEUE_REQUEST_ROW = (
    '<tr><td><a href="{url}">{number}</a> {title}</td><td>{unit}</td><td>{reason}{days}</td>'
    "<td>{requested}</td></tr>"
)


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"  # as truncatechars


def _queue_rows(tab: str, items: list) -> list[str]:
    prefix, suffix = reverse("cases:centre_case", kwargs={"number": "~"}).split("~")
    zone = timezone.get_current_timezone()

    def when(value) -> str:
        return value.astimezone(zone).strftime("%m-%d %H:%M") if value else "—"

    if tab in ("returns", "extensions"):
        return [
            format_html(
                QUEUE_REQUEST_ROW,
                url=f"{prefix}{r.case.number}{suffix}",
                number=r.case.number,
                title=_truncate(r.case.title, 40),
                unit=r.unit.name if r.unit else "",
                reason=_truncate(r.reason, 80),
                days=f" (+{r.extra_working_days})" if tab == "extensions" else "",
                requested=when(r.requested_at),
            )
            for r in items
        ]
    statuses = {value: str(label) for value, label in Status.choices}
    return [
        format_html(
            QUEUE_CASE_ROW,
            url=f"{prefix}{case.number}{suffix}",
            number=case.number,
            title=_truncate(case.title, 40),
            category=case.category.name,
            status=statuses.get(case.status, case.status),
            unit=case.lead_unit.name if case.lead_unit else "—",
            due=when(case.revisit_due_at if tab == "revisits" else case.handle_due_at),
        )
        for case in items
    ]


def _render_centre_case(request, case, *, errors=None, status=200):
    explained = selectors.route_proposal_explained(category=case.category, region=case.region)
    proposal = explained.unit
    suggestion = hooks.text_suggestion(case)
    errors = errors or {}
    pending_revisit = selectors.pending_revisit(case)
    context = {
        "case": case,
        "contact": contact_view(request, case, surface=PersonalDataAccess.Surface.WEB_CENTRE),
        "timeline": _timeline(case, public=False),
        "assignments": case.assignments.select_related("unit").order_by("dispatched_at"),
        "replies": case.replies.order_by("created_at"),
        "proposal": proposal,
        "proposal_rule": explained,
        "suggestion": suggestion,
        "badge": _deadline_badge(case),
        "is_dispatcher": roles.is_dispatcher(request.user),
        "dispatch_form": errors.get("DispatchForm")
        or forms.DispatchForm(
            initial={"lead_unit": proposal.pk if proposal else None, "category": case.category_id}
        ),
        "close_form": errors.get("CloseForm") or forms.CloseForm(),
        "redispatch_form": errors.get("RedispatchForm") or forms.RedispatchForm(),
        "co_unit_form": errors.get("CoUnitForm") or forms.CoUnitForm(),
        "assessable_form": errors.get("AssessableForm")
        or forms.AssessableForm(
            initial={"assessable": case.assessable, "reason": case.not_assessable_reason}
        ),
        "revisit_form": errors.get("StaffRevisitForm")
        or (forms.StaffRevisitForm() if pending_revisit else None),
        "note_form": errors.get("RequiredNoteForm") or forms.RequiredNoteForm(),
        "pending_return": case.return_requests.filter(state=RequestState.PENDING)
        .select_related("unit", "suggested_unit")
        .first(),
        "pending_extension": case.extension_requests.filter(state=RequestState.PENDING)
        .select_related("unit")
        .first(),
        "decide_return_form": errors.get("DecideReturnForm") or forms.DecideReturnForm(),
        "decide_extension_form": errors.get("DecideExtensionForm") or forms.DecideExtensionForm(),
        "attachments": case.attachments.all(),
    }
    return render(request, "cases/case_centre.html", context, status=status)


@login_required
def centre_case(request, number):
    _require(roles.is_centre_staff, request)
    case = _get_case(request.user, number)
    return _render_centre_case(request, case)


@login_required
@require_POST
def centre_action(request, number, action):
    _require(roles.is_centre_staff, request)
    case = _get_case(request.user, number)
    user = request.user
    back = reverse("cases:centre_case", kwargs={"number": number})

    def dispatch(d):
        services.case_dispatch(
            actor=user,
            case=case,
            lead_unit=d["lead_unit"],
            co_units=list(d["co_units"]),
            note=d["note"],
            category=d.get("category"),
        )

    def close(d):
        duplicate = None
        if d.get("duplicate_of"):
            duplicate = Case.objects.filter(number=d["duplicate_of"]).first()
            if duplicate is None:
                raise DomainValidationError(
                    _("No case with that number."),
                    extra={"fields": {"duplicate_of": [_("No case with that number.")]}},
                )
        services.case_close_without_dispatch(
            actor=user, case=case, outcome=d["outcome"], note=d["note"], duplicate_of=duplicate
        )

    def decide_return(d):
        request_ = case.return_requests.filter(state=RequestState.PENDING).first()
        if request_ is None:
            raise ConflictError(_("There is no pending return request."))
        services.return_request_decide(
            actor=user,
            return_request=request_,
            accept=d["decision"] == "accept",
            new_unit=d.get("new_unit"),
            note=d["note"],
        )

    def decide_extension(d):
        request_ = case.extension_requests.filter(state=RequestState.PENDING).first()
        if request_ is None:
            raise ConflictError(_("There is no pending extension request."))
        services.extension_request_decide(
            actor=user,
            extension_request=request_,
            approve=d["decision"] == "approve",
            note=d["note"],
        )

    actions = {
        "dispatch": (forms.DispatchForm, dispatch, _("Dispatched.")),
        "close": (forms.CloseForm, close, _("Closed at intake.")),
        "redispatch": (
            forms.RedispatchForm,
            lambda d: services.case_redispatch(
                actor=user,
                case=case,
                lead_unit=d["lead_unit"],
                note=d["note"],
                category=d.get("category"),
            ),
            _("Re-dispatched."),
        ),
        "co-unit": (
            forms.CoUnitForm,
            lambda d: services.co_unit_add(actor=user, case=case, unit=d["unit"], note=d["note"]),
            _("Co-unit added."),
        ),
        "assessable": (
            forms.AssessableForm,
            lambda d: services.case_set_assessable(
                actor=user, case=case, assessable=d["assessable"], reason=d["reason"]
            ),
            _("Saved."),
        ),
        "revisit": (
            forms.StaffRevisitForm,
            lambda d: services.revisit_record(
                actor=user,
                case=case,
                contacted=d["contacted"],
                resolved=d["resolved"],
                satisfaction=d["satisfaction"],
                method=d["method"],
                comment=d["comment"],
                reopen=d["reopen"],
            ),
            _("Revisit recorded."),
        ),
        "decide-return": (forms.DecideReturnForm, decide_return, _("Return request decided.")),
        "decide-extension": (
            forms.DecideExtensionForm,
            decide_extension,
            _("Extension request decided."),
        ),
        "note": (
            forms.RequiredNoteForm,
            lambda d: services.case_note_add(actor=user, case=case, note=d["note"]),
            _("Note added."),
        ),
    }
    if action not in actions:
        raise Http404
    form_class, call, success = actions[action]
    return _action(request, case, form_class, call, success, back, _render_centre_case)


# --- unit inbox ------------------------------------------------------------------------------


INBOX_PAGE_SIZE = 50
INBOX_COLUMNS = (
    "number",
    "title",
    "status",
    "handle_due_at",
    "received_at",
    "is_overdue",
    "category",
    "region",
)


@login_required
def inbox(request):
    _require(lambda u: roles.has_role(u, *HANDLING_ROLES), request)
    # Soonest deadline first, 50 a page: a busy street has over a thousand open cases, and
    # rendering them all cost more than the query (≈ 140 ms for 300 rows at 1M cases).
    # Only what the page shows: the query sorts all of a unit's open cases (1,400 rows for a
    # busy street at 1M) before it keeps 50, and without descriptions they are narrow.
    tab = request.GET.get("tab", "todo")
    if tab not in dict(INBOX_TABS):
        tab = "todo"
    inbox = selectors.inbox_for_user(request.user)
    counts = selectors.inbox_tab_counts(inbox)
    cases = selectors.inbox_tab(inbox, tab).only(*INBOX_COLUMNS)
    page = windowed_page(cases, request.GET.get("page"), INBOX_PAGE_SIZE)
    cases = catalogue.attach(list(page.object_list), "category", "region")
    return render(
        request,
        "cases/inbox.html",
        {
            "rows": _inbox_rows(cases),
            "page": page,
            "tab": tab,
            "tabs": [(key, str(label), counts[key]) for key, label in INBOX_TABS],
            "units": roles.units_of(request.user, HANDLING_ROLES),
        },
    )


INBOX_TABS = [
    ("todo", gettext_lazy("To act on")),
    ("to_sign", gettext_lazy("To sign for")),
    ("in_progress", gettext_lazy("In progress")),
    ("replied", gettext_lazy("Replied, awaiting revisit")),
    ("overdue", gettext_lazy("Overdue")),
]


# One inbox row. The inbox is the page a unit lives in, fifty rows of nine cells: through the
# template language (a lookup chain, filters and an escape per cell) the rows took 0.57 ms
# each, more than the page's queries; formatted here (every value escaped) 0.03 ms.
INBOX_ROW = (
    '<tr class="{badge}" data-number="{number}"><th scope="row"><a href="{url}">{title}</a><br>'
    '<span class="muted">{number} · {region}</span></th>\n'
    '<td data-label="{l_category}">{category}</td>'
    '<td data-label="{l_status}"><span class="badge">{status}</span></td>'
    '<td data-label="{l_due}">{due} {badge_label}</td></tr>\n'
)


def _inbox_rows(cases: list[Case]) -> list[str]:
    prefix, suffix = reverse("cases:unit_case", kwargs={"number": "~"}).split("~")
    statuses = {value: str(label) for value, label in Status.choices}
    labels = {
        badge: format_html('<span class="badge {}">{}</span>', badge, label)
        for badge, label in (("overdue", _("Overdue")), ("due-soon", _("Due soon")))
    }
    zone = timezone.get_current_timezone()
    column = {"l_category": _("Category"), "l_status": _("Status"), "l_due": _("Handling due")}
    rows = []
    for case in cases:
        badge = _deadline_badge(case)
        due = case.handle_due_at
        title = case.title if len(case.title) <= 50 else case.title[:49] + "…"  # truncatechars
        rows.append(
            format_html(
                INBOX_ROW,
                badge=badge,
                number=case.number,
                url=f"{prefix}{case.number}{suffix}",
                title=title,
                region=case.region.name,
                category=case.category.name,
                status=statuses.get(case.status, case.status),
                due=due.astimezone(zone).strftime("%m-%d %H:%M") if due else "—",
                badge_label=labels.get(badge, ""),
                **column,
            )
        )
    return rows


def _render_unit_case(request, case, *, errors=None, status=200):
    errors = errors or {}
    my_units = roles.unit_ids_of(request.user, HANDLING_ROLES)
    co_assignment = case.assignments.filter(
        role=Assignment.Role.CO, state=Assignment.State.ACTIVE, unit_id__in=my_units
    ).first()
    is_lead = rules.can_handle_case.test(request.user, case)
    templates_url = reverse("cases:reply_templates", kwargs={"number": case.number})
    return render(
        request,
        "cases/case_unit.html",
        {
            "case": case,
            "contact": contact_view(request, case, surface=PersonalDataAccess.Surface.WEB_UNIT),
            "timeline": _timeline(case, public=False),
            "assignments": case.assignments.select_related("unit").order_by("dispatched_at"),
            "replies": case.replies.order_by("created_at"),
            "badge": _deadline_badge(case),
            "is_lead": is_lead,
            "co_assignment": co_assignment,
            "reply_form": errors.get("ReplyForm") or forms.ReplyForm(),
            "return_form": errors.get("ReturnForm") or forms.ReturnForm(),
            "extension_form": errors.get("ExtensionForm") or forms.ExtensionForm(),
            "contact_form": errors.get("NoteForm") or forms.NoteForm(),
            "note_form": errors.get("RequiredNoteForm") or forms.RequiredNoteForm(),
            "co_report_form": errors.get("CoUnitReportForm") or forms.CoUnitReportForm(),
            "return_open": case.return_window_ends_at is None
            or case.return_window_ends_at > timezone.now(),
            "pending_return": case.return_requests.filter(state=RequestState.PENDING).exists(),
            "pending_extension": case.extension_requests.filter(
                state=RequestState.PENDING
            ).exists(),
            "templates_url": templates_url,
            "attachments": case.attachments.all(),
        },
        status=status,
    )


def _unit_case(request, number) -> Case:
    case = (
        Case.objects.filter(number=number)
        .select_related("category__parent__parent", "region", "lead_unit")
        .first()
    )
    if case is None or not rules.is_member_of_assigned_unit.test(request.user, case):
        raise Http404
    return case


@login_required
def unit_case(request, number):
    _require(lambda u: roles.has_role(u, *HANDLING_ROLES), request)
    return _render_unit_case(request, _unit_case(request, number))


class _Empty(django_forms.Form):
    pass


@login_required
@require_POST
def unit_action(request, number, action):
    _require(lambda u: roles.has_role(u, *HANDLING_ROLES), request)
    case = _unit_case(request, number)
    user = request.user
    back = reverse("cases:unit_case", kwargs={"number": number})

    def co_report(d):
        assignment = case.assignments.filter(
            role=Assignment.Role.CO,
            state=Assignment.State.ACTIVE,
            unit_id__in=roles.unit_ids_of(user, HANDLING_ROLES),
        ).first()
        if assignment is None:
            raise ConflictError(_("Your unit has no open co-unit assignment on this case."))
        services.co_unit_report(actor=user, assignment=assignment, note=d["note"])

    actions = {
        "sign": (_Empty, lambda d: services.case_sign(actor=user, case=case), _("Signed for.")),
        "contact": (
            forms.NoteForm,
            lambda d: services.case_contact(actor=user, case=case, note=d["note"]),
            _("Contact with the resident recorded."),
        ),
        "reply": (
            forms.ReplyForm,
            lambda d: services.case_reply(
                actor=user, case=case, text=d["text"], result=d["result"]
            ),
            _("Reply sent."),
        ),
        "return": (
            forms.ReturnForm,
            lambda d: services.return_request_create(
                actor=user, case=case, reason=d["reason"], suggested_unit=d.get("suggested_unit")
            ),
            _("Return requested; the hotline centre will decide."),
        ),
        "extension": (
            forms.ExtensionForm,
            lambda d: services.extension_request_create(
                actor=user,
                case=case,
                reason=d["reason"],
                extra_working_days=d["extra_working_days"],
                resident_informed=d["resident_informed"],
            ),
            _("Extension requested."),
        ),
        "co-report": (forms.CoUnitReportForm, co_report, _("Result reported to the lead unit.")),
        "note": (
            forms.RequiredNoteForm,
            lambda d: services.case_note_add(actor=user, case=case, note=d["note"]),
            _("Note added."),
        ),
    }
    if action not in actions:
        raise Http404
    form_class, call, success = actions[action]
    return _action(request, case, form_class, call, success, back, _render_unit_case)


@login_required
@require_GET
def reply_templates(request, number):
    """Rendered reply templates for the lead unit's handlers; they edit before sending."""
    case = (
        Case.objects.filter(number=number).select_related("category__parent", "lead_unit").first()
    )
    if case is None or not rules.can_handle_case.test(request.user, case):
        raise Http404
    templates_ = selectors.reply_templates_for(
        case, roles.unit_ids_of(request.user, HANDLING_ROLES)
    )
    return JsonResponse(
        {
            "templates": [
                {
                    "id": t.pk,
                    "title": t.title,
                    "text": services.reply_template_render(template=t, case=case),
                }
                for t in templates_
            ]
        }
    )
