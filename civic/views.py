from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import TemplateView

from .notify.services import notification_mark_read


class HomeView(TemplateView):
    template_name = "civic/home.html"


class NotificationsView(LoginRequiredMixin, TemplateView):
    """Every user's in-app inbox of notices."""

    template_name = "civic/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = self.request.user.notifications.all()[:100]
        return context

    def post(self, request, *args, **kwargs):
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        notification_mark_read(user=request.user, notification_ids=ids or None)
        return redirect("notifications")


# Admin pages of models that moved out of cases into apps of their own: old bookmarks and links
# land on the page's new address (same model, same rows).
ADMIN_MOVED_MODELS = {
    "whistle": "whistles",
    "whistlesummons": "whistles",
    "whistlelogentry": "whistles",
    "residentwhistlerequest": "whistles",
    "open311client": "open311",
    "serviceattribute": "open311",
    "open311request": "open311",
    "follow": "public",
    "metoo": "public",
    "publictext": "public",
}


def admin_moved_model(request, model: str, rest: str = ""):
    target = f"/admin/{ADMIN_MOVED_MODELS[model]}/{model}/{rest}"
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{target}?{query}" if query else target, permanent=True)
