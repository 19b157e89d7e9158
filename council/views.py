"""HTML pages of the council: thin views over the selectors and services.

Domain errors become messages on the page (never a 500); invisible meetings are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from civic.errors import ApplicationError, DomainValidationError, NotFoundError
from civic.models import Region

from . import forms, selectors, services, workflow
from .hooks import linked_case_statuses
from .models import ListItem, Meeting, Proposal
from .rules import can_manage_meeting, can_view_minutes, worker_community_ids


def _meeting_or_404(request, pk) -> Meeting:
    try:
        return selectors.meeting_get_visible(request.user, pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from None


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _attach_case_status(meeting: Meeting) -> None:
    """Progress of each project's linked case (None until the cases app provides it)."""
    links = [link for i in meeting.list_items.all() for link in i.links.all()]
    statuses = linked_case_statuses([x.case_number for x in links])
    for link in links:
        link.case_status = statuses.get(link.case_number)


class IndexView(LoginRequiredMixin, View):
    def get(self, request):
        user = request.user
        managed = selectors.meetings_managed_by(user)
        visible = selectors.meetings_visible_to(user)
        is_worker = bool(worker_community_ids(user)) or user.is_superuser
        return render(
            request,
            "council/index.html",
            {
                "is_worker": is_worker,
                "managed": managed[:100] if is_worker else [],
                "notices": visible.filter(
                    status=Meeting.Status.PLANNED, notice_published_at__isnull=False
                )[:50],
                "minutes": visible.filter(status__in=selectors.PUBLIC_STATUSES)[:50],
                "pending_proposals": selectors.proposals_pending_for(user).count(),
            },
        )


