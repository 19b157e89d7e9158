"""Pages of the knowledge base (staff), the public FAQ, and the JSON the panels read. Thin:
forms validate, knowledge.services writes, knowledge.selectors reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import forms as case_forms
from cases.models import Case
from cases.views import render_console
from civic import roles
from civic.client import client_address
from civic.errors import ApplicationError
from civic.forms import row_id, show_error
from civic.models import Category, Region
from civic.throttling import count_in_window

from . import rules, selectors, services
from .forms import ArticleFilterForm, ArticleForm, FaqFilterForm, WorkflowForm
from .models import CONTENT_FIELDS, Article

# Public suggestions while a resident types: per address and minute (no personal data read).
SUGGEST_PER_MINUTE = 60


def _require(request, allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _hit_json(hit: selectors.ArticleHit, *, full: bool = False) -> dict:
    a = hit.article
    return {
        "id": a.pk,
        "title": a.title,
        "summary": Truncator(a.answer).chars(90),
        "answer": a.answer if full else "",
        "policy": " ".join(p for p in (a.policy_document, a.policy_article) if p),
        "policy_url": a.policy_url,
        "score": hit.score,
        "overdue_review": hit.overdue_review,
        "url": reverse("knowledge:detail", args=[a.pk])
        if full
        else reverse("knowledge:faq_detail", args=[a.pk]),
    }


# --- staff pages ---------------------------------------------------------------------------


@login_required
def article_list(request):
    _require(request, rules.can_see_staff_pages(request.user))
    form = ArticleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    hits = None
    if data.get("q") and not data.get("status"):
        # Text given: relevance order from the search (published, in effect).
        hits = selectors.article_search(
            data["q"], category=data.get("category"), region=data.get("region"), limit=50
        )
        page = None
    else:
        qs = selectors.article_list(
            request.user,
            q=data.get("q", ""),
            category=data.get("category"),
            region=data.get("region"),
            status=data.get("status", ""),
            overdue=data.get("overdue", False),
        )
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/list.html",
        {
            "form": form,
            "hits": hits,
            "page": page,
            "today": selectors.today(),
            "can_create": rules.is_editor(request.user),
            "can_review": rules.can_review_article(request.user),
        },
    )


def _article_for(request, pk: int) -> Article:
    article = get_object_or_404(
        Article.objects.select_related("category", "unit", "region", "source_case"), pk=pk
    )
    if not rules.can_see_article(request.user, article):
        raise Http404
    return article


def _render_detail(request, article: Article, *, action_form=None, status=200):
    versions = list(selectors.article_history(article))
    labels = {f: Article._meta.get_field(f).verbose_name for f in (*CONTENT_FIELDS, "status")}
    for v in versions:
        v.changed_labels = [str(labels.get(f, f)) for f in v.changed_fields]
    user = request.user
    return render(
        request,
        "knowledge/detail.html",
        {
            "article": article,
            "versions": versions,
            "overdue": selectors.needs_review(article),
            "uses": selectors.uses_of(article),
            "action_form": action_form or WorkflowForm(initial={"version": article.version}),
            "can_edit": rules.can_edit_article(user, article)
            and article.status != Article.Status.RETIRED
            and (article.status != Article.Status.IN_REVIEW or roles.is_centre_staff(user)),
            "can_submit": rules.can_submit_article(user, article)
            and article.status == Article.Status.DRAFT,
            "can_review": rules.can_review_article(user)
            and article.status == Article.Status.IN_REVIEW,
            "can_retire": rules.can_review_article(user)
            and article.status != Article.Status.RETIRED,
        },
        status=status,
    )


@login_required
def article_detail(request, pk: int):
    _require(request, rules.can_see_staff_pages(request.user))
    return _render_detail(request, _article_for(request, pk))


@login_required
def article_create(request):
    _require(request, rules.is_editor(request.user))
    status = 200
    if request.method == "POST":
        form = ArticleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                article = services.article_create(
                    actor=request.user, note=form.cleaned_data["note"], **form.content()
                )
            except ApplicationError as exc:
                status = show_error(request, exc, form)
            else:
                messages.success(request, _("Draft saved. Submit it for review when ready."))
                return redirect("knowledge:detail", pk=article.pk)
        else:
            status = 400
    else:
        form = ArticleForm(user=request.user, initial={"public": True})
    return render(request, "knowledge/form.html", {"form": form, "article": None}, status=status)


@login_required
def article_edit(request, pk: int):
    article = _article_for(request, pk)
    _require(request, rules.can_edit_article(request.user, article))
    status = 200
    if request.method == "POST":
        form = ArticleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                article = services.article_update(
                    actor=request.user,
                    article=article,
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                    **form.content(),
                )
            except ApplicationError as exc:
                status = show_error(request, exc, form)
            else:
                messages.success(request, _("Saved as version %(v)s.") % {"v": article.version})
                return redirect("knowledge:detail", pk=article.pk)
        else:
            status = 400
    else:
        initial = {f: getattr(article, f) for f in CONTENT_FIELDS}
        initial["version"] = article.version
        form = ArticleForm(user=request.user, initial=initial)
    return render(request, "knowledge/form.html", {"form": form, "article": article}, status=status)


ACTION_MESSAGES = {
    "submit": gettext_lazy("Submitted for review."),
    "publish": gettext_lazy("Published: operators and (if public) residents find it now."),
    "send_back": gettext_lazy("Sent back to the unit."),
    "retire": gettext_lazy("Retired: it no longer appears in search."),
}


@login_required
@require_POST
def article_action(request, pk: int, action: str):
    article = _article_for(request, pk)
    if action not in services.WORKFLOW_ACTIONS:
        raise Http404
    form = WorkflowForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, article, action_form=form, status=400)
    if action == "retire" and not form.cleaned_data["confirm"]:
        form.add_error("confirm", _("Tick the box to confirm."))
        return _render_detail(request, article, action_form=form, status=400)
    try:
        services.WORKFLOW_ACTIONS[action](
            actor=request.user,
            article=article,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except ApplicationError as exc:
        status = show_error(request, exc, form)
        article.refresh_from_db()
        return _render_detail(request, article, action_form=form, status=status)
    messages.success(request, str(ACTION_MESSAGES[action]))
    return redirect("knowledge:detail", pk=article.pk)


@login_required
def review_queue(request):
    _require(request, rules.can_review_article(request.user))
    return render(
        request,
        "knowledge/review.html",
        {"articles": selectors.review_queue(), "today": selectors.today()},
    )


@login_required
def stats(request):
    _require(request, roles.is_centre_staff(request.user) or roles.is_viewer(request.user))
    months = selectors.on_spot_rates()
    return render(
        request,
        "knowledge/stats.html",
        {
            "months": months,
            # When the newest month (the one still changing) was counted; None: just now.
            "counted_at": months[0]["counted_at"] if months else None,
            "top": selectors.top_used(),
        },
    )


# --- the console and the centre case page ------------------------------------------------


@login_required
@require_GET
def console_search(request):
    """JSON for the console panel: the best matches for the caller's words (centre staff)."""
    _require(request, roles.is_centre_staff(request.user))
    text = (request.GET.get("q") or "")[:1000]
    region_id = row_id(request.GET.get("region"))
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    hits = selectors.article_search(text, region=region, limit=5) if text.strip() else []
    return JsonResponse({"results": [_hit_json(h, full=True) for h in hits]})


