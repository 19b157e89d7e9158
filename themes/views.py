"""HTML pages: public theme list/detail; the centre's hot topics, theme editing and proactive
suggestions. Thin: the form validates, one service or selector does the work."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import route_proposal
from cases.views import memoise_empty_pickers
from civic import roles
from civic.errors import ApplicationError
from civic.roles import HANDLING_ROLES

from . import forms, hot_topics, permissions, selectors, services
from .models import Milestone, ProactiveSuggestion, Theme


def _form_errors(form, exc: ApplicationError) -> None:
    fields = exc.extra.get("fields") if isinstance(exc.extra, dict) else None
    if isinstance(fields, dict):
        for name, msgs in fields.items():
            form.add_error(name if name in form.fields else None, msgs)
    else:
        form.add_error(None, exc.message)


def _require_login(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _require_manager(request) -> None:
    if not permissions.can_manage_themes(request.user):
        raise PermissionDenied(_("Only the hotline centre's dispatchers manage themes."))


def theme_list(request):
    qs = selectors.themes_with_progress(selectors.themes_visible_to(request.user))
    status = request.GET.get("status")
    if status in Theme.Status.values:
        qs = qs.filter(status=status)
    themes = list(qs[:100])
    for theme in themes:
        theme.progress = selectors.progress_of(theme)
    context = {
        "themes": themes,
        "status": status,
        "statuses": Theme.Status.choices,
        "can_manage": permissions.can_manage_themes(request.user),
        "is_centre": permissions.is_centre(request.user),
    }
    return render(request, "themes/theme_list.html", context)


def _visible_theme(request, pk) -> Theme:
    return get_object_or_404(selectors.themes_visible_to(request.user), pk=pk)


def theme_detail(request, pk):
    theme = _visible_theme(request, pk)
    can_manage = permissions.can_manage_themes(request.user)
    context = {
        "theme": theme,
        "progress": selectors.theme_progress(theme),
        "milestones": theme.milestones.all(),
        "cases": selectors.theme_cases_public(theme),
        "can_manage": can_manage,
        "can_mark": request.user.is_authenticated
        and permissions.can_mark_milestone(request.user, theme),
        "events": selectors.theme_events(theme) if permissions.is_centre(request.user) else [],
        "close_form": forms.CloseForm(),
        "milestone_form": forms.MilestoneForm(),
    }
    return render(request, "themes/theme_detail.html", context)


def hot_topic_list(request):
    """The analysis a task stored (hot_topics.stored), never one run here: an analysis takes
    seconds. A month or region not analysed yet is queued, and the page says so."""
    if not permissions.is_centre(request.user):
        raise Http404
    form = forms.HotTopicFilterForm(request.GET or None)
    warm = None
    pending = False
    month = f"{timezone.localdate():%Y-%m}"
    region = None
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"] or month
        region = form.cleaned_data["region"]
    if not form.is_bound or form.is_valid():
        warm = hot_topics.stored(month, region)
        hot_topics.note_wanted(month, region)
        if warm is None:
            hot_topics.request_warm(month, region)
            warm = hot_topics.stored(month, region)  # a worker running tasks inline (tests)
            pending = warm is None
    memoise_empty_pickers(form, ["region"])  # every street and district: rendered once
    context = {
        "form": form,
        "analysis": warm.analysis if warm else None,
        "computed_at": warm.computed_at if warm else None,
        "pending": pending,
        "month": month,
        "region": region,
        "can_manage": permissions.can_manage_themes(request.user),
    }
    return render(request, "themes/hot_topics.html", context)


def hot_topic_promote(request):
    if (response := _require_login(request)) is not None:
        return response
    _require_manager(request)
    if request.method == "POST":
        form = forms.PromoteForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                theme = services.theme_promote(
                    actor=request.user,
                    month=d["month"],
                    region=d["region"],
                    topic=d["topic"],
                    title=d["title"],
                    description=d["description"],
                    goals=d["goals"],
                    keywords=d["keywords"],
                    lead_unit=d["lead_unit"],
                    co_units=list(d["co_units"]),
                    milestones=d["milestones"],
                    activate=d["activate"],
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The hot topic is now a theme."))
                return redirect("themes:detail", pk=theme.pk)
        topic = None
    else:
        filters = forms.HotTopicFilterForm(request.GET)
        if not filters.is_valid() or not request.GET.get("topic"):
            raise Http404
        month = filters.cleaned_data["month"] or f"{timezone.localdate():%Y-%m}"
        region = filters.cleaned_data["region"]
        # The topic as the hot-topics page showed it (the stored analysis); analysed here
        # only when that is gone.
        warm = hot_topics.stored(month, region)
        analysis = warm.analysis if warm else hot_topics.analyse(month, region)
        topic = analysis.topic(request.GET["topic"])
        if topic is None:
            raise Http404
        initial = {
            "month": month,
            "region": region.pk if region else None,
            "topic": topic.key,
            "title": topic.suggested_title,
            "keywords": " ".join(topic.suggested_keywords),
            "activate": True,
        }
        centre = selectors.case_for_topic(topic.key)
        if centre is not None:
            unit = route_proposal(category=centre.category, region=centre.region)
            initial["lead_unit"] = unit.pk if unit else None
        form = forms.PromoteForm(initial=initial)
    return render(request, "themes/promote.html", {"form": form, "topic": topic})


def theme_edit(request, pk):
    if (response := _require_login(request)) is not None:
        return response
    _require_manager(request)
    theme = get_object_or_404(Theme, pk=pk)
    if request.method == "POST":
        form = forms.ThemeEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.theme_update(
                    actor=request.user,
                    theme=theme,
                    version=d["version"],
                    title=d["title"],
                    description=d["description"],
                    goals=d["goals"],
                    keywords=d["keywords"],
                    lead_unit=d["lead_unit"],
                    co_units=list(d["co_units"]),
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("themes:detail", pk=theme.pk)
    else:
        form = forms.ThemeEditForm(
            initial={
                "title": theme.title,
                "description": theme.description,
                "goals": theme.goals,
                "keywords": theme.keywords,
                "lead_unit": theme.lead_unit_id,
                "co_units": list(theme.co_units.values_list("pk", flat=True)),
                "version": theme.version,
            }
        )
    return render(request, "themes/theme_edit.html", {"form": form, "theme": theme})


def _act(request, action, *, ok: str, pk: int):
    try:
        action()
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("themes:detail", pk=pk)


@require_POST
def theme_activate(request, pk):
    _require_manager(request)
    theme = get_object_or_404(Theme, pk=pk)
    return _act(
        request,
        lambda: services.theme_activate(actor=request.user, theme=theme),
        ok=_("The theme is active."),
        pk=pk,
    )


@require_POST
def theme_close(request, pk):
    _require_manager(request)
    theme = get_object_or_404(Theme, pk=pk)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a closing summary."))
        return redirect("themes:detail", pk=pk)
    return _act(
        request,
        lambda: services.theme_close(
            actor=request.user, theme=theme, summary=form.cleaned_data["summary"]
        ),
        ok=_("The theme is closed."),
        pk=pk,
    )


@require_POST
def milestone_add(request, pk):
    _require_manager(request)
    theme = get_object_or_404(Theme, pk=pk)
    form = forms.MilestoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the milestone a title and a due date."))
        return redirect("themes:detail", pk=pk)
    return _act(
        request,
        lambda: services.milestone_add(
            actor=request.user,
            theme=theme,
            title=form.cleaned_data["title"],
            due_date=form.cleaned_data["due_date"],
        ),
        ok=_("Milestone added."),
        pk=pk,
    )


@require_POST
def milestone_done(request, pk, mid):
    if not request.user.is_authenticated:
        raise PermissionDenied
    milestone = get_object_or_404(Milestone.objects.select_related("theme"), pk=mid, theme_id=pk)
    form = forms.MilestoneDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _act(
        request,
        lambda: services.milestone_done(actor=request.user, milestone=milestone, note=note),
        ok=_("Milestone marked done."),
        pk=pk,
    )


def suggestion_list(request):
    if (response := _require_login(request)) is not None:
        return response
    if not permissions.is_centre(request.user) and not roles.unit_ids_of(
        request.user, HANDLING_ROLES
    ):
        raise Http404
    qs = selectors.suggestions_visible_to(request.user)
    status = request.GET.get("status", ProactiveSuggestion.Status.SUGGESTED)
    if status in ProactiveSuggestion.Status.values:
        qs = qs.filter(status=status)
    rows = list(qs[:200])
    for s in rows:
        s.reason = services.suggestion_reason(s)
        s.can_decide = permissions.can_decide_suggestion(request.user, s)
    can_manage = permissions.can_manage_themes(request.user)
    context = {
        "suggestions": rows,
        "status": status,
        "statuses": ProactiveSuggestion.Status.choices,
        # Every suggestion's form offers the same ~450 units: their options are rendered once
        # here, not once per suggestion by the template (20 suggestions: 9,000 options, 0.3 s).
        "unit_options": format_html_join(
            "", '<option value="{}">{}</option>', selectors.unit_choices().values_list("pk", "name")
        )
        if can_manage
        else "",
        "can_manage": can_manage,
    }
    return render(request, "themes/suggestions.html", context)


def _suggestion(request, pk) -> ProactiveSuggestion:
    if not request.user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(selectors.suggestions_visible_to(request.user), pk=pk)


def _after(request, action, ok: str):
    try:
        action()
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("themes:suggestions")


@require_POST
def suggestion_accept(request, pk):
    suggestion = _suggestion(request, pk)
    form = forms.AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid unit."))
        return redirect("themes:suggestions")
    return _after(
        request,
        lambda: services.suggestion_accept(
            actor=request.user,
            suggestion=suggestion,
            unit=form.cleaned_data["unit"],
            note=form.cleaned_data["note"],
        ),
        _("Accepted: a proactive case was dispatched."),
    )


@require_POST
def suggestion_decline(request, pk):
    suggestion = _suggestion(request, pk)
    form = forms.DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for declining."))
        return redirect("themes:suggestions")
    return _after(
        request,
        lambda: services.suggestion_decline(
            actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"]
        ),
        _("Declined."),
    )