class MeetingPlanView(LoginRequiredMixin, View):
    def _communities(self, request):
        if request.user.is_superuser:
            return Region.objects.filter(level__in=services.COMMUNITY_LEVELS)
        return Region.objects.filter(id__in=worker_community_ids(request.user))

    def get(self, request):
        form = forms.MeetingPlanForm(communities=self._communities(request))
        return render(request, "council/meeting_form.html", {"form": form})

    def post(self, request):
        form = forms.MeetingPlanForm(request.POST, communities=self._communities(request))
        if form.is_valid():
            try:
                meeting = services.meeting_plan(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Meeting planned."))
                return redirect("council:meeting", pk=meeting.pk)
        return render(request, "council/meeting_form.html", {"form": form}, status=400)


class MeetingEditView(LoginRequiredMixin, View):
    """Change the plan (title, time, place, format) while the meeting is planned."""

    def _meeting(self, request, pk):
        meeting = _meeting_or_404(request, pk)
        if not can_manage_meeting.test(request.user, meeting):
            raise Http404
        return meeting

    def _form(self, meeting, data=None):
        communities = Region.objects.filter(pk=meeting.community_id)
        initial = {
            "community": meeting.community_id,
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "place": meeting.place,
            "format": meeting.format,
        }
        form = forms.MeetingPlanForm(data, initial=initial, communities=communities)
        del form.fields["notice"]
        form.fields["community"].disabled = True
        return form

    def get(self, request, pk):
        meeting = self._meeting(request, pk)
        ctx = {"form": self._form(meeting), "meeting": meeting}
        return render(request, "council/meeting_form.html", ctx)

    def post(self, request, pk):
        meeting = self._meeting(request, pk)
        form = self._form(meeting, request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "community"}
            try:
                services.meeting_update_plan(actor=request.user, meeting=meeting, **data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Meeting updated."))
                return redirect("council:meeting", pk=pk)
        ctx = {"form": form, "meeting": meeting}
        return render(request, "council/meeting_form.html", ctx, status=400)


def _render_meeting(request, meeting: Meeting, *, hold_form=None, status: int = 200):
    meeting = selectors.meeting_detail(meeting)
    manage = can_manage_meeting.test(request.user, meeting)
    show_record = can_view_minutes.test(request.user, meeting)
    _attach_case_status(meeting)
    return render(
        request,
        "council/meeting_detail.html",
        {
            "meeting": meeting,
            "manage": manage,
            "show_record": show_record,
            "actions": workflow.actions_for(meeting.status) if manage else [],
            "notice_form": forms.NoticeForm(initial={"notice": meeting.notice}),
            "hold_form": hold_form or forms.HoldForm(),
            "hold_early": services.hold_needs_confirmation(meeting),
            "attendance": selectors.attendance_summary(meeting) if show_record else None,
            "minutes": selectors.current_minutes(meeting) if show_record else None,
        },
        status=status,
    )


class MeetingDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return _render_meeting(request, _meeting_or_404(request, pk))


ACTIONS = {
    "publish": services.meeting_publish,
    "close": services.meeting_close,
}
ACTION_MESSAGES = {
    "publish_notice": gettext_lazy("The notice is published to the community."),
    "hold": gettext_lazy("The meeting is open for recording."),
    "publish": gettext_lazy("The minutes are published to the community."),
    "close": gettext_lazy("The meeting is closed."),
}


class MeetingActionView(LoginRequiredMixin, View):
    """POST-only status changes: publish_notice, hold, publish, close."""

    def post(self, request, pk, action):
        meeting = _meeting_or_404(request, pk)
        try:
            if action == "publish_notice":
                form = forms.NoticeForm(request.POST)
                if not form.is_valid():
                    _form_errors(request, form)
                    return redirect("council:meeting", pk=pk)
                services.meeting_publish_notice(
                    actor=request.user, meeting=meeting, notice=form.cleaned_data["notice"]
                )
            elif action == "hold":
                form = forms.HoldForm(request.POST)
                form.is_valid()  # a lone optional checkbox: always valid
                try:
                    services.meeting_hold(
                        actor=request.user,
                        meeting=meeting,
                        confirm_early=form.cleaned_data["confirm_early"],
                    )
                except DomainValidationError as exc:
                    # Ask on the same page, the question next to the button (not a redirect).
                    form.add_error("confirm_early", exc.message)
                    messages.error(request, _("The meeting has not been started."))
                    return _render_meeting(request, meeting, hold_form=form, status=400)
            elif action in ACTIONS:
                ACTIONS[action](actor=request.user, meeting=meeting)
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("council:meeting", pk=pk)
        messages.success(request, ACTION_MESSAGES[action])
        return redirect("council:record" if action == "hold" else "council:meeting", pk=pk)


class RecordView(LoginRequiredMixin, View):
    """Recording during the meeting, built for a phone: one column, one form per step.

    Every form posts `op`; the view validates it and calls one service.
    """

    template_name = "council/record.html"

    def _meeting(self, request, pk) -> Meeting:
        meeting = _meeting_or_404(request, pk)
        if not can_manage_meeting.test(request.user, meeting):
            raise Http404
        return meeting

    def _render(self, request, meeting: Meeting, *, failed: dict | None = None, status=200):
        """The page; `failed` re-shows one agenda item's form as posted, with its errors:
        {"op": "vote" or "deliberation", "item": agenda item id, "form": the bound form}."""
        meeting = selectors.meeting_detail(meeting)
        counts = selectors.attendance_counts(meeting)
        return render(
            request,
            self.template_name,
            {
                "meeting": meeting,
                "counts": counts,
                "participant_form": forms.ParticipantForm(),
                "attendance_form": forms.AttendanceForm(meeting=meeting),
                "agenda_form": forms.AgendaItemForm(),
                "deliberation_form": forms.DeliberationForm(),
                "resolution_form": forms.ResolutionForm(),
                "list_form": forms.ListItemForm(),
                "link_form": forms.ProjectLinkForm(),
                "can": {a: workflow.allowed(a, meeting.status) for a in workflow.TRANSITIONS},
                "failed": failed or {},
            },
            status=status,
        )

    def get(self, request, pk):
        return self._render(request, self._meeting(request, pk))

    def post(self, request, pk):
        meeting = self._meeting(request, pk)
        op = request.POST.get("op", "")
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            raise Http404
        anchor = ""
        try:
            anchor = handler(request, meeting) or ""
        except ApplicationError as exc:
            messages.error(request, exc.message)
        if not isinstance(anchor, str):  # a page re-rendered with the form's errors
            return anchor
        return HttpResponseRedirect(reverse("council:record", args=[pk]) + anchor)

    def _valid(self, request, form):
        if form.is_valid():
            return form.cleaned_data
        _form_errors(request, form)
        return None

    def _agenda_item(self, meeting, pk):
        try:
            item = meeting.agenda_items.filter(pk=int(pk)).first()
        except (TypeError, ValueError, OverflowError):
            item = None
        if item is None:
            raise Http404
        return item

    def _item_form(self, request, meeting, op: str, form_class, service, success):
        """Validate one agenda item's form and call `service`; on a validation error (of the
        form or of the service) the same item's form is shown again, as typed, with the error
        next to its field: a redirect would lose the input and jump to the top of the agenda."""
        item = self._agenda_item(meeting, request.POST.get("agenda_item"))
        form = form_class(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "agenda_item"}
            try:
                result = service(actor=request.user, agenda_item=item, **data)
            except DomainValidationError as exc:
                fields = exc.extra.get("fields") or {}
                placed = [f for f in fields if f in form.fields]
                for field in placed:
                    for error in fields[field]:
                        form.add_error(field, error)
                if not placed:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, success(result))
                return f"#item-{item.pk}"
        messages.error(request, _("Not saved: please correct the marked fields."))
        failed = {"op": op, "item": item.pk, "form": form}
        return self._render(request, meeting, failed=failed, status=400)

    def op_invite(self, request, meeting):
        if data := self._valid(request, forms.ParticipantForm(request.POST)):
            services.participant_invite(actor=request.user, meeting=meeting, **data)
            messages.success(request, _("Participant added."))
        return "#participants"

    def op_attendance(self, request, meeting):
        form = forms.AttendanceForm(request.POST, meeting=meeting)
        if data := self._valid(request, form):
            counts = services.attendance_record(
                actor=request.user, meeting=meeting, attended_ids=data["attended"]
            )
            messages.success(
                request,
                _("Attendance saved: %(attending)s of %(invited)s.") % counts,
            )
        return "#participants"

    def op_agenda(self, request, meeting):
        if data := self._valid(request, forms.AgendaItemForm(request.POST)):
            services.agenda_item_add(actor=request.user, meeting=meeting, **data)
            messages.success(request, _("Agenda item added."))
        return "#agenda"

    def op_deliberation(self, request, meeting):
        return self._item_form(
            request,
            meeting,
            "deliberation",
            forms.DeliberationForm,
            services.deliberation_record,
            lambda _entry: _("Statement recorded."),
        )

    def op_vote(self, request, meeting):
        return self._item_form(
            request,
            meeting,
            "vote",
            forms.ResolutionForm,
            services.resolution_vote,
            lambda r: _("Vote recorded: %(outcome)s.") % {"outcome": r.get_outcome_display()},
        )

    def op_list_item(self, request, meeting):
        if data := self._valid(request, forms.ListItemForm(request.POST)):
            services.list_item_add(actor=request.user, meeting=meeting, **data)
            messages.success(request, _("List entry added."))
        return "#lists"

    def op_link(self, request, meeting):
        if data := self._valid(request, forms.ProjectLinkForm(request.POST)):
            project = meeting.list_items.filter(
                pk=data.pop("project"), kind=ListItem.Kind.PROJECT
            ).first()
            if project is None:
                raise Http404
            services.project_link_add(actor=request.user, project=project, **data)
            messages.success(request, _("Case linked to the project."))
        return "#lists"


class MinutesView(LoginRequiredMixin, View):
    """The printable minutes; `?version=N` shows an earlier version."""

    def get(self, request, pk):
        meeting = selectors.meeting_detail(_meeting_or_404(request, pk))
        if not can_view_minutes.test(request.user, meeting):
            raise Http404
        _attach_case_status(meeting)
        versions = list(meeting.minutes.all())
        shown = versions[0] if versions else None
        if wanted := request.GET.get("version"):
            shown = next((v for v in versions if str(v.number) == wanted), None)
            if shown is None:
                raise Http404
        return render(
            request,
            "council/minutes.html",
            {
                "meeting": meeting,
                "shown": shown,
                "versions": versions,
                "is_current": bool(versions) and shown == versions[0],
                "attendance": selectors.attendance_summary(meeting),
                "manage": can_manage_meeting.test(request.user, meeting),
            },
        )


class MinutesEditView(LoginRequiredMixin, View):
    def _meeting(self, request, pk):
        meeting = _meeting_or_404(request, pk)
        if not can_manage_meeting.test(request.user, meeting):
            raise Http404
        return meeting

    def get(self, request, pk):
        meeting = self._meeting(request, pk)
        current = selectors.current_minutes(meeting)
        text = current.text if current else selectors.minutes_draft(meeting)
        form = forms.MinutesForm(initial={"text": text})
        return render(request, "council/minutes_form.html", {"meeting": meeting, "form": form})

    def post(self, request, pk):
        meeting = self._meeting(request, pk)
        form = forms.MinutesForm(request.POST)
        if form.is_valid():
            try:
                if meeting.status == Meeting.Status.PUBLISHED:
                    services.minutes_revise(
                        actor=request.user, meeting=meeting, **form.cleaned_data
                    )
                else:
                    services.meeting_minute(
                        actor=request.user, meeting=meeting, text=form.cleaned_data["text"]
                    )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Minutes saved."))
                return redirect("council:minutes", pk=pk)
        return render(
            request, "council/minutes_form.html", {"meeting": meeting, "form": form}, status=400
        )


class ProposalsView(LoginRequiredMixin, View):
    def _context(self, request, form=None):
        user = request.user
        mine = selectors.proposals_visible_to(user).filter(author=user)
        pending = selectors.proposals_pending_for(user)
        open_meetings = selectors.meetings_managed_by(user).filter(
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD]
        )
        return {
            "form": form or forms.ProposalForm(),
            "can_propose": user.home_region_id is not None,
            "mine": mine,
            "pending": [
                (
                    p,
                    forms.ProposalAcceptForm(
                        meetings=open_meetings.filter(community_id=p.community_id),
                        prefix=f"p{p.pk}",
                    ),
                    forms.ProposalDeclineForm(prefix=f"p{p.pk}"),
                )
                for p in pending
            ],
            "decided": selectors.proposals_visible_to(user)
            .filter(community_id__in=worker_community_ids(user))
            .exclude(status=Proposal.Status.SUBMITTED)[:50],
        }

    def get(self, request):
        return render(request, "council/proposals.html", self._context(request))

    def post(self, request):
        form = forms.ProposalForm(request.POST)
        if form.is_valid() and request.user.home_region_id:
            try:
                services.proposal_submit(
                    actor=request.user, community=request.user.home_region, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Thank you: your topic is submitted."))
                return redirect("council:proposals")
        return render(request, "council/proposals.html", self._context(request, form), status=400)


class ProposalDecideView(LoginRequiredMixin, View):
    def post(self, request, pk, decision):
        proposal = selectors.proposals_visible_to(request.user).filter(pk=pk).first()
        if proposal is None:
            raise Http404
        prefix = f"p{pk}"
        try:
            if decision == "accept":
                form = forms.ProposalAcceptForm(
                    request.POST,
                    meetings=selectors.meetings_managed_by(request.user),
                    prefix=prefix,
                )
                if form.is_valid():
                    services.proposal_accept(
                        actor=request.user, proposal=proposal, meeting=form.cleaned_data["meeting"]
                    )
                    messages.success(request, _("The topic is on the agenda."))
                else:
                    _form_errors(request, form)
            elif decision == "decline":
                form = forms.ProposalDeclineForm(request.POST, prefix=prefix)
                if form.is_valid():
                    services.proposal_decline(
                        actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The proposal is declined."))
                else:
                    _form_errors(request, form)
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("council:proposals")
