"""The centre's page on how the router's suggestions fare: per month and suggested category,
how often a suggestion was shown, taken by the dispatcher and right. Thin: the form reads the
month range, one selector does the work."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import registry, selectors
from .forms import FeedbackRangeForm
from .permissions import can_see_router_feedback


@login_required
def feedback(request):
    if not can_see_router_feedback(request.user):
        raise PermissionDenied(_("Only the hotline centre and leaders see the router's record."))
    form = FeedbackRangeForm(request.GET)  # no parameters: the last twelve months
    months = []
    if form.is_valid():
        since, until = form.bounds()
        months = selectors.feedback_by_month(since=since, until=until)
    active = registry.active_metadata() or {}
    context = {
        "form": form,
        "months": months,
        "active_version": active.get("version"),
        "active_f1": registry.holdout_f1(active),
        "versions": registry.versions()[:10],
    }
    return render(request, "routing/feedback.html", context, status=200 if form.is_valid() else 400)