@login_required
@require_POST
def answer_on_spot(request):
    """直接答复: record the call and close it at once from the ticked articles."""
    _require(request, roles.is_centre_staff(request.user))
    form = case_forms.OperatorCaseForm(request.POST, request.FILES)
    ids = [row_id(v) for v in request.POST.getlist("articles")]
    articles = list(Article.objects.filter(pk__in=[i for i in ids if i]))
    if not articles:
        request.knowledge_article_errors = [_("Tick the article(s) you answered from.")]
    if not form.is_valid() or not articles:
        messages.error(request, _("The call was not recorded: see the messages below."))
        return render_console(request, form, status=400)
    try:
        done = services.answer_on_spot(
            actor=request.user,
            articles=articles,
            case_fields=form.intake_fields(),
        )
    except ApplicationError as exc:
        fields = exc.extra.get("fields", {}) if isinstance(exc.extra, dict) else {}
        if "articles" in fields:
            request.knowledge_article_errors = fields["articles"]
            messages.error(request, exc.message)
            status = 400
        else:
            status = show_error(request, exc, form)
        return render_console(request, form, status=status)
    messages.success(
        request,
        _("Case %(number)s answered on the spot and closed. Access code for the caller: %(code)s")
        % {"number": done.case.number, "code": done.access_code},
    )
    return redirect("cases:centre_case", number=done.case.number)


@login_required
@require_POST
def draft_from_case(request, number: str):
    _require(request, roles.is_centre_staff(request.user))
    case = get_object_or_404(Case, number=number)
    try:
        article = services.article_draft_from_case(actor=request.user, case=case)
    except ApplicationError as exc:
        show_error(request, exc)
        return redirect("cases:centre_case", number=number)
    messages.success(request, _("Knowledge draft created from the reply. Check and edit it."))
    return redirect("knowledge:edit", pk=article.pk)


# --- the public FAQ ----------------------------------------------------------------------


@require_GET
def faq_list(request):
    form = FaqFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    category = data.get("category")
    if data.get("q"):
        hits = selectors.article_search(data["q"], category=category, public_only=True, limit=30)
        articles = [h.article for h in hits]
        page = None
    else:
        qs = selectors.filter_scope(selectors.public_articles(), category=category).order_by(
            "category__path", "title"
        )
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
        articles = list(page.object_list)
    return render(
        request, "knowledge/faq_list.html", {"form": form, "articles": articles, "page": page}
    )


@require_GET
def faq_detail(request, pk: int):
    article = get_object_or_404(selectors.public_articles(), pk=pk)
    return render(
        request,
        "knowledge/faq_detail.html",
        {"article": article, "overdue": selectors.needs_review(article)},
    )


@require_GET
def faq_suggest(request):
    """Up to three public articles for what a resident types (the filing page's panel)."""
    count, retry = count_in_window(f"knowledge-suggest:{client_address(request)}", 60)
    if count > SUGGEST_PER_MINUTE:
        response = JsonResponse({"results": [], "message": _("Too many requests.")}, status=429)
        response["Retry-After"] = str(int(retry) + 1)
        return response
    text = (request.GET.get("q") or "")[:300]
    category_id = row_id(request.GET.get("category"))
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    # A leaf picked on the filing form: look under its first level (articles sit at any level).
    if category is not None and category.parent_id:
        category = Category.objects.filter(code=category.path.strip("/").split("/")[0]).first()
    hits = (
        selectors.article_search(text, category=category, public_only=True, limit=3)
        if len(text.strip()) >= 2
        else []
    )
    response = JsonResponse(
        {
            "results": [
                {
                    "id": h.article.pk,
                    "title": h.article.title,
                    "summary": Truncator(h.article.answer).chars(90),
                    "url": reverse("knowledge:faq_detail", args=[h.article.pk]),
                }
                for h in hits
            ]
        }
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
