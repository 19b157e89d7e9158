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
