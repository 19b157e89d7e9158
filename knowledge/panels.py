"""The knowledge base's panels on other apps' pages (civic.panels)."""

from __future__ import annotations

from django.urls import reverse

from cases.models import Status as CaseStatus
from civic import roles

from . import selectors
from .models import Article, ArticleUse

CONSOLE_HITS = 5


def console_panel(request, form=None, **kwargs):
    """Matches for the caller's problem as the operator types; "answer on the spot" posts the
    console form to knowledge:answer_on_spot with the ticked articles."""
    if not roles.is_centre_staff(request.user):
        return None
    hits = []
    checked = set()
    if request.method == "POST":
        checked = {v for v in request.POST.getlist("articles") if v.isdigit()}
        text = " ".join([request.POST.get("title", ""), request.POST.get("description", "")])
        if text.strip():
            hits = selectors.article_search(text, limit=CONSOLE_HITS)
        # Ticked articles stay listed after a failed submit even when they no longer match.
        shown = {str(h.article.pk) for h in hits}
        for article in Article.objects.filter(pk__in=checked - shown):
            hits.append(selectors.ArticleHit(article, 0.0, selectors.needs_review(article)))
    return {
        "hits": hits,
        "checked": checked,
        "article_errors": getattr(request, "knowledge_article_errors", []),
        "search_url": reverse("knowledge:console_search"),
        "answer_url": reverse("knowledge:answer_on_spot"),
    }


def centre_case_panel(request, case=None, **kwargs):
    """Replied/closed cases with a reply: turn the reply into an article draft. Lists the
    articles an operator answered this case from."""
    if case is None or not roles.is_centre_staff(request.user):
        return None
    uses = list(ArticleUse.objects.filter(case=case).select_related("article"))
    can_draft = case.status in (CaseStatus.REPLIED, CaseStatus.CLOSED) and case.replies.exists()
    if not uses and not can_draft:
        return None
    drafts = list(Article.objects.filter(source_case=case).only("pk", "title", "status"))
    return {"case": case, "uses": uses, "can_draft": can_draft, "drafts": drafts}


def file_panel(request, form=None, **kwargs):
    """ "This may answer your question": public articles matching what the resident types."""
    return {"suggest_url": reverse("knowledge:faq_suggest")}
