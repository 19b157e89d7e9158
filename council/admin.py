"""Configuration and inspection screens. Workflow writes go through the pages, API and
services; the admin is for the voting rule and for correcting data (the audit trail is
read-only)."""

from django.contrib import admin

from .models import (
    AgendaItem,
    Deliberation,
    ListItem,
    Meeting,
    MeetingEvent,
    MinutesVersion,
    Participant,
    ProjectLink,
    Proposal,
    Resolution,
    VotingRule,
)


@admin.register(VotingRule)
class VotingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "quorum_fraction", "pass_fraction"]
    autocomplete_fields = ["community"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class MinutesVersionInline(admin.TabularInline):
    model = MinutesVersion
    extra = 0
    readonly_fields = ["number", "text", "reason", "author", "created_at", "after_publication"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "starts_at", "format", "status", "convener"]
    list_filter = ["status", "format"]
    search_fields = ["title", "place", "community__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["community", "convener"]
    readonly_fields = [
        "status",
        "notice_published_at",
        "held_at",
        "minuted_at",
        "published_at",
        "closed_at",
    ]
    inlines = [ParticipantInline, AgendaItemInline, MinutesVersionInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "organisation", "meeting", "attended"]
    list_filter = ["party", "attended"]
    search_fields = ["name", "organisation"]
    raw_id_fields = ["meeting", "user"]


class DeliberationInline(admin.TabularInline):
    model = Deliberation
    extra = 0
    raw_id_fields = ["recorded_by"]


class ResolutionInline(admin.TabularInline):
    model = Resolution
    extra = 0
    raw_id_fields = ["recorded_by"]
    readonly_fields = ["outcome", "invited", "attending", "quorum_fraction", "pass_fraction"]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "position"]
    search_fields = ["title"]
    raw_id_fields = ["meeting"]
    inlines = [DeliberationInline, ResolutionInline]


@admin.register(Deliberation)
class DeliberationAdmin(admin.ModelAdmin):
    list_display = ["agenda_item", "party", "speaker", "recorded_at"]
    list_filter = ["party"]
    raw_id_fields = ["agenda_item", "recorded_by"]


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "attending",
        "invited",
        "outcome",
    ]
    list_filter = ["outcome"]
    raw_id_fields = ["agenda_item", "recorded_by"]
    readonly_fields = ["outcome"]


class ProjectLinkInline(admin.TabularInline):
    model = ProjectLink
    extra = 0


@admin.register(ListItem)
class ListItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "meeting", "party"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["meeting", "agenda_item"]
    inlines = [ProjectLinkInline]


@admin.register(ProjectLink)
class ProjectLinkAdmin(admin.ModelAdmin):
    list_display = ["case_number", "project", "note", "created_at"]
    search_fields = ["case_number"]
    raw_id_fields = ["project"]


@admin.register(MinutesVersion)
class MinutesVersionAdmin(admin.ModelAdmin):
    list_display = ["meeting", "number", "author", "created_at", "after_publication"]
    raw_id_fields = ["meeting", "author"]

    def has_change_permission(self, request, obj=None):
        return False  # versions are history; edits are new versions


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "author", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "description"]
    raw_id_fields = ["community", "author", "agenda_item", "decided_by"]


@admin.register(MeetingEvent)
class MeetingEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "meeting", "proposal", "actor"]
    list_filter = ["action"]
    raw_id_fields = ["meeting", "proposal", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
